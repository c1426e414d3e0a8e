"""Open receivables by the week their money is expected: the real-time cash-in view.

Expected date of an open invoice = its due date moved by how late (or early) the customer paid
its settled invoices on average (days from due date to the receipt of the last payment, its
business date), never before today: :func:`expected_payment_day`, the one place this rule is
written. The cash-in page and its CSV use it here; the forecast uses it as its fallback without
a model (the due-date prediction) and as the "customer history" baseline of its backtest, so
the three agree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max

from fatura.receivables.domain import RECEIVABLE
from fatura.receivables.models import Invoice, InvoiceStatus

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


def expected_payment_day(
    *, due_date: dt.date | None, mean_delay: float | None, as_of: dt.date
) -> dt.date:
    """When an open invoice's money is expected: its due date (``as_of`` without one) moved by
    the customer's mean delay in whole days (rounded half to even; none: no move), never before
    ``as_of`` (what is overdue is expected now)."""
    due = due_date or as_of
    shift = round(mean_delay) if mean_delay is not None else 0
    return max(due + dt.timedelta(days=shift), as_of)


def customer_mean_delays(customer_ids: set[int]) -> dict[int, float]:
    """Mean days from due date to the receipt of the last payment applied (its
    ``received_at``, not when it was keyed in), over each customer's closed invoices
    (negative: pays early)."""
    rows = (
        Invoice.objects.filter(
            customer_id__in=customer_ids,
            status=InvoiceStatus.CLOSED,
            due_date__isnull=False,
            allocations__reversed_at__isnull=True,
        )
        .values("pk", "customer_id", "due_date")
        .annotate(paid_on=Max("allocations__payment__received_at"))
    )
    delays: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        if row["paid_on"] is not None:  # the business date: when the money was received
            delays[row["customer_id"]].append((row["paid_on"] - row["due_date"]).days)
    return {customer: sum(days) / len(days) for customer, days in delays.items()}


@dataclass(frozen=True)
class ExpectedPayment:
    invoice_id: int
    customer_id: int
    balance: Decimal
    day: dt.date  # expected_payment_day


def expected_payments(*, as_of: dt.date) -> tuple[list[ExpectedPayment], dict[int, float]]:
    """Every open receivable (not a proforma) with the day its money is expected, and the
    customers' mean delays that moved them."""
    open_invoices = list(
        Invoice.objects.filter(status__in=RECEIVABLE, balance__gt=0)
        .exclude(kind="proforma")
        .order_by("pk")
        .values("pk", "customer_id", "due_date", "balance")
    )
    delays = customer_mean_delays({row["customer_id"] for row in open_invoices})
    payments = [
        ExpectedPayment(
            invoice_id=row["pk"],
            customer_id=row["customer_id"],
            balance=row["balance"],
            day=expected_payment_day(
                due_date=row["due_date"], mean_delay=delays.get(row["customer_id"]), as_of=as_of
            ),
        )
        for row in open_invoices
    ]
    return payments, delays


def expected_cash_in(*, as_of: dt.date, weeks: int = 12) -> CashInReport:
    """What is still owed, by the week it is expected (``weeks`` weeks from ``as_of``'s)."""
    payments, delays = expected_payments(as_of=as_of)
    first = _monday(as_of)
    buckets = [CashWeek(first + dt.timedelta(weeks=n)) for n in range(weeks)]
    later = CashWeek(first + dt.timedelta(weeks=weeks))
    report = CashInReport(as_of=as_of, weeks=buckets, later=later, delays=delays)
    report.customers_with_history = len(delays)
    for payment in payments:
        index = (_monday(payment.day) - first).days // 7
        bucket = buckets[index] if index < weeks else later
        bucket.amount += payment.balance
        bucket.invoices += 1
        report.total += payment.balance
    return report
