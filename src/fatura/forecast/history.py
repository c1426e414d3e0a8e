"""The invoices' history from the database, as :class:`~fatura.forecast.facts.Facts`.

Receivable invoices only (not proformas, drafts or converted ones), from when they were sent
(or issued, for usage invoices sent with their charge). The payment date of a paid invoice is
the day the payment that settled it was received (the latest receipt among its live
allocations); a written-off invoice's date is the day it was closed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.db.models import Max, Q
from django.utils import timezone

from fatura.customers.terms import payment_term_rules
from fatura.forecast.facts import INVOICE_SCHEMA, Facts
from fatura.receivables.models import (
    Allocation,
    CollectionCall,
    Dispute,
    DunningNotice,
    Invoice,
    InvoiceStatus,
    PaymentStatus,
)

EXCLUDED = (InvoiceStatus.DRAFT, InvoiceStatus.CONVERTED, InvoiceStatus.COMPLETED)


def _local(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def receivables() -> Any:
    return Invoice.objects.exclude(kind="proforma").exclude(status__in=EXCLUDED)


def load_facts() -> Facts:
    invoices = receivables()
    paid_on = dict(
        Allocation.objects.filter(reversed_at__isnull=True, invoice__in=invoices)
        .values("invoice_id")
        .annotate(last=Max("payment__received_at"))
        .values_list("invoice_id", "last")
    )
    rows = []
    rules = payment_term_rules()
    for inv in invoices.select_related("customer", "customer__collector").iterator(chunk_size=5000):
        customer = inv.customer
        term = rules.get(inv.payment_terms)
        paid = inv.payment_status in (PaymentStatus.PAID, PaymentStatus.OVERPAID)
        written = inv.status == InvoiceStatus.WRITTEN_OFF
        rows.append(
            {
                "invoice_id": inv.pk,
                "number": inv.number,
                "customer_id": customer.pk,
                "segment": customer.segment,
                "business_unit": customer.business_unit,
                "region": customer.region,
                "collector": customer.collector.get_username() if customer.collector else "",
                "amount": float(inv.total_charged),
                "open_cents": int(inv.balance * 100) if inv.balance > 0 else 0,
                "net_days": term.net_days if term else 30,
                "has_discount": inv.discount_until is not None,
                "sent_date": _local(inv.sent_at) or inv.issue_date,
                "due_date": inv.due_date or inv.issue_date,
                "paid_date": paid_on.get(inv.pk) if paid and not written else None,
                "written_off_date": _local(inv.closed_at) if written else None,
            }
        )
    frame = pl.DataFrame(rows, infer_schema_length=None) if rows else None
    in_scope = Q(invoice__in=invoices)
    reminders = [
        {"invoice_id": i, "date": _local(at), "level": level}
        for i, at, level in DunningNotice.objects.filter(in_scope).values_list(
            "invoice_id", "run_at", "level"
        )
    ]
    calls = [
        {"invoice_id": i, "date": _local(at), "outcome": outcome}
        for i, at, outcome in CollectionCall.objects.filter(in_scope).values_list(
            "invoice_id", "called_at", "outcome"
        )
    ]
    disputes = [
        {"invoice_id": i, "customer_id": c, "opened": _local(o), "resolved": _local(r)}
        for i, c, o, r in Dispute.objects.filter(in_scope).values_list(
            "invoice_id", "invoice__customer_id", "opened_at", "resolved_at"
        )
    ]

    def frame_of(data: list[dict[str, Any]]) -> pl.DataFrame | None:
        return pl.DataFrame(data, infer_schema_length=None) if data else None

    return Facts.of(
        frame if frame is not None else pl.DataFrame(schema=INVOICE_SCHEMA),
        frame_of(reminders),
        frame_of(calls),
        frame_of(disputes),
    )
