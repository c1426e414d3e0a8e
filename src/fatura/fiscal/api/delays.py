"""JSON API of the fiscal app: the delay reasons (``GET|POST /delay-reasons``) and the reason
an order's NFS-e is late (``POST /service-orders/{number}/delay-reason``). Decision 0034."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from fatura.core.roles import Capability, require
from fatura.fiscal import delays
from fatura.fiscal.api.orders import _order_get, _order_out, service_orders_router
from fatura.fiscal.models import DelayReason
from fatura.fiscal.schemas import DelayReasonIn, DelayReasonOut, DelayReasonSetIn, ServiceOrderOut

router = Router(tags=["delay-reasons"])

Body = dict[str, object]


def reason_out(reason: DelayReason) -> Body:
    return {"id": reason.id, "label": reason.label, "kind": reason.kind, "active": reason.active}


@router.get("", response=list[DelayReasonOut], operation_id="fatura_fiscal_delays_api_reason_list")
def delay_reason_list(request: HttpRequest) -> list[Body]:
    """The delay reasons (a short list, not paged), internal first, by label."""
    require(request.user, Capability.VIEW)
    return [reason_out(reason) for reason in delays.delay_reason_list()]


@router.post(
    "", response={201: DelayReasonOut}, operation_id="fatura_fiscal_delays_api_reason_create"
)
def delay_reason_create(request: HttpRequest, payload: DelayReasonIn) -> Status[Body]:
    """A new delay reason (Financeiro); 409 when the label exists."""
    reason = delays.delay_reason_create(
        by=request.user,
        label=payload.label,
        kind=payload.kind,
        active=payload.active,
    )
    return Status(201, reason_out(reason))


@service_orders_router.post(
    "/{number}/delay-reason",
    response=ServiceOrderOut,
    operation_id="fatura_fiscal_delays_api_order_delay_reason",
)
def service_order_delay_reason(
    request: HttpRequest, number: str, payload: DelayReasonSetIn
) -> Body:
    """Why this order's NFS-e is late (Financeiro): 404 unknown order, 422 unknown or inactive
    reason. Records "Delay Reason Recorded" in the order's case."""
    require(request.user, Capability.MANAGE_FISCAL)
    delays.service_order_delay_reason_set(
        by=request.user,
        number=number,
        reason_id=payload.reason_id,
        note=payload.note,
    )
    return _order_out(_order_get(number))
