"""The receivables ledger as of any date: aging, the customer statement, days sales
outstanding (DSO) and the collector's worklist.

**What an invoice owed at the end of a day** (``balance_as_of``; "as of D" counts every entry
whose *business date* is D or earlier, never when it was keyed in — docs/decisions/0021)::

    total − allocations of payments received by then and not reversed by then (reversal
            date), with their discounts
          − credit notes dated by then (their excess above the balance is customer credit)
          ± adjustments dated by then (signed: + debit, − credit)
          − the write-off, when it is dated by then

An allocation counts from its payment's ``received_at`` (an invoice counts only from its issue
date, so credit applied to a later invoice counts from that invoice's issue). Whatever order
and whenever the documents were entered, the same documents give the same balance as of any
day (tests/receivables/test_properties.py).

Correlated subqueries with ``Sum`` compute it for every invoice in one SQL query, so each
report is a few queries whatever the number of invoices. For today it equals
``Invoice.balance``; for a past date it is what the invoice owed then, so a part-paid invoice
ages by what was still owed, never by its total. Computed amounts are read through
``to_money`` (SQLite does this arithmetic in floating point and its converter does not round
computed values to cents).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round

from fatura.core import clock
from fatura.core.errors import InvalidInput
from fatura.core.money import to_money
from fatura.customers.models import Customer
from fatura.customers.selectors import customer_get
from fatura.receivables import domain
from fatura.receivables.domain import AgingRow, OpenAmount
from fatura.receivables.installments import Slot, open_parts, schedules
from fatura.receivables.models import (
    Adjustment,
    Allocation,
    CollectionCall,
    CollectionTask,
    CreditNote,
    Invoice,
    InvoiceKind,
    Payment,
)

MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")

# Receivable states, plus the two an invoice leaves owing nothing (closed, written off): at a
# past date it may still have owed, and its reconstructed balance says so.
AGED_STATUSES = domain.RECEIVABLE | {domain.CLOSED, domain.WRITTEN_OFF}

GROUP_BY_LABELS = {
    "customer": "Cliente",
    "segment": "Segmento",
    "business_unit": "Unidade de negócio",
    "collector": "Cobrador",
}
_GROUP_KEYS = {
    "customer": "customer_id",
    "segment": "customer__segment",
    "business_unit": "customer__business_unit",
    "collector": "customer__collector__username",
}
_NO_GROUP = {
    "segment": "Sem segmento",
    "business_unit": "Sem unidade de negócio",
    "collector": "Sem cobrador",
}


def _not_reversed_by(as_of: dt.date, prefix: str = "") -> Q:
    """Allocations whose payment was not reversed by the end of ``as_of`` (reversal date)."""
    return Q(**{f"{prefix}reversal_date__isnull": True}) | Q(
        **{f"{prefix}reversal_date__gt": as_of}
    )


def _summed(rows: QuerySet[Any], expression: Any) -> Coalesce:
    """Sum of ``expression`` over ``rows`` (already tied to ``OuterRef("pk")``), 0 if none."""
    per_invoice = (
        rows.order_by().values("invoice").annotate(total=Sum(expression, output_field=MONEY))
    )
    return Coalesce(
        Subquery(per_invoice.values("total"), output_field=MONEY), Value(ZERO), output_field=MONEY
    )


def balance_as_of(as_of: dt.date) -> ExpressionWrapper:
    """An invoice annotation: what it owed at the end of ``as_of`` (see the module docstring)."""
    applied = _summed(
        Allocation.objects.filter(
            _not_reversed_by(as_of, "payment__"),
            invoice=OuterRef("pk"),
            payment__received_at__lte=as_of,
        ),
        F("amount") + F("discount"),
    )
    credited = _summed(
        CreditNote.objects.filter(invoice=OuterRef("pk"), date__lte=as_of),
        F("amount") - F("excess"),
    )
    adjusted = _summed(
        Adjustment.objects.filter(invoice=OuterRef("pk"), date__lte=as_of), F("amount")
    )
    written_off = Case(
        When(status=domain.WRITTEN_OFF, written_off_on__lte=as_of, then=F("amount_written_off")),
        default=Value(ZERO),
        output_field=MONEY,
    )
    # rounded to the cent in SQL: SQLite sums decimals as floats, and a balance of 1e-13 left
    # by the order the entries were summed in must not count as owed (receivables_as_of)
    return ExpressionWrapper(
        Round(
            F("total_charged") - F("amount_withheld") - applied - credited + adjusted - written_off,
            2,
        ),
        output_field=MONEY,
    )


def _filtered(
    invoices: QuerySet[Invoice],
    *,
    customer_id: int | None = None,
    segment: str | None = None,
    business_unit: str | None = None,
    collector_id: int | None = None,
) -> QuerySet[Invoice]:
    if customer_id is not None:
        invoices = invoices.filter(customer_id=customer_id)
    if segment is not None:
        invoices = invoices.filter(customer__segment=segment)
    if business_unit is not None:
        invoices = invoices.filter(customer__business_unit=business_unit)
    if collector_id is not None:
        invoices = invoices.filter(customer__collector_id=collector_id)
    return invoices


def receivables_as_of(as_of: dt.date, **filters: Any) -> QuerySet[Any]:
    """Invoices issued by ``as_of`` that are (or were) receivables, not proformas, annotated
    with ``open_balance`` as of then; those that owed nothing then are left out. Filters:
    ``customer_id``, ``segment``, ``business_unit``, ``collector_id``."""
    invoices = Invoice.objects.filter(issue_date__lte=as_of, status__in=AGED_STATUSES).exclude(
        kind=InvoiceKind.PROFORMA
    )
    return (
        _filtered(invoices, **filters)
        .annotate(open_balance=balance_as_of(as_of))
        .filter(open_balance__gt=0)
    )


# --- aging ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgingReport:
    as_of: dt.date
    group_by: str
    rows: list[AgingRow]
    total: AgingRow

    @property
    def group_label(self) -> str:
        return GROUP_BY_LABELS[self.group_by]


def check_group_by(group_by: str) -> str:
    if group_by not in GROUP_BY_LABELS:
        raise InvalidInput(
            f"Agrupamento inválido: {group_by!r}. Use {', '.join(GROUP_BY_LABELS)}.",
            errors=[{"field": "group_by", "message": "inválido"}],
        )
    return group_by


def aging(*, as_of: dt.date, group_by: str = "customer", **filters: Any) -> AgingReport:
    """Open balances as of the end of ``as_of`` per group (customer, segment, business unit or
    collector) in the buckets current, 1–30, 31–60, 61–90 and 90+ days past due. One query."""
    rows = list(
        receivables_as_of(as_of, **filters).values_list(
            _GROUP_KEYS[check_group_by(group_by)],
            "customer__name",
            "customer__collector__first_name",
            "customer__collector__last_name",
            "due_date",
            "open_balance",
            "pk",
            "installment_count",
        )
    )
    # an invoice in installments ages each installment by its own due date
    split = schedules(row[6] for row in rows if row[7] > 1)
    amounts = (
        OpenAmount(_key(key), _label(group_by, key, name, first, last), part_due, part)
        for key, name, first, last, due, balance, pk, _count in rows
        for part_due, part in open_parts(to_money(balance), due, split.get(pk))
    )
    table = domain.aging_rows(amounts, as_of)
    return AgingReport(as_of, group_by, table, domain.aging_total(table))


def _key(value: Any) -> str:
    return "" if value is None else str(value)


def _label(group_by: str, key: Any, name: str, first: str | None, last: str | None) -> str:
    if group_by == "customer":
        return name
    if group_by == "collector" and key:
        return " ".join(part for part in (first, last) if part) or str(key)
    return str(key or "") or _NO_GROUP[group_by]


# --- customer statement ---------------------------------------------------------------------


@dataclass(frozen=True)
class StatementItem:
    number: str
    issue_date: dt.date
    due_date: dt.date | None
    total: Decimal
    balance: Decimal
    days_overdue: int
    status: str
    installment: str = ""  # "2/3" for an invoice in installments


def _installment_label(slots: list[Slot] | None, due: dt.date | None) -> str:
    if not slots:
        return ""
    number = next((s.number for s in slots if s.due_date == due), 0)
    return f"{number}/{len(slots)}" if number else ""


@dataclass(frozen=True)
class StatementPayment:
    id: int
    received_at: dt.date
    amount: Decimal
    method: str
    reference: str
    applied: Decimal
    unapplied: Decimal
    reversed: bool


@dataclass(frozen=True)
class CustomerStatement:
    customer: Customer
    as_of: dt.date
    items: list[StatementItem]
    payments: list[StatementPayment]
    unapplied_payments: Decimal  # payments not yet applied to invoices
    credit_note_excess: Decimal  # credit notes above what the invoice still owed

    @property
    def open_total(self) -> Decimal:
        return sum((item.balance for item in self.items), ZERO)

    @property
    def overdue_total(self) -> Decimal:
        return sum((item.balance for item in self.items if item.days_overdue > 0), ZERO)

    @property
    def credit_available(self) -> Decimal:
        return self.unapplied_payments + self.credit_note_excess

    @property
    def net_due(self) -> Decimal:
        """What the customer owes once its credit is used (negative: we owe the customer)."""
        return self.open_total - self.credit_available


def customer_statement(customer_id: int, as_of: dt.date | None = None) -> CustomerStatement:
    """The customer's open items, credit and payments as of the end of ``as_of`` (today by
    default). Credit available = payments received by then and not applied by then (none
    once reversed by then) + the excess of credit notes dated by then; business dates
    throughout (see the module docstring). Three queries."""
    customer = customer_get(customer_id)
    as_of = as_of or clock.today()
    open_items = list(
        receivables_as_of(as_of, customer_id=customer.pk)
        .order_by("due_date", "number")
        .values_list(
            "number",
            "issue_date",
            "due_date",
            "total_charged",
            "open_balance",
            "status",
            "pk",
            "installment_count",
        )
    )
    # an invoice in installments is one item per open installment (its own due date)
    split = schedules(row[6] for row in open_items if row[7] > 1)
    items = [
        StatementItem(
            number,
            issued,
            part_due,
            total,
            part,
            domain.days_overdue(part_due, as_of),
            status,
            installment=_installment_label(split.get(pk), part_due),
        )
        for number, issued, due, total, balance, status, pk, _count in open_items
        for part_due, part in open_parts(to_money(balance), due, split.get(pk))
        if part > 0
    ]
    items.sort(key=lambda item: (item.due_date or as_of, item.number))
    applied = Subquery(
        Allocation.objects.filter(
            _not_reversed_by(as_of, "payment__"),
            payment=OuterRef("pk"),
            invoice__issue_date__lte=as_of,
        )
        .order_by()
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total"),
        output_field=MONEY,
    )
    received = (
        Payment.objects.filter(customer=customer, received_at__lte=as_of)
        .annotate(applied_then=Coalesce(applied, Value(ZERO), output_field=MONEY))
        .order_by("received_at", "id")
    )
    payments = []
    for payment in received:
        reversed_then = payment.reversal_date is not None and payment.reversal_date <= as_of
        applied_then = to_money(payment.applied_then)
        unapplied = ZERO if reversed_then else payment.amount - applied_then
        payments.append(
            StatementPayment(
                payment.pk,
                payment.received_at,
                payment.amount,
                payment.method,
                payment.reference,
                applied_then,
                unapplied,
                reversed_then,
            )
        )
    excess = CreditNote.objects.filter(
        invoice__customer=customer, date__lte=as_of, excess__gt=0
    ).aggregate(total=Coalesce(Sum("excess"), Value(ZERO), output_field=MONEY))["total"]
    return CustomerStatement(
        customer=customer,
        as_of=as_of,
        items=items,
        payments=payments,
        unapplied_payments=sum((p.unapplied for p in payments), ZERO),
        credit_note_excess=to_money(excess),
    )


# --- DSO ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DsoReport:
    start: dt.date
    end: dt.date
    days: int
    receivables: Decimal
    credit_sales: Decimal
    dso: Decimal | None


def days_sales_outstanding(*, start: dt.date, end: dt.date, **filters: Any) -> DsoReport:
    """Days sales outstanding of the period ``start``…``end`` (both included)::

        DSO = receivables open at the end of ``end`` ÷ credit sales in the period
              × days in the period

    - receivables open at the period's end: what every invoice still owed then, as the aging
      as of ``end`` counts it (part-paid invoices by their balance, any issue date);
    - credit sales: the totals of the invoices issued in the period (not proformas, not
      drafts or invoices awaiting approval; closed and written-off ones count);
    - days in the period: ``(end − start).days + 1``.

    ``dso`` is in days with one decimal, ``None`` without credit sales. Filters as ``aging``.
    """
    if end < start:
        raise InvalidInput(
            f"O fim do período ({end:%d/%m/%Y}) é anterior ao início ({start:%d/%m/%Y}).",
            errors=[{"field": "end", "message": "anterior ao início"}],
        )
    balances = receivables_as_of(end, **filters).values_list("open_balance", flat=True)
    receivables = sum((b for b in map(to_money, balances) if b > 0), ZERO)
    issued = _filtered(
        Invoice.objects.filter(
            issue_date__gte=start, issue_date__lte=end, status__in=AGED_STATUSES
        ).exclude(kind=InvoiceKind.PROFORMA),
        **filters,
    )
    sales = to_money(issued.aggregate(total=Sum("total_charged"))["total"] or ZERO)
    days = (end - start).days + 1
    dso = domain.days_sales_outstanding(receivables, sales, days)
    return DsoReport(start, end, days, receivables, sales, dso)


# --- the collector's worklist ---------------------------------------------------------------


@dataclass(frozen=True)
class WorklistItem:
    number: str
    customer_id: int
    customer_name: str
    collector: str  # username of the customer's collector ("" if none)
    status: str
    due_date: dt.date
    days_overdue: int
    balance: Decimal
    priority: Decimal  # balance × days overdue
    call_task_due: dt.date | None  # the oldest open call task due by today
    last_call_outcome: str
    last_call_at: dt.datetime | None
    promise_date: dt.date | None
    dunning_level: int

    @property
    def has_call_task(self) -> bool:
        return self.call_task_due is not None


def collector_id_for(username: str) -> int:
    """The id of the user named ``username`` (422 on the ``collector`` field if none)."""
    user = get_user_model().objects.filter(username=username).values_list("pk", flat=True)
    found = user.first()
    if found is None:
        raise InvalidInput(
            f"Cobrador desconhecido: {username!r}.",
            errors=[{"field": "collector", "message": "usuário não encontrado"}],
        )
    return int(found)


def collector_worklist(
    *, collector_id: int | None = None, today: dt.date | None = None
) -> list[WorklistItem]:
    """What to call today: invoices sent and past due with a balance and no open dispute
    (of the customers of ``collector_id``, or with an open call task assigned to them).
    Invoices with an open call task due by today come first, then by priority = balance ×
    days overdue, highest first. Balances are the current ones (``today`` dates the days
    overdue and the tasks). One query."""
    today = today or clock.today()
    invoices = Invoice.objects.filter(
        status__in=(domain.SENT, domain.OVERDUE),
        open_disputes=0,
        balance__gt=0,
        due_date__lt=today,
    ).exclude(kind=InvoiceKind.PROFORMA)
    open_tasks = CollectionTask.objects.filter(
        invoice=OuterRef("pk"), done_at__isnull=True, due_on__lte=today
    )
    if collector_id is not None:
        invoices = invoices.filter(
            Q(customer__collector_id=collector_id)
            | Exists(open_tasks.filter(collector_id=collector_id))
        )
    last_call = CollectionCall.objects.filter(invoice=OuterRef("pk")).order_by("-called_at", "-id")
    rows = invoices.annotate(
        task_due=Subquery(open_tasks.order_by("due_on").values("due_on")[:1]),
        call_outcome=Subquery(last_call.values("outcome")[:1]),
        call_at=Subquery(last_call.values("called_at")[:1]),
        call_promise=Subquery(last_call.values("promise_date")[:1]),
    ).values_list(
        "number",
        "customer_id",
        "customer__name",
        "customer__collector__username",
        "status",
        "due_date",
        "balance",
        "task_due",
        "call_outcome",
        "call_at",
        "call_promise",
        "dunning_level",
    )
    items = []
    for number, cid, name, collector, status, due, balance, task, outcome, at, promise, lvl in rows:
        assert due is not None  # filtered on due_date < today
        days = domain.days_overdue(due, today)
        items.append(
            WorklistItem(
                number=number,
                customer_id=cid,
                customer_name=name,
                collector=collector or "",
                status=status,
                due_date=due,
                days_overdue=days,
                balance=balance,
                priority=domain.collection_priority(balance, days),
                call_task_due=task,
                last_call_outcome=outcome or "",
                last_call_at=at,
                promise_date=promise,
                dunning_level=lvl,
            )
        )
    items.sort(key=lambda i: (not i.has_call_task, -i.priority, i.due_date, i.number))
    return items


# --- invoices ---------------------------------------------------------------------------
