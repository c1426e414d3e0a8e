"""JSON API of the fiscal app: NFS-e (list, detail, import, the DPS XML) and the backlog of
billed orders still waiting for their NFS-e past the expected lag."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from fatura.core import clock
from fatura.core.errors import NotFound
from fatura.core.pagination import page, paged_openapi
from fatura.core.roles import Capability, require
from fatura.core.schemas import DayText, Id, MomentText
from fatura.fiscal import imports, kpi, listing, selectors, uploads
from fatura.fiscal.api import params
from fatura.fiscal.api.issuing import NfseIssuanceOut, issuance_out
from fatura.fiscal.api.kpi import LAG_PLACES, rounded
from fatura.fiscal.dps_source import invoice_dps_xml, nfse_dps_xml
from fatura.fiscal.models import Nfse, NfseStatus
from fatura.fiscal.nfse_issuing import issuance_get
from fatura.fiscal.schemas import BacklogOut, NfseImportOut, NfseOut
from fatura.receivables.models import Invoice

router = Router(tags=["nfse"])

Body = dict[str, object]
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
CENT = Decimal("0.01")
SERIES = re.compile(r"\d{1,5}")  # TSSerieDPS
MAX_DPS_NUMBER = 10**15 - 1  # TSNumDPS: up to 15 digits
NfseStatusCode = Literal["issued", "cancelled", "replaced"]  # NfseStatus


def _nfse_with_shares() -> QuerySet[Nfse]:
    """As the list reads them (customer, substitute, shares) and with the invoice."""
    return listing.nfse_list().select_related("invoice")


def _nfse_get(number: str) -> Nfse:
    nfse = _nfse_with_shares().filter(number=number).first()
    if nfse is None:
        raise NotFound(f"NFS-e {number} não encontrada.")
    return nfse


def _nfse_out(nfse: Nfse) -> Body:
    return {
        "number": nfse.number,
        "access_key": nfse.access_key,
        "verification_code": nfse.verification_code,
        "issued_at": nfse.issued_at,
        "value": nfse.value,
        "iss_rate": nfse.iss_rate,
        "iss_amount": nfse.iss_amount,
        "net_value": nfse.net_value,
        "service_code": nfse.service_code,
        "customer_id": nfse.customer_id,
        "customer_name": nfse.customer.name,
        "status": nfse.status,
        "cancelled_at": nfse.cancelled_at,
        "replaced_by": nfse.replaced_by.number if nfse.replaced_by else None,
        "invoice_number": nfse.invoice.number if nfse.invoice else None,
        "source": nfse.source,
        "coverages": [
            {"service_order": c.service_order.number, "value": c.value}
            for c in nfse.coverages.all()
        ],
    }


@router.get(
    "",
    response=list[NfseOut],
    operation_id="fatura_fiscal_nfse_api_nfse_list",
    openapi_extra=paged_openapi(),
)
def nfse_list(
    request: HttpRequest,
    response: HttpResponse,
    issued_from: DayText | None = Query(None, description="Emitidas desde (AAAA-MM-DD)."),
    issued_to: DayText | None = Query(None, description="Emitidas até (AAAA-MM-DD), inclusive."),
    status: NfseStatusCode | None = Query(None, description="issued | cancelled | replaced"),
    customer_id: Id | None = None,
    limit: params.Limit = params.DEFAULT_LIMIT,
    offset: params.Offset = 0,
) -> list[Body]:
    """NFS-e recorded in Fatura, the latest issued first, with the service orders each one
    covers and the share of its value that goes to each."""
    require(request.user, Capability.VIEW)
    chosen = params.choice("status", status, NfseStatus.values)
    qs = listing.nfse_list(status=chosen or "", customer_id=customer_id).select_related("invoice")
    low, high = params.day_range(("issued_from", "issued_to"), issued_from, issued_to)
    if low:
        qs = qs.filter(issued_at__gte=params.start_of(low))
    if high:
        qs = qs.filter(issued_at__lt=params.end_of(high))
    rows = page(qs, request=request, response=response, limit=limit, offset=offset)
    return [_nfse_out(nfse) for nfse in rows]


# The fixed paths come before "/{number}": Django takes the first URL that matches.
class NfseImportQueuedOut(Schema):
    task: str
    import_id: int


class NfseImportStateOut(Schema):
    id: int
    filename: str
    status: str = Field(description="queued | running | done | failed")
    task: str
    requested_at: dt.datetime
    finished_at: dt.datetime | None = None
    result: dict[str, int] = Field(description="Quando done: created, updated, unchanged, ...")
    error: str
    errors: list[dict[str, Any]] = Field(description="Quando failed: file, line, field, message")


@router.post(
    "/import",
    response={201: NfseImportOut, 202: NfseImportQueuedOut},
    operation_id="fatura_fiscal_nfse_api_nfse_import",
)
def nfse_import(request: HttpRequest, file: File[UploadedFile]) -> Status[Body]:
    """The issuer's CSV export, one NFS-e XML of the national standard (NFS-e or cancellation
    event), or a ZIP of them (docs/nfse-kpi.md, "Imports"). All documents or none: any error
    answers 422 listing each one's line (or file) and field. A ZIP is imported by the worker:
    202 with the task and the import's id, whose state (and errors) ``GET
    /nfse/imports/{import_id}`` shows. Financeiro only."""
    data = file.read()
    if uploads.runs_in_background(data):
        job = uploads.nfse_import_request(
            by=request.user, filename=file.name or "nfse.zip", data=data
        )
        return Status(202, {"task": job.task_id, "import_id": job.pk})
    result = imports.nfse_import(by=request.user, filename=file.name or "nfse.csv", data=data)
    return Status(
        201,
        {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "cancelled": result.cancelled,
            "ignored": result.ignored,
        },
    )


@router.get(
    "/imports/{import_id}",
    response=NfseImportStateOut,
    operation_id="fatura_fiscal_nfse_api_nfse_import_get",
)
def nfse_import_get(request: HttpRequest, import_id: Id) -> Body:
    """An NFS-e zip import: queued, running, done (with the counts) or failed (with every
    error; nothing of the file was imported)."""
    require(request.user, Capability.VIEW)
    job = selectors.nfse_import_get(import_id)
    return {
        "id": job.pk,
        "filename": job.filename,
        "status": job.status,
        "task": job.task_id,
        "requested_at": job.requested_at,
        "finished_at": job.finished_at,
        "result": job.result,
        "error": job.error,
        "errors": job.errors,
    }


def _instant(us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=us)


def _cents(cents: int) -> Decimal:
    return Decimal(cents) * CENT


@router.get("/backlog", response=BacklogOut, operation_id="fatura_fiscal_nfse_api_nfse_backlog")
def nfse_backlog(
    request: HttpRequest,
    as_of: MomentText | None = Query(None, description="Instante de referência; padrão: agora."),
    customer_id: list[params.IdList] | None = params.CUSTOMER_IDS,
    service_type: list[params.Name] | None = params.SERVICE_TYPES,
    team: list[params.Name] | None = params.TEAMS,
    limit: params.Limit = params.DEFAULT_LIMIT,
    offset: params.Offset = Query(
        0, description="Ordens a pular; count e value_at_risk são de todas."
    ),
) -> Body:
    """Billed orders whose NFS-e (in whole or part) is still missing after their expected lag,
    the most overdue first: the value at risk of being recognized late."""
    require(request.user, Capability.VIEW)
    params.page_bounds(limit, offset)
    at = (params.moment("as_of", as_of) or clock.now()).astimezone(dt.UTC)
    filters = kpi.Filters(
        customer_ids=params.customer_ids("customer_id", customer_id),
        service_types=params.texts(service_type),
        teams=params.texts(team),
    )
    frame = selectors.backlog(as_of=at, filters=filters)
    rows: list[dict[str, Any]] = frame.slice(offset, limit).to_dicts()
    return {
        "as_of": at,
        "count": frame.height,
        "value_at_risk": _cents(int(frame["uncovered_cents"].sum()) if frame.height else 0),
        "by_delay_kind": _by_delay_kind(frame),
        "orders": [
            {
                "order_number": row["order_number"],
                "customer_id": row["customer_id"],
                "customer": row["customer"],
                "customer_document": row["customer_document"],
                "service_type": row["service_type"],
                "team": row["team"],
                "completed_at": _instant(row["completed_us"]),
                "billed_at": _instant(row["billed_us"]),
                "value": _cents(row["value_cents"]),
                "covered_value": _cents(row["covered_cents"]),
                "uncovered_value": _cents(row["uncovered_cents"]),
                "expected_days": rounded(row["expected_days"], LAG_PLACES),
                "days_waiting": rounded(row["days_waiting"], LAG_PLACES),
                "days_late": rounded(row["days_late"], LAG_PLACES),
                "delay_reason": row.get("delay_reason"),
                "delay_kind": row.get("delay_kind") or "none",
            }
            for row in rows
        ],
    }


def _by_delay_kind(frame: Any) -> list[Body]:
    out: list[Body] = []
    for kind in kpi.DELAY_KINDS:
        part = frame.filter(frame["delay_kind"].fill_null("none") == kind)
        late = float(part["days_late"].mean()) if part.height else None
        out.append(
            {
                "kind": kind,
                "count": part.height,
                "value_at_risk": _cents(int(part["uncovered_cents"].sum()) if part.height else 0),
                "avg_days_late": rounded(late, LAG_PLACES),
            }
        )
    return out


@router.get(
    "/{number}",
    response=NfseOut | NfseIssuanceOut,
    operation_id="fatura_fiscal_nfse_api_nfse_get",
)
def nfse_get(request: HttpRequest, number: params.OrderNumber) -> Body:
    """An NFS-e by its number; with an issuance number (DPS-…, from POST
    /invoices/{number}/nfse), the issuance: pending, issued, rejected or cancelled."""
    require(request.user, Capability.VIEW)
    if number.startswith("DPS-"):
        return issuance_out(issuance_get(number))
    return _nfse_out(_nfse_get(number))


_XML_RESPONSE = {
    "responses": {
        "200": {
            "description": "DPS (leiaute nacional 1.01), validada contra o XSD, não assinada.",
            "content": {"application/xml": {"schema": {"type": "string"}}},
        }
    }
}


@router.get(
    "/{number}/dps.xml",
    response={200: None},
    openapi_extra=_XML_RESPONSE,
    operation_id="fatura_fiscal_nfse_api_nfse_dps",
)
def nfse_dps(
    request: HttpRequest,
    number: params.OrderNumber,
    series: str | None = Query(
        None,
        pattern=r"^ *([0-9]{1,5})? *$",
        description="Série da DPS; padrão: FATURA_NFSE_SERIES.",
    ),
    dps_number: int | None = Query(
        None,
        ge=1,
        le=MAX_DPS_NUMBER,
        description="nDPS; padrão: o número da NFS-e (ou a sequência da fatura).",
    ),
) -> HttpResponse:
    """The DPS (Declaração de Prestação de Serviço) of an NFS-e recorded in Fatura, as
    ``application/xml``. When ``number`` is not an NFS-e but a Fatura invoice number
    (FAT-…), the DPS to issue that invoice's NFS-e (issue time: now). Financeiro only."""
    require(request.user, Capability.MANAGE_FISCAL)
    series = (series or "").strip() or None
    if series is not None and not SERIES.fullmatch(series):
        raise params.invalid("series", "Série da DPS: de 1 a 5 dígitos.")
    if dps_number is not None and not 1 <= dps_number <= MAX_DPS_NUMBER:
        raise params.invalid("dps_number", "Número da DPS: de 1 a 15 dígitos, maior que zero.")
    options: dict[str, Any] = {"series": series, "number": dps_number}
    nfse = _nfse_with_shares().filter(number=number).first()
    if nfse is not None:
        xml = nfse_dps_xml(nfse, **options)
    else:
        invoice = (
            Invoice.objects.select_related("customer")
            .prefetch_related("lines")
            .filter(number=number)
            .first()
        )
        if invoice is None:
            raise NotFound(f"Nenhuma NFS-e ou fatura com o número {number}.")
        xml = invoice_dps_xml(invoice, **options)
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dps-{_safe(number)}.xml"'
    return response


def _safe(number: str) -> str:
    """The number as an ASCII file name (a header carries it)."""
    return "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "-_." else "_" for ch in number)
