"""Large bank files are imported by the worker (docs/decisions/0035); the request side is
:mod:`fatura.banking.job_queue`. The worker (:func:`bank_file_job_execute`) reads the file
again, stores and matches it in one transaction, creates each matched entry's payment and says
how far it got (:func:`bank_file_job_progress`: the page's progress bar and the API's
``progress``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.cache import cache

from fatura.banking import bank_files
from fatura.banking.models import BankFileJob, JobStatus
from fatura.core import clock
from fatura.core.errors import DomainError, NotFound
from fatura.core.uploads import upload_discard


def _progress_key(job_id: int) -> str:
    return f"bank-file-job:{job_id}:progress"


def bank_file_job_progress(job_id: int) -> dict[str, Any] | None:
    """What the worker last said: ``{"stage": "match" | "settle", "done", "total"}``."""
    value = cache.get(_progress_key(job_id))
    return dict(value) if value else None


def bank_file_job_execute(job_id: int) -> BankFileJob:
    """The worker's part; a job already started or finished is left alone (a task delivered
    twice does no harm). Failed: the error (with line and field for a file that no longer
    reads), nothing kept."""
    claimed = BankFileJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING
    )
    job = BankFileJob.objects.select_related("requested_by").get(pk=job_id)
    if not claimed:
        return job
    upload = Path(job.upload)

    def progress(stage: str, done: int, total: int) -> None:
        cache.set(_progress_key(job_id), {"stage": stage, "done": done, "total": total}, 86400)

    try:
        progress("match", 0, job.entries)
        data = upload.read_bytes()
        parsed = bank_files.bank_file_read(data)
        stored = bank_files.bank_file_store(
            by=job.requested_by, parsed=parsed, data=data, name=job.filename
        )
        if stored is None:
            count = len(parsed.entries)
            result = bank_files.ImportResult(None, parsed.kind, count, 0, 0, count)
        else:
            result = bank_files.bank_file_settle(
                by=job.requested_by, stored=stored, progress=progress
            )
    except DomainError as exc:
        job.status, job.error, job.errors = JobStatus.FAILED, exc.message, exc.errors[:100]
    except Exception as exc:
        job.status, job.error = JobStatus.FAILED, f"Erro inesperado: {type(exc).__name__}"
        _finish(job, upload)
        raise
    else:
        job.status, job.file = JobStatus.DONE, result.file
        job.matched, job.unmatched = result.matched, result.unmatched
        job.duplicates = result.duplicates
    _finish(job, upload)
    return job


def _finish(job: BankFileJob, upload: Path) -> None:
    upload_discard(upload)
    cache.delete(_progress_key(job.pk))
    job.upload, job.finished_at = "", clock.now()
    job.save()


def bank_file_job_get(job_id: int) -> BankFileJob:
    job = BankFileJob.objects.select_related("file").filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"Importação {job_id} não encontrada.")
    return job
