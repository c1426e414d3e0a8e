"""Large volume files are imported by the worker. :func:`volume_job_execute` runs
:func:`fatura.usage.services.volume_file_import` on the stored upload, as its requester, all or
nothing, and keeps the outcome on the :class:`VolumeFileJob` (the batch, or every bad row);
the request side is :mod:`fatura.usage.uploads`."""

from __future__ import annotations

from pathlib import Path

from fatura.core import clock
from fatura.core.errors import DomainError
from fatura.core.uploads import upload_discard
from fatura.usage.models import JobStatus, VolumeFileJob
from fatura.usage.services import volume_file_import


def volume_job_execute(job_id: int) -> VolumeFileJob:
    """The worker's part; a job already started or finished is left alone (a task delivered
    twice does no harm)."""
    claimed = VolumeFileJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING
    )
    job = VolumeFileJob.objects.select_related("requested_by").get(pk=job_id)
    if not claimed:
        return job
    upload = Path(job.upload)
    try:
        batch = volume_file_import(
            by=job.requested_by, filename=job.filename, data=upload.read_bytes()
        )
    except DomainError as exc:
        job.status, job.error, job.errors = JobStatus.FAILED, exc.message, exc.errors[:2000]
    except Exception as exc:
        job.status, job.error = JobStatus.FAILED, f"Erro inesperado: {type(exc).__name__}"
        _finish(job, upload)
        raise
    else:
        job.status, job.batch = JobStatus.DONE, batch
    _finish(job, upload)
    return job


def _finish(job: VolumeFileJob, upload: Path) -> None:
    upload_discard(upload)
    job.upload, job.finished_at = "", clock.now()
    job.save()
