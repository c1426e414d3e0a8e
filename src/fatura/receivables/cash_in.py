"""Open receivables by the week their money is expected: the real-time cash-in view.

Expected date of an open invoice = its due date moved by how late (or early) the customer paid
its settled invoices on average (days from due date to the last payment applied), never before
today. A simple, explainable rule; the forecast app (issue 6) will replace it with a model.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone

from fatura.billing.models import Invoice, InvoiceStatus
from fatura.receivables.domain import RECEIVABLE

ZERO = Decimal("0.00")


@dataclass
class CashWeek:
    start: dt.date  # Monday
    amount: Decimal = ZERO
    invoices: int = 0


@dataclass
class CashInReport:
    as_of: dt.date
    weeks: list[CashWeek]
    later: CashWeek  # expected after the horizon
    total: Decimal = ZERO
    customers_with_history: int = 0
    delays: dict[int, float] = field(default_factory=dict)  # customer id -> mean days late


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def customer_mean_delays(customer_ids: set[int]) -> dict[int, float]:
    """Mean days from due date to the last payment applied, over each customer's closed
    invoices (negative: pays early)."""
    rows = (
        Invoice.objects.filter(
            customer_id__in=customer_ids,
            status=InvoiceStatus.CLOSED,
            due_date__isnull=False,
            allocations__reversed_at__isnull=True,
        )
        .values("pk", "customer_id", "due_date")
        .annotate(paid_at=Max("allocations__applied_at"))
    )
    delays: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        if row["paid_at"] is not None:
            paid_on = timezone.localdate(row["paid_at"])
            delays[row["customer_id"]].append((paid_on - row["due_date"]).days)
    return {customer: sum(days) / len(days) for customer, days in delays.items()}


def expected_cash_in(*, as_of: dt.date, weeks: int = 12) -> CashInReport:
    """What is still owed, by the week it is expected (``weeks`` weeks from ``as_of``'s)."""
    open_invoices = list(
        Invoice.objects.filter(status__in=RECEIVABLE, balance__gt=0)
        .exclude(kind="proforma")
        .values("customer_id", "due_date", "balance")
    )
    delays = customer_mean_delays({row["customer_id"] for row in open_invoices})
    first = _monday(as_of)
    buckets = [CashWeek(first + dt.timedelta(weeks=n)) for n in range(weeks)]
    later = CashWeek(first + dt.timedelta(weeks=weeks))
    report = CashInReport(as_of=as_of, weeks=buckets, later=later, delays=delays)
    report.customers_with_history = len(delays)
    for row in open_invoices:
        due = row["due_date"] or as_of
        expected = due + dt.timedelta(days=round(delays.get(row["customer_id"], 0.0)))
        expected = max(expected, as_of)
        index = (_monday(expected) - first).days // 7
        bucket = buckets[index] if index < weeks else later
        bucket.amount += row["balance"]
        bucket.invoices += 1
        report.total += row["balance"]
    return report
