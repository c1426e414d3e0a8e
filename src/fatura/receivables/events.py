"""Events of the invoice: the attributes every invoice event carries and the events of an
invoice's issue, written by the caller in the transaction that issues it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fatura.core.months import Month
from fatura.core.users import User
from fatura.eventlog import activities
from fatura.eventlog.services import NewEvent
from fatura.receivables.models import Invoice


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
        # the invoice's result center; a direct invoice has none: the customer's business
        # unit, which bills it (docs/decisions/0031)
        "billing_department": invoice.result_center or customer.business_unit,
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


def customer_month_attributes(invoice: Invoice) -> dict[str, Any]:
    """The customer and month of a usage invoice (its charge's events carry the same)."""
    customer = invoice.customer
    return {
        "customer": customer.name,
        "customer_document": customer.document,
        "segment": customer.segment,
        "region": customer.region,
        "country": customer.country,
        "business_unit": customer.business_unit,
        "month": str(Month.of(invoice.month)),
    }


def usage_invoice_issued(
    invoice: Invoice, *, by: User, now: dt.datetime, charge_case_id: str, automated: bool = False
) -> list[NewEvent]:
    """Invoice Created and Invoice Completed of a usage invoice (issued completed);
    ``charge_case_id`` links the invoice's case to its charge's."""
    common = customer_month_attributes(invoice)
    return [
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
                "payment_terms": invoice.customer.payment_terms,
                "currency": "BRL",
                "charge_case_id": charge_case_id,
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
