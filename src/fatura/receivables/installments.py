"""Installments ("parcelas"): an invoice owes its total in one or more installments, each with
its due date (docs/decisions/0023). Every invoice has at least one (single-installment terms:
one, due on the invoice's due date, for the whole total).

**Where the open balance lies.** Installments are a schedule of what is owed by when; the
invoice's balance B (``Invoice.balance``, or the as-of balance of ``ledger.balance_as_of``)
always occupies the *end* of the schedule. With amounts a₁…aₙ and Lᵢ = aᵢ₊₁ + … + aₙ (what
the later installments hold)::

    balance of installment i  = clamp(B − Lᵢ, 0, aᵢ)            for i < n
    balance of the last one   = clamp(B, 0, aₙ) + max(0, B − total)

so the installment balances always add up to B and are never below zero. Said the other way:
every reduction — a payment, its discount, a credit note, a negative adjustment, a write-off
— settles the oldest open installment first ("payments apply to the oldest open installment
first"), and every debit (a positive adjustment, a late charge, a reversed payment) reopens
the most recently settled one first, what is above the total landing on the last. A write-off
takes the whole balance, so every installment ends at zero. Nothing is stored per
allocation: the split is computed from B, so it is the same for today's balance and for any
as-of balance, and agrees with every correction by construction.

``Invoice.due_date`` is the *next* due date: the oldest open installment's (the last one's
once nothing is owed). It moves forward when an installment is settled (an overdue invoice
whose overdue installment is paid is "sent" again, and its dunning starts over for the next
installment) and back when a reversal or a debit reopens an earlier one. For a
single-installment invoice it never changes.

The pure split is :func:`spread` / :func:`covered`; the reads are :func:`schedule_of`,
:func:`installments_open` and :func:`installments_covered` (what other modules use).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from fatura.core import clock
from fatura.core.bulk import instances_insert
from fatura.core.terms import TermRule
from fatura.receivables import domain
from fatura.receivables.models import Invoice, InvoiceInstallment

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Slot:
    """One installment of a schedule: its number (from 1), due date and amount."""

    number: int
    due_date: dt.date
    amount: Decimal


@dataclass(frozen=True)
class InstallmentBalance:
    number: int
    due_date: dt.date
    amount: Decimal
    balance: Decimal


# --- pure ----------------------------------------------------------------------------------


def plan(rule: TermRule, *, issue_date: dt.date, total: Decimal) -> list[Slot]:
    """The installments a term gives an invoice of ``total`` issued on ``issue_date``."""
    return [
        Slot(number, due, amount)
        for number, (due, amount) in enumerate(
            zip(rule.due_dates(issue_date), rule.amounts(total), strict=True), start=1
        )
    ]


def spread(balance: Decimal, amounts: Sequence[Decimal]) -> list[Decimal]:
    """The balance of each installment when the invoice owes ``balance`` (see the module
    docstring): the balance fills the schedule from its end; what is above the total goes to
    the last installment. Never below zero; adds up to ``max(balance, 0)``."""
    if not amounts:
        return []
    total = sum(amounts, ZERO)
    later = total
    result = []
    for amount in amounts:
        later -= amount
        result.append(min(max(balance - later, ZERO), amount))
    result[-1] += max(balance - total, ZERO)
    return result


def covered(
    amounts: Sequence[Decimal], *, balance_before: Decimal, balance_after: Decimal
) -> list[Decimal]:
    """How much of each installment a reduction from ``balance_before`` to ``balance_after``
    settled (a payment, a credit): the difference of the two spreads (oldest first)."""
    before = spread(balance_before, amounts)
    after = spread(balance_after, amounts)
    return [b - a for b, a in zip(before, after, strict=True)]


def next_due(slots: Sequence[Slot], balances: Sequence[Decimal]) -> dt.date:
    """The oldest open installment's due date; the last one's when nothing is owed."""
    for slot, owed in zip(slots, balances, strict=True):
        if owed > 0:
            return slot.due_date
    return slots[-1].due_date


# --- writes (inside the caller's transaction) ----------------------------------------------


def installments_insert(invoices: Iterable[Invoice]) -> None:
    """Store the installments planned for new invoices (``invoice.planned``, set by
    ``issue.receivable_open``); one insert for all (``COPY`` on PostgreSQL)."""
    instances_insert(
        [
            InvoiceInstallment(
                invoice_id=invoice.pk,
                number=slot.number,
                due_date=slot.due_date,
                amount=slot.amount,
            )
            for invoice in invoices
            for slot in invoice.planned  # type: ignore[attr-defined]
        ]
    )


def follow(invoice: Invoice, today: dt.date | None = None) -> None:
    """After the balance of a multi-installment invoice changed (``common.refresh``): its due
    date becomes the oldest open installment's; an overdue invoice whose overdue installments
    are all settled is "sent" again, its dunning starting over for the next installment."""
    if invoice.installment_count <= 1 or invoice.pk is None:
        return
    slots = schedule_of(invoice)
    # late charges are the invoice's, not an installment's: they move no due date back
    principal, _late = domain.late_split(
        balance=invoice.balance, late_net=invoice.amount_late_charged
    )
    due = next_due(slots, spread(principal, [s.amount for s in slots]))
    if due == invoice.due_date:
        return
    moved_forward = invoice.due_date is not None and due > invoice.due_date
    invoice.due_date = due
    today = today or clock.today()
    if moved_forward and invoice.balance > 0:
        invoice.dunning_level = 0
        if invoice.status == domain.OVERDUE and due >= today:
            invoice.status = domain.SENT


# --- reads ---------------------------------------------------------------------------------


def schedule_of(invoice: Invoice) -> list[Slot]:
    """The invoice's installments (cached on it; the prefetched ones when there are)."""
    cached = getattr(invoice, "_schedule", None)
    if cached is not None:
        return list(cached)
    prefetched = getattr(invoice, "_prefetched_objects_cache", {}).get("installments")
    rows = (
        prefetched
        if prefetched is not None
        else InvoiceInstallment.objects.filter(invoice_id=invoice.pk).order_by("number")
    )
    slots = [Slot(r.number, r.due_date, r.amount) for r in rows]
    slots.sort(key=lambda s: s.number)
    if not slots and invoice.due_date is not None:  # not stored yet: the whole invoice
        slots = [Slot(1, invoice.due_date, invoice.total_charged - invoice.amount_withheld)]
    invoice._schedule = slots  # type: ignore[attr-defined]
    return list(slots)


