"""Queueing an invoice's NFS-e for the worker (the request of POST /invoices/{number}/nfse and
the invoice page): :func:`nfse_issue_request` prepares the issuance
(:func:`fatura.fiscal.nfse_issuing.nfse_issue_prepare`) and, once that is committed, enqueues
:func:`fatura.fiscal.tasks.nfse_issue_task`."""

from __future__ import annotations

from fatura.core.users import User
from fatura.fiscal.models import NfseIssuance
from fatura.fiscal.nfse_issuing import nfse_issue_prepare
from fatura.fiscal.tasks import nfse_issue_task
from fatura.receivables.models import Invoice


def nfse_issue_request(*, by: User, invoice: Invoice) -> NfseIssuance:
    """Issue the invoice's NFS-e in the background; returns the issuance (its ``number`` is
    what GET /nfse/{number} follows, ``task_id`` the queued task's id)."""
    issuance = nfse_issue_prepare(by=by, invoice=invoice)
    result = nfse_issue_task.enqueue(issuance.pk)
    NfseIssuance.objects.filter(pk=issuance.pk).update(task_id=str(result.id))
    issuance.refresh_from_db()
    return issuance
