"""Background jobs of the fiscal app: thin wrappers that take ids and call the services."""

from __future__ import annotations

from django_tasks import task

from fatura.fiscal.imports import nfse_import_execute


@task()
def nfse_import_task(import_id: int) -> str:
    """Import an uploaded NFS-e zip (``uploads.nfse_import_request`` queued it)."""
    return str(nfse_import_execute(import_id).status)
