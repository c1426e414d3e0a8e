"""Background jobs of the fiscal app: thin wrappers that take ids and call the services."""

from __future__ import annotations

from django_tasks import task

from fatura.core import clock
from fatura.fiscal.imports import nfse_import_execute
from fatura.fiscal.nfse_client import TransportError
from fatura.fiscal.nfse_issuing import nfse_issue_execute, retry_delay


@task()
def nfse_import_task(import_id: int) -> str:
    """Import an uploaded NFS-e zip (``uploads.nfse_import_request`` queued it)."""
    return str(nfse_import_execute(import_id).status)


@task()
def nfse_issue_task(issuance_id: int) -> str:
    """One attempt to issue a queued NFS-e (``nfse_queue.nfse_issue_request``). A transport
    failure (no answer, timeout, 5xx) queues the next attempt after a growing delay, until
    ``FATURA_NFSE_MAX_ATTEMPTS``; a refusal (4xx) is final and recorded."""
    try:
        return str(nfse_issue_execute(issuance_id).status)
    except TransportError as exc:
        from fatura.fiscal.models import NfseIssuance

        attempts = NfseIssuance.objects.values_list("attempts", flat=True).get(pk=issuance_id)
        retry = nfse_issue_task
        if retry.get_backend().supports_defer:
            retry = retry.using(run_after=clock.now() + retry_delay(attempts))
        retry.enqueue(issuance_id)  # a backend without deferral (tests) runs it right away
        return f"retrying: {exc}"
