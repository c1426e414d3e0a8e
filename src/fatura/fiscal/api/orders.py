"""JSON API of the fiscal app: service orders and the expected-lag settings. The NFS-e
endpoints are in :mod:`fatura.fiscal.api.nfse`, the KPI in :mod:`fatura.fiscal.api.kpi`.

Handlers parse, call a service of ``fiscal`` (which checks the role) and answer with the
record as its GET shows it. A handler checks the role itself only where a lookup (the order,
the customer) would otherwise answer 404 before the service could answer 403.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.db.models import F, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from fatura.core.errors import NotFound
from fatura.core.pagination import page, paged_openapi
from fatura.core.roles import Capability, require
from fatura.core.schemas import DayText, Id
from fatura.customers.selectors import customer_get
from fatura.fiscal import imports, listing, services
from fatura.fiscal.api import params
from fatura.fiscal.models import (
    ExpectedLag,
    NfseCoverage,
    NfseStatus,
    ServiceOrder,
    ServiceOrderStatus,
)
from fatura.fiscal.schemas import (
    ExpectedLagIn,
    ExpectedLagOut,
    ServiceOrderBillIn,
    ServiceOrderCompleteIn,
    ServiceOrderImportOut,
    ServiceOrderIn,
    ServiceOrderOut,
)
from fatura.receivables.selectors import invoice_get

OrderStatus = Literal["open", "completed", "billed", "cancelled"]  # ServiceOrderStatus

service_orders_router = Router(tags=["service-orders"])
settings_router = Router(tags=["fiscal-settings"])

Body = dict[str, object]


# --- service orders -----------------------------------------------------------------------


def _with_nfse(orders: QuerySet[ServiceOrder]) -> QuerySet[ServiceOrder]:
    """Orders with their customer, invoice and NFS-e shares, in three queries whatever the
    number of orders."""
    return orders.select_related("customer", "invoice", "delay_reason").prefetch_related(
        Prefetch(
            "coverages",
            queryset=NfseCoverage.objects.select_related("nfse").order_by(
                "nfse__issued_at", "nfse__number"
            ),
        )
    )


def _order_get(number: str) -> ServiceOrder:
    order = _with_nfse(ServiceOrder.objects.filter(number=number)).first()
    if order is None:
        raise NotFound(f"Ordem de serviço {number} não encontrada.")
    return order


def _order_out(order: ServiceOrder) -> Body:
    coverages = list(order.coverages.all())
    return {
        "number": order.number,
        "customer_id": order.customer_id,
        "customer_name": order.customer.name,
        "service_type": order.service_type,
        "team": order.team,
        "value": order.value,
        "status": order.status,
        "completed_at": order.completed_at,
        "billed_at": order.billed_at,
        "invoice_number": order.invoice.number if order.invoice else None,
        "source": order.source,
        "covered_value": sum(
            (c.value for c in coverages if c.nfse.status == NfseStatus.ISSUED), start=Decimal(0)
        ),
        "nfse": [
            {
                "number": c.nfse.number,
                "status": c.nfse.status,
                "issued_at": c.nfse.issued_at,
                "value": c.value,
            }
            for c in coverages
        ],
        "delay_reason": (
            {
                "id": order.delay_reason.id,
                "label": order.delay_reason.label,
                "kind": order.delay_reason.kind,
                "active": order.delay_reason.active,
            }
            if order.delay_reason
            else None
        ),
        "delay_note": order.delay_note,
    }


@service_orders_router.get(
    "",
    response=list[ServiceOrderOut],
    operation_id="fatura_fiscal_api_service_order_list",
    openapi_extra=paged_openapi(),
)
def service_order_list(
    request: HttpRequest,
    response: HttpResponse,
    status: OrderStatus | None = Query(None, description="open | completed | billed | cancelled"),
    customer_id: Id | None = None,
    completed_from: DayText | None = Query(None, description="Concluídas desde (AAAA-MM-DD)."),
    completed_to: DayText | None = Query(
        None, description="Concluídas até (AAAA-MM-DD), inclusive."
    ),
    limit: params.Limit = params.DEFAULT_LIMIT,
    offset: params.Offset = 0,
) -> list[Body]:
    """Service orders, the latest completed first (open ones last), by number within."""
    require(request.user, Capability.VIEW)
    chosen = params.choice("status", status, ServiceOrderStatus.values)
    qs = _with_nfse(listing.service_order_list(status=chosen or "", customer_id=customer_id))
    low, high = params.day_range(("completed_from", "completed_to"), completed_from, completed_to)
    if low:
        qs = qs.filter(completed_at__gte=params.start_of(low))
    if high:
        qs = qs.filter(completed_at__lt=params.end_of(high))
    qs = qs.order_by(F("completed_at").desc(nulls_last=True), "number")
    rows = page(qs, request=request, response=response, limit=limit, offset=offset)
    return [_order_out(order) for order in rows]


@service_orders_router.post(
    "", response={201: ServiceOrderOut}, operation_id="fatura_fiscal_api_service_order_create"
)
def service_order_create(request: HttpRequest, payload: ServiceOrderIn) -> Status[Body]:
    """An order typed in (or sent by the operations system), open or already completed."""
    require(request.user, Capability.RECORD_SERVICE_ORDERS)
    order = services.service_order_create(
        by=request.user,
        number=payload.number,
        customer=customer_get(payload.customer_id),
        service_type=payload.service_type,
        team=payload.team,
        value=payload.value,
        completed_at=payload.completed_at,
    )
    return Status(201, _order_out(_order_get(order.number)))


# Before "/{number}": Django takes the first URL that matches, and "import" is a number too.
@service_orders_router.post(
    "/import",
    response={201: ServiceOrderImportOut},
    operation_id="fatura_fiscal_api_service_order_import",
)
def service_order_import(request: HttpRequest, file: File[UploadedFile]) -> Status[Body]:
    """The operations system's CSV (docs/nfse-kpi.md, "Imports"): all rows or none; a bad
    row answers 422 with every error's line and field. Orders already in Fatura are updated
    where the file moves them on (completion, billing) and counted unchanged otherwise."""
    result = imports.service_orders_import(
        by=request.user, filename=file.name or "ordens.csv", data=file.read()
    )
    return Status(
        201, {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    )


@service_orders_router.get(
    "/{number}", response=ServiceOrderOut, operation_id="fatura_fiscal_api_service_order_get"
)
def service_order_get(request: HttpRequest, number: params.OrderNumber) -> Body:
    require(request.user, Capability.VIEW)
    return _order_out(_order_get(number))


@service_orders_router.post(
    "/{number}/complete",
    response=ServiceOrderOut,
    operation_id="fatura_fiscal_api_service_order_complete",
)
def service_order_complete(
    request: HttpRequest, number: params.OrderNumber, payload: ServiceOrderCompleteIn | None = None
) -> Body:
    """Aberta → concluída (``completed_at``: padrão agora; não pode estar no futuro)."""
    require(request.user, Capability.RECORD_SERVICE_ORDERS)
    services.service_order_complete(
        by=request.user,
        order=_order_get(number),
        completed_at=payload.completed_at if payload else None,
    )
    return _order_out(_order_get(number))


@service_orders_router.post(
    "/{number}/bill", response=ServiceOrderOut, operation_id="fatura_fiscal_api_service_order_bill"
)
def service_order_bill(
    request: HttpRequest, number: params.OrderNumber, payload: ServiceOrderBillIn | None = None
) -> Body:
    """Concluída → faturada, numa fatura do Fatura quando ``invoice_number`` é dado (o caso
    do log de eventos passa a ser o número da fatura)."""
    require(request.user, Capability.RECORD_SERVICE_ORDERS)
    order = _order_get(number)
    invoice_number = payload.invoice_number if payload else None
    services.service_order_bill(
        by=request.user,
        order=order,
        invoice=invoice_get(invoice_number) if invoice_number else None,
        billed_at=payload.billed_at if payload else None,
    )
    return _order_out(_order_get(number))


@service_orders_router.post(
    "/{number}/cancel",
    response=ServiceOrderOut,
    operation_id="fatura_fiscal_api_service_order_cancel",
)
def service_order_cancel(request: HttpRequest, number: params.OrderNumber) -> Body:
    """Aberta ou concluída → cancelada, enquanto nenhuma NFS-e a cobre."""
    require(request.user, Capability.RECORD_SERVICE_ORDERS)
    services.service_order_cancel(by=request.user, order=_order_get(number))
    return _order_out(_order_get(number))


# --- expected-lag settings ----------------------------------------------------------------


def _scope(lag: ExpectedLag) -> str:
    if lag.customer_id and lag.service_type:
        return "customer_service_type"
    if lag.customer_id:
        return "customer"
    return "service_type" if lag.service_type else "global"


def _lag_out(lag: ExpectedLag) -> Body:
    return {
        "id": lag.pk,
        "scope": _scope(lag),
        "service_type": lag.service_type,
        "customer_id": lag.customer_id,
        "customer_name": lag.customer.name if lag.customer else None,
        "days": float(lag.days),
        "updated_at": lag.updated_at,
    }


@settings_router.get(
    "/nfse-expected-lag",
    response=list[ExpectedLagOut],
    operation_id="fatura_fiscal_api_expected_lag_list",
)
def expected_lag_list(request: HttpRequest) -> list[Body]:
    """Every expected-lag setting, the least specific first. The most specific applies to an
    order: customer and service type, then customer, then service type, then global, then the
    installation's default (``FATURA_NFSE_EXPECTED_LAG_DAYS``)."""
    require(request.user, Capability.VIEW)
    return [_lag_out(lag) for lag in listing.expected_lag_list()]


@settings_router.put(
    "/nfse-expected-lag", response=ExpectedLagOut, operation_id="fatura_fiscal_api_expected_lag_put"
)
def expected_lag_put(request: HttpRequest, payload: ExpectedLagIn) -> Body:
    """Create or replace the setting of one scope (global; a service type; a customer; a
    customer and a service type). Financeiro only."""
    require(request.user, Capability.MANAGE_FISCAL)
    customer = customer_get(payload.customer_id) if payload.customer_id is not None else None
    lag = services.expected_lag_set(
        by=request.user, days=payload.days, service_type=payload.service_type, customer=customer
    )
    lag.refresh_from_db()
    return _lag_out(lag)


@settings_router.delete(
    "/nfse-expected-lag/{int:lag_id}",
    response={204: None},
    operation_id="fatura_fiscal_api_expected_lag_delete",
)
def expected_lag_delete(request: HttpRequest, lag_id: Id) -> HttpResponse:
    require(request.user, Capability.MANAGE_FISCAL)
    services.expected_lag_delete(by=request.user, lag=listing.expected_lag_get(lag_id))
    return HttpResponse(status=204)
