"""Background jobs of banking: thin wrappers that take ids and call the services."""

from __future__ import annotations

from django_tasks import task

from fatura.banking.jobs import bank_file_job_execute


@task()
def bank_file_job_task(job_id: int) -> str:
    """Import a large bank file (``jobs.bank_file_job_request`` queued it)."""
    return str(bank_file_job_execute(job_id).status)