def schedules(invoice_ids: Iterable[int]) -> dict[int, list[Slot]]:
    """The installments of several invoices, by invoice id (one query)."""
    found: dict[int, list[Slot]] = {}
    ids = sorted(set(invoice_ids))
    if not ids:
        return found
    rows = (
        InvoiceInstallment.objects.filter(invoice_id__in=ids)
        .order_by("invoice_id", "number")
        .values_list("invoice_id", "number", "due_date", "amount")
    )
    for invoice_id, number, due, amount in rows:
        found.setdefault(invoice_id, []).append(Slot(number, due, amount))
    return found


def balances(slots: Sequence[Slot], balance: Decimal) -> list[InstallmentBalance]:
    return [
        InstallmentBalance(s.number, s.due_date, s.amount, owed)
        for s, owed in zip(slots, spread(balance, [s.amount for s in slots]), strict=True)
    ]


def installment_balances(invoice: Invoice) -> list[InstallmentBalance]:
    """Each installment of the invoice with what it still owes (today's balance)."""
    return balances(schedule_of(invoice), invoice.balance)


def installments_open(invoice: Invoice) -> list[InstallmentBalance]:
    """The installments still owing something, oldest first (what a payment settles next)."""
    return [i for i in installment_balances(invoice) if i.balance > 0]


def installments_covered(
    invoice: Invoice, *, balance_before: Decimal, balance_after: Decimal
) -> list[InstallmentBalance]:
    """Which installments a reduction of the invoice's balance (an allocation: amount +
    discount) settled, oldest first, each with its due date and the part it settled
    (``balance`` of the result = the amount covered of that installment)."""
    slots = schedule_of(invoice)
    parts = covered(
        [s.amount for s in slots], balance_before=balance_before, balance_after=balance_after
    )
    return [
        InstallmentBalance(s.number, s.due_date, s.amount, part)
        for s, part in zip(slots, parts, strict=True)
        if part > 0
    ]


def open_parts(
    balance: Decimal, due_date: dt.date | None, slots: Sequence[Slot] | None
) -> list[tuple[dt.date | None, Decimal]]:
    """(due date, amount owed) of each open installment of an invoice owing ``balance``
    (an as-of balance too); without a schedule (single installment) the invoice's own."""
    if not slots:
        return [(due_date, balance)]
    owed = spread(balance, [s.amount for s in slots])
    return [(s.due_date, part) for s, part in zip(slots, owed, strict=True) if part > 0]


def overdue_amount(invoice: Invoice, today: dt.date) -> Decimal:
    """What is owed on installments due before ``today`` (the invoice's overdue part)."""
    return sum((i.balance for i in installment_balances(invoice) if i.due_date < today), ZERO)


def with_installments(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Invoices with their installments prefetched (one query for the page)."""
    return qs.prefetch_related("installments")
