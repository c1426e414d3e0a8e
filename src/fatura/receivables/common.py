"""What every receivables write shares: locking an invoice, checking an action against its
state, recomputing its balance and payment status, and writing its event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import timezone

from fatura.core import clock
from fatura.core.errors import InvalidInput, NotFound, RuleViolation
from fatura.core.money import parse_decimal, to_money
from fatura.core.users import User
from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.eventlog.services import NewEvent, events_record_many
from fatura.receivables import domain
from fatura.receivables.domain import ActionNotAllowedError, Amounts
from fatura.receivables.events import invoice_attributes
from fatura.receivables.installments import follow
from fatura.receivables.models import Invoice


class TransitionRefused(RuleViolation):
    """409 naming the invoice's state and the actions it allows."""


def approval_threshold() -> Decimal:
    return Decimal(str(settings.FATURA_APPROVAL_THRESHOLD))


def invoice_lock(number: str) -> Invoice:
    """The invoice row, locked until the transaction ends (call inside ``atomic``)."""
    try:  # get(), not first(): the number is unique, no ORDER BY to build or run
        return (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("customer", "customer__collector")
            .get(number=number)
        )
    except Invoice.DoesNotExist:
        raise NotFound(f"Fatura {number} não encontrada.") from None


def invoices_lock(numbers: Iterable[str]) -> dict[str, Invoice]:
    """Several invoices locked in one order (by id), so concurrent writers never deadlock."""
    wanted = sorted(set(numbers))
    found = {
        i.number: i
        for i in Invoice.objects.select_for_update(of=("self",))
        .select_related("customer", "customer__collector")
        .filter(number__in=wanted)
        .order_by("pk")
    }
    missing = [n for n in wanted if n not in found]
    if missing:
        raise NotFound(f"Fatura(s) não encontrada(s): {', '.join(missing)}.")
    return found


def check(invoice: Invoice, action: str) -> None:
    try:
        domain.check_action(
            action, invoice.status, number=invoice.number, proforma=invoice.kind == "proforma"
        )
    except ActionNotAllowedError as exc:
        raise TransitionRefused(str(exc)) from None


def amounts_of(invoice: Invoice) -> Amounts:
    return Amounts(
        total=invoice.total_charged,
        applied=invoice.amount_applied,
        credited=invoice.amount_credited,
        debited=invoice.amount_debited,
        discounted=invoice.amount_discounted,
        written_off=invoice.amount_written_off,
        withheld=invoice.amount_withheld,
    )


def refresh(invoice: Invoice) -> None:
    """Recompute balance and payment status from the amounts (never below zero)."""
    amounts = amounts_of(invoice)
    balance = amounts.balance
    if balance < 0:  # a guard: services refuse what would get here
        raise RuleViolation(f"O saldo da fatura {invoice.number} ficaria negativo.")
    invoice.balance = balance
    invoice.payment_status = domain.payment_status(
        amounts.owed, invoice.amount_applied, invoice.amount_overpaid
    )
    follow(invoice)  # installments: the next due date is the oldest open installment's


def reopen(invoice: Invoice, now: dt.datetime) -> list[NewEvent]:
    """Owed again (dispute over, payment reversed, correction): back to sent or overdue. An
    invoice found overdue now whose "Due Date Passed" was never recorded (the due date went by
    while it was disputed or closed) gets that event, dated when it is noticed."""
    invoice.status = reopened_status(invoice, clock.localdate(now))
    if invoice.status != domain.OVERDUE:
        return []
    recorded = Event.objects.filter(
        case_id=invoice.number, activity=activities.DUE_DATE_PASSED
    ).exists()
    if recorded:
        return []
    return [event(invoice, activities.DUE_DATE_PASSED, by=None, now=now, automated=True)]


def reopen_if_owed(invoice: Invoice, now: dt.datetime) -> list[NewEvent]:
    """A closed invoice that is owed something again (a payment reversed, a debit) reopens."""
    if invoice.status != domain.CLOSED or invoice.balance <= 0:
        return []
    invoice.closed_at = None
    return reopen(invoice, now)


def reopened_status(invoice: Invoice, today: dt.date) -> str:
    """Where an invoice goes back to when it is owed again (dispute over, payment reversed)."""
    if invoice.sent_at is None:
        return domain.COMPLETED
    if invoice.due_date and invoice.due_date < today:
        return domain.OVERDUE
    return domain.SENT


def parse_amount(value: Any, field: str, *, allow_negative: bool = False) -> Decimal:
    try:
        amount = parse_decimal(value)
    except InvalidOperation:
        amount = None
    if (
        amount is None
        or not amount.is_finite()
        or amount != to_money(amount)
        or (amount <= 0 and not allow_negative)
        or amount == 0
        or abs(amount) >= Decimal("1e12")
    ):
        sign = "diferente de zero" if allow_negative else "maior que zero"
        raise InvalidInput(
            f"Valor inválido em {field}: {value!r}; informe um valor {sign} com até 2 casas.",
            errors=[{"field": field, "message": "valor inválido"}],
        )
    return amount


def day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the configured time zone (events dated by a day)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def event(
    invoice: Invoice,
    activity: str,
    /,
    *,
    by: User | None,
    now: dt.datetime | None = None,
    automated: bool = False,
    **extra: Any,
) -> NewEvent:
    return NewEvent(
        case_id=invoice.number,
        activity=activity,
        user=by,
        timestamp=now or clock.now(),
        is_automated=automated,
        attributes={
            **invoice_attributes(invoice),
            "status": invoice.status,
            "payment_status": invoice.payment_status,
            "balance": invoice.balance,
            **extra,
        },
    )


def record(*events: NewEvent) -> None:
    events_record_many(list(events))


SETTLES = frozenset(
    {domain.SENT, domain.OVERDUE, domain.COMPLETED, domain.PENDING_APPROVAL, domain.APPROVED}
)


def close_if_settled(
    invoice: Invoice, *, by: User, now: dt.datetime, automated: bool
) -> list[NewEvent]:
    """A receivable whose balance reached zero closes (unless a dispute is still open); so
    does one credited in full while it waits for approval, or it would be sent owing nothing
    and never close."""
    if invoice.balance == 0 and invoice.status in SETTLES and invoice.open_disputes == 0:
        invoice.status = domain.CLOSED
        invoice.closed_at = now
        return [event(invoice, activities.INVOICE_CLOSED, by=by, now=now, automated=automated)]
    return []
