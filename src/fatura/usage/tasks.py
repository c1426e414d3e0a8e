"""Background jobs of usage: thin wrappers that take ids and call the services."""

from __future__ import annotations

from django_tasks import task

from fatura.usage.jobs import volume_job_execute


@task()
def volume_job_task(job_id: int) -> str:
    """Import a large volume file (``uploads.volume_job_request`` queued it)."""
    return str(volume_job_execute(job_id).status)
