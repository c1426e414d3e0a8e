"""Background jobs of mining: thin wrappers that take ids and call the services."""

from __future__ import annotations

from django_tasks import task

from fatura.mining.services import log_import_execute


@task()
def log_import_task(log_id: int) -> str:
    """Import an uploaded log (``imports.log_import_request`` queued it)."""
    return str(log_import_execute(log_id).status)
