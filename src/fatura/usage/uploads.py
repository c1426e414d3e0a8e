"""A volume file larger than ``FATURA_VOLUME_BACKGROUND_KB`` (default 512) is imported by the
worker: the request stores it under ``DATA_DIR/uploads/volume/<random>/`` and queues
:func:`fatura.usage.jobs.volume_job_execute`; the page and the API follow the job's state. A
smaller file is imported in the request, as before."""

from __future__ import annotations

from django.conf import settings

from fatura.core import clock
from fatura.core.roles import Capability, require
from fatura.core.uploads import upload_job_queue
from fatura.core.users import User
from fatura.usage.models import VolumeFileJob
from fatura.usage.tasks import volume_job_task


def runs_in_background(data: bytes) -> bool:
    return len(data) > int(getattr(settings, "FATURA_VOLUME_BACKGROUND_KB", 512)) * 1024


def volume_job_request(*, by: User, filename: str, data: bytes) -> VolumeFileJob:
    """Queue the import of a volume file (who may record consumption); its bad rows come with
    the job's state."""
    by = require(by, Capability.RECORD_CONSUMPTION)
    return upload_job_queue(
        model=VolumeFileJob,
        task=volume_job_task,
        root=VolumeFileJob.upload_dir(),
        filename=filename,
        default="volumetria.csv",
        data=data,
        requested_by=by,
        requested_at=clock.now(),
    )
