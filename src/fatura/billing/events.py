"""Events of the usage module's billing, written with the change they record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fatura.core.months import Month
from fatura.eventlog import activities
from fatura.eventlog.services import NewEvent
from fatura.receivables.models import Invoice


def charge_case_id(customer_document: str, month: Month) -> str:
    """Case of a charge before it has an invoice: consumption events live here."""
    return f"charge:{customer_document}:{month}"


def invoice_attributes(invoice: Invoice) -> dict[str, Any]:
    """The order-to-cash attributes every invoice event carries (what analysts filter by)."""
    customer = invoice.customer
    collector = getattr(customer, "collector", None)
    return {
        "invoice_number": invoice.number,
        "invoice_kind": invoice.kind,
        "customer_id": customer.pk,
        "customer": customer.name,
        "customer_document": customer.document,
        "segment": customer.segment,
        "business_unit": customer.business_unit,
        "billing_department": invoice.result_center,
        "region": customer.region,
        "country": customer.country,
        "amount": invoice.total_charged,
        "invoice_amount": invoice.total_charged,
        "currency": invoice.currency,
        "payment_terms": invoice.payment_terms,
        "invoice_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "collector": collector.get_username() if collector else "",
    }


def charge_finalized(
    invoice: Invoice, *, by: Any, now: dt.datetime, automated: bool = False
) -> list[NewEvent]:
    customer = invoice.customer
    month = Month.of(invoice.month)
    common = {
        "customer": customer.name,
        "customer_document": customer.document,
        "segment": customer.segment,
        "region": customer.region,
        "country": customer.country,
        "business_unit": customer.business_unit,
        "month": str(month),
    }
    return [
        NewEvent(
            case_id=charge_case_id(customer.document, month),
            activity=activities.CHARGE_FINALIZED,
            user=by,
            timestamp=now,
            is_automated=automated,
            attributes={**common, "invoice_number": invoice.number},
        ),
        NewEvent(
            case_id=invoice.number,
            activity=activities.INVOICE_CREATED,
            user=by,
            timestamp=now,
            is_automated=automated,
            attributes={
                **common,
                "amount": invoice.total_charged,
                "total_due": invoice.total_due,
                "total_charged": invoice.total_charged,
                "adjusted": invoice.total_charged != invoice.total_due,
                "result_center": invoice.result_center,
                "ticket": invoice.ticket,
                "issue_date": invoice.issue_date,
                "payment_terms": customer.payment_terms,
                "currency": "BRL",
                "charge_case_id": charge_case_id(customer.document, month),
                **invoice_attributes(invoice),
            },
        ),
        NewEvent(
            case_id=invoice.number,
            activity=activities.INVOICE_COMPLETED,
            user=by,
            timestamp=now,
            is_automated=automated,
            attributes=invoice_attributes(invoice),
        ),
    ]
