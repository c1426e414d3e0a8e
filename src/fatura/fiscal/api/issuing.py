"""JSON API of NFS-e issuing through the Sefin Nacional (docs/decisions/0038): issue an
invoice's NFS-e (queued for the worker), follow it (GET /nfse/{number} with the issuance
number, :mod:`.nfse`), cancel it. Financeiro only for the writes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from fatura.core.errors import NotFound
from fatura.core.roles import Capability, require
from fatura.core.schemas import InvoiceNumber
from fatura.fiscal.models import NfseIssuance
from fatura.fiscal.nfse_issuing import REASON_MAX, REASON_MIN, issuance_get, nfse_cancel
from fatura.fiscal.nfse_queue import nfse_issue_request
from fatura.receivables.models import Invoice

router = Router(tags=["nfse"])

ISSUANCE_NUMBER = r"^DPS-[0-9]{8,15}$"
ACCESS_KEY = r"^[0-9]{50}$"
IssuanceStatusCode = Literal["pending", "issued", "rejected", "cancelled"]  # IssuanceStatus


class IssueQueuedOut(Schema):
    task: str = Field(description="Id da tarefa do worker que envia a DPS.")
    nfse_number: str = Field(
        pattern=ISSUANCE_NUMBER,
        description="Número da emissão: acompanhe em GET /nfse/{nfse_number}.",
    )


class SefinErrorOut(Schema):
    code: str = Field(description="Código da Sefin Nacional (ex.: E0014, RNG6110).")
    message: str
    detail: str = Field(description="Complemento do erro.")


class RejectionOut(Schema):
    code: str
    message: str
    errors: list[SefinErrorOut]


class NfseIssuanceOut(Schema):
    number: str = Field(pattern=ISSUANCE_NUMBER, description="Número da emissão (DPS-…).")
    status: IssuanceStatusCode = Field(description="pending | issued | rejected | cancelled")
    invoice_number: str
    access_key: str | None = Field(pattern=ACCESS_KEY, description="Chave de acesso (50 dígitos).")
    nfse: str | None = Field(description="Número da NFS-e (nNFSe) depois de emitida.")
    dps_id: str = Field(description="Id da DPS (45 caracteres).")
    dps_series: str
    dps_number: int
    attempts: int = Field(ge=0, description="Envios feitos (com novas tentativas).")
    last_error: str = Field(description="Última falha de comunicação (tentada de novo).")
    rejection: RejectionOut | None
    requested_at: dt.datetime
    issued_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancel_reason: str


class CancelIn(Schema):
    reason: str = Field(
        min_length=REASON_MIN,
        max_length=REASON_MAX,
        description="Motivo do cancelamento (xMotivo), de 15 a 255 caracteres.",
    )
    motive: Literal[1, 2, 9] = Field(
        9, description="cMotivo: 1 erro na emissão, 2 serviço não prestado, 9 outros."
    )


def issuance_out(issuance: NfseIssuance) -> dict[str, Any]:
    rejection = None
    if issuance.status == "rejected":
        rejection = {
            "code": issuance.rejection_code,
            "message": issuance.rejection_message,
            "errors": issuance.rejection_errors,
        }
    return {
        "number": issuance.number,
        "status": issuance.status,
        "invoice_number": issuance.invoice.number,
        "access_key": issuance.access_key or None,
        "nfse": issuance.nfse.number if issuance.nfse else None,
        "dps_id": issuance.dps_id,
        "dps_series": issuance.dps_series,
        "dps_number": issuance.dps_number,
        "attempts": issuance.attempts,
        "last_error": issuance.last_error,
        "rejection": rejection,
        "requested_at": issuance.requested_at,
        "issued_at": issuance.issued_at,
        "cancelled_at": issuance.cancelled_at,
        "cancel_reason": issuance.cancel_reason,
    }


@router.post(
    "/invoices/{number}/nfse",
    response={202: IssueQueuedOut},
    operation_id="fatura_fiscal_nfse_issue",
)
def nfse_issue(request: HttpRequest, number: InvoiceNumber) -> Any:
    """Issue the invoice's NFS-e through the Sefin Nacional: the DPS (next number of the
    DPS series) is signed with the company's A1 certificate and sent by the worker, with new
    attempts when the Sefin does not answer. 409 when the invoice already has one pending or
    issued, has no billed service orders, or issuing is not configured; 422 when the DPS
    would not pass the 1.01 schema. A rejected one is sent again with the same DPS number."""
    require(request.user, Capability.MANAGE_FISCAL)
    invoice = Invoice.objects.filter(number=number).first()
    if invoice is None:
        raise NotFound(f"Fatura {number} não encontrada.")
    issuance = nfse_issue_request(by=request.user, invoice=invoice)
    return Status(202, {"task": issuance.task_id, "nfse_number": issuance.number})


@router.post(
    "/nfse/{number}/cancel",
    response=NfseIssuanceOut,
    operation_id="fatura_fiscal_nfse_cancel",
)
def nfse_cancel_endpoint(request: HttpRequest, number: InvoiceNumber, payload: CancelIn) -> Any:
    """Cancel an NFS-e Fatura issued (event e101101 registered at the Sefin Nacional, then
    recorded here with "NFS-e Cancelled"). ``number``: the issuance (DPS-…) or the NFS-e's own
    number. 409 when it is not issued or the Sefin refuses (its code in ``errors``), 503 when
    the Sefin does not answer."""
    require(request.user, Capability.MANAGE_FISCAL)
    issuance = issuance_for(number)
    issuance = nfse_cancel(
        by=request.user,
        issuance=issuance,
        reason=payload.reason,
        motive=payload.motive,
    )
    return issuance_out(issuance_get(issuance.number))


def issuance_for(number: str) -> NfseIssuance:
    """The issuance by its own number (DPS-…) or by the number of the NFS-e it issued."""
    if number.startswith("DPS-"):
        return issuance_get(number)
    found = NfseIssuance.objects.filter(nfse__number=number).values_list("number", flat=True)
    if not found:
        raise NotFound(f"Nenhuma NFS-e emitida pelo Fatura com o número {number}.")
    return issuance_get(found[0])
