"""The fiscal events of the event log: Service Order Completed, Service Order Billed, NFS-e
Issued, NFS-e Cancelled. One builder per activity, used by the single-record services and by
the bulk imports alike, so an imported order and a typed-in one leave the same trace.

Case id: the service order's invoice number when the order is billed on a Fatura invoice
(so the service-to-cash flow and the invoice's own events form one case), else the order
number. An NFS-e event is written once per case it covers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fatura.core import clock
from fatura.core.users import User
from fatura.eventlog import activities
from fatura.eventlog.services import NewEvent
from fatura.fiscal.models import Nfse, NfseIssuance, ServiceOrder


def order_case(order: ServiceOrder, invoice_number: str | None = None) -> str:
    if invoice_number:
        return invoice_number
    if order.invoice_id is not None and order.invoice is not None:
        return str(order.invoice.number)
    return order.number


def _order_attributes(order: ServiceOrder) -> dict[str, Any]:
    customer = order.customer
    return {
        "service_order": order.number,
        "customer": customer.name,
        "customer_document": customer.document,
        "segment": customer.segment,
        "business_unit": customer.business_unit,
        "region": customer.region,
        "service_type": order.service_type,
        "team": order.team,
        "amount": order.value,
    }


def order_completed(order: ServiceOrder, *, by: User, case_id: str | None = None) -> NewEvent:
    assert order.completed_at is not None
    return NewEvent(
        case_id=case_id or order_case(order),
        activity=activities.SERVICE_ORDER_COMPLETED,
        user=by,
        timestamp=order.completed_at,
        attributes=_order_attributes(order),
    )


def order_billed(order: ServiceOrder, *, by: User, case_id: str | None = None) -> NewEvent:
    assert order.billed_at is not None
    return NewEvent(
        case_id=case_id or order_case(order),
        activity=activities.SERVICE_ORDER_BILLED,
        user=by,
        timestamp=order.billed_at,
        attributes=_order_attributes(order),
    )


def _nfse_attributes(nfse: Nfse, orders: list[ServiceOrder]) -> dict[str, Any]:
    customer = nfse.customer
    return {
        "nfse": nfse.number,
        "service_orders": ";".join(o.number for o in orders),
        "customer": customer.name,
        "customer_document": customer.document,
        "segment": customer.segment,
        "business_unit": customer.business_unit,
        "region": customer.region,
        "amount": nfse.value,
        "iss_amount": nfse.iss_amount,
        "service_code": nfse.service_code,
    }


def _per_case(orders: Iterable[ServiceOrder]) -> dict[str, list[ServiceOrder]]:
    cases: dict[str, list[ServiceOrder]] = {}
    for order in orders:
        cases.setdefault(order_case(order), []).append(order)
    return cases


def nfse_issued(nfse: Nfse, orders: Iterable[ServiceOrder], *, by: User) -> list[NewEvent]:
    """One "NFS-e Issued" per case the NFS-e covers, at its issue time."""
    return [
        NewEvent(
            case_id=case,
            activity=activities.NFSE_ISSUED,
            user=by,
            timestamp=nfse.issued_at,
            attributes=_nfse_attributes(nfse, covered),
        )
        for case, covered in _per_case(orders).items()
    ]


def nfse_cancelled(nfse: Nfse, orders: Iterable[ServiceOrder], *, by: User) -> list[NewEvent]:
    """One "NFS-e Cancelled" per case, at ``nfse.cancelled_at``; ``replaced`` tells a
    cancellation by substitution (event e105102) from a plain one (e101101)."""
    assert nfse.cancelled_at is not None
    events = []
    for case, covered in _per_case(orders).items():
        attributes = _nfse_attributes(nfse, covered)
        attributes["replaced"] = nfse.status == "replaced"
        if nfse.replaced_by_id is not None and nfse.replaced_by is not None:
            attributes["replaced_by"] = nfse.replaced_by.number
        events.append(
            NewEvent(
                case_id=case,
                activity=activities.NFSE_CANCELLED,
                user=by,
                timestamp=nfse.cancelled_at,
                attributes=attributes,
            )
        )
    return events


def nfse_rejected(issuance: NfseIssuance, *, by: User) -> NewEvent:
    """ "NFS-e Rejected" on the invoice's case: the Sefin Nacional refused the DPS Fatura sent
    (its first error's code and message)."""
    invoice = issuance.invoice
    return NewEvent(
        case_id=invoice.number,
        activity=activities.NFSE_REJECTED,
        user=by,
        timestamp=clock.now(),  # the services' clock (updated_at is the wall clock)
        attributes={
            "nfse_issuance": issuance.number,
            "dps": issuance.dps_id,
            "code": issuance.rejection_code,
            "message": issuance.rejection_message,
            "customer": invoice.customer.name,
            "customer_document": invoice.customer.document,
            "amount": invoice.total_charged,
        },
    )
