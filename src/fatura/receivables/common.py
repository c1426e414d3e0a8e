"""What every receivables write shares: locking an invoice, checking an action against its
state, recomputing its balance and payment status, and writing its event."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.utils import timezone

from fatura.core import clock
from fatura.core.compiled import CompiledRead
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


def _locked(numbers: str | list[str]) -> QuerySet[Invoice]:
    lookup: dict[str, Any] = (
        {"number": numbers} if isinstance(numbers, str) else {"number__in": numbers}
    )
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("customer", "customer__collector")
        .filter(**lookup)
        .order_by("pk")
    )


# Every receivables write starts here: the SQL (~100 columns with the customer and its
# collector) is built once, not on each call (core.compiled).
_LOCK: CompiledRead[Invoice] = CompiledRead(_locked)


def invoice_lock(number: str) -> Invoice:
    """The invoice row, locked until the transaction ends (call inside ``atomic``)."""
    found = _LOCK.fetch(number)
    if not found:
        raise NotFound(f"Fatura {number} não encontrada.")
    return _loaded(found[0])


def invoices_lock(numbers: Iterable[str]) -> dict[str, Invoice]:
    """Several invoices locked in one order (by id), so concurrent writers never deadlock."""
    wanted = sorted(set(numbers))
    found = {i.number: _loaded(i) for i in _LOCK.fetch(wanted)}
    missing = [n for n in wanted if n not in found]
    if missing:
        raise NotFound(f"Fatura(s) não encontrada(s): {', '.join(missing)}.")
    return found


_FIELDS = {f.attname: f for f in Invoice._meta.concrete_fields}
_COLUMNS = tuple(f.attname for f in Invoice._meta.concrete_fields if not f.primary_key)
_JSON = frozenset(
    f.attname for f in Invoice._meta.concrete_fields if f.get_internal_type() == "JSONField"
)


def _loaded(invoice: Invoice) -> Invoice:
    """Remember the locked row's values, so :func:`invoice_save` writes only what changed."""
    values = invoice.__dict__
    invoice._fatura_loaded = {  # type: ignore[attr-defined]
        name: copy.deepcopy(values[name]) if name in _JSON else values[name] for name in _COLUMNS
    }
    return invoice


def invoice_save(invoice: Invoice) -> None:
    """Save a locked invoice: an UPDATE of the columns that changed since it was locked (a
    service changes two to five of its ~50: the statement is built and sent for those only);
    the whole row when it was not read by :func:`invoice_lock`."""
    loaded = getattr(invoice, "_fatura_loaded", None)
    if loaded is None:
        invoice.save()
        return
    values = invoice.__dict__
    changed = tuple(name for name, before in loaded.items() if values.get(name, before) != before)
    if changed:
        _update(invoice, changed)
    _loaded(invoice)


_UPDATES: dict[tuple[str, tuple[str, ...]], tuple[str, list[Any]]] = {}


def _update(invoice: Invoice, names: tuple[str, ...]) -> None:
    """``UPDATE … SET <the changed columns> WHERE id = …``: the statement ``save(update_fields=)``
    sends, each value prepared by its field as the ORM does, the SQL kept by column set (no
    signals or auto-now fields on Invoice to honour)."""
    connection = connections[invoice._state.db or DEFAULT_DB_ALIAS]
    key = (connection.vendor, names)
    cached = _UPDATES.get(key)
    if cached is None:
        quote = connection.ops.quote_name
        fields = [_FIELDS[name] for name in names]
        sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        pk = quote(_FIELDS["id"].column)
        cached = (f"UPDATE {quote(Invoice._meta.db_table)} SET {sets} WHERE {pk} = %s", fields)
        if len(_UPDATES) < 256:
            _UPDATES[key] = cached
    sql, fields = cached
    params = [f.get_db_prep_save(getattr(invoice, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, invoice.pk])


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
