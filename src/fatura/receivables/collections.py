"""Collections: reminders and collection calls on an invoice, and dunning — strategies per
customer segment (levels with day offsets and actions) and the daily task that records due
dates passed and runs the strategies (user "system", ``is_automated``). Open disputes pause
dunning; thresholds use what is still owed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from fatura.core import clock
from fatura.core.errors import InvalidInput
from fatura.core.money import to_money
from fatura.core.roles import Capability, require
from fatura.core.users import User
from fatura.eventlog import activities
from fatura.receivables.common import check, event, invoice_lock, record
from fatura.receivables.domain import days_overdue
from fatura.receivables.installments import installments_open
from fatura.receivables.mail import MailFailed, send_reminder_email
from fatura.receivables.models import (
    CallOutcome,
    CollectionCall,
    CollectionTask,
    DunningAction,
    DunningLevel,
    DunningNotice,
    DunningStrategy,
    Invoice,
    InvoiceStatus,
)
from fatura.receivables.services import due_dates_passed

# --- reminders and calls ----------------------------------------------------------------


def invoice_remind(*, by: User, number: str) -> Invoice:
    """A payment reminder by e-mail, sent by a user (the dunning task sends its own)."""
    by = require(by, Capability.LOG_COLLECTION)
    now = clock.now()
    with transaction.atomic():
        invoice = invoice_lock(number)
        check(invoice, "remind")
        send_reminder_email(invoice, level=invoice.dunning_level)
        record(event(invoice, activities.PAYMENT_REMINDER, by=by, now=now, manual=True))
    return invoice


def invoice_call(
    *,
    by: User,
    number: str,
    outcome: str,
    promise_date: dt.date | None = None,
    note: str = "",
) -> CollectionCall:
    """A collector logs a call; open call tasks of the invoice are done."""
    by = require(by, Capability.LOG_COLLECTION)
    if outcome not in CallOutcome.values:
        raise InvalidInput(
            f"Resultado da ligação inválido: {outcome!r}. Use: {', '.join(CallOutcome.values)}.",
            errors=[{"field": "outcome", "message": "inválido"}],
        )
    if outcome == CallOutcome.PROMISE and promise_date is None:
        raise InvalidInput(
            "Promessa de pagamento precisa da data prometida (promise_date).",
            errors=[{"field": "promise_date", "message": "obrigatório"}],
        )
    now = clock.now()
    with transaction.atomic():
        invoice = invoice_lock(number)
        check(invoice, "call")
        call = CollectionCall.objects.create(
            invoice=invoice,
            collector=by,
            outcome=outcome,
            promise_date=promise_date if outcome == CallOutcome.PROMISE else None,
            note=(note or "")[:300],
            called_at=now,
        )
        CollectionTask.objects.filter(invoice=invoice, done_at__isnull=True).update(done_at=now)
        record(
            event(
                invoice,
                activities.COLLECTION_CALL,
                by=by,
                now=now,
                call_outcome=outcome,
                promise_date=call.promise_date,
            )
        )
    return call


# --- dunning -------------------------------------------------------------------------------

DEFAULT_LEVELS = (  # (days after due, action): used when no strategy is configured at all
    (1, DunningAction.REMINDER),
    (15, DunningAction.SECOND_REMINDER),
    (30, DunningAction.CALL_TASK),
    (90, DunningAction.HANDOVER),
)


@dataclass(frozen=True)
class LevelIn:
    days_after_due: int
    action: str
    min_balance: Decimal = Decimal("0.00")


# A level's day offset is stored in a small integer; ten years after the due date is plenty.
MAX_DAYS_AFTER_DUE = 3650


def _valid_minimum(value: Any) -> bool:
    try:
        amount = Decimal(value)
    except (TypeError, ValueError, ArithmeticError):
        return False
    return amount.is_finite() and 0 <= amount < Decimal("1e12") and amount == to_money(amount)


def dunning_strategy_save(
    *, by: User, segment: str, name: str, levels: list[LevelIn]
) -> DunningStrategy:
    """Create or replace the strategy of a segment ("" = every segment without its own)."""
    by = require(by, Capability.MANAGE_COLLECTIONS)
    errors: list[dict[str, Any]] = []
    if len(segment.strip()) > 80:
        errors.append({"field": "segment", "message": "até 80 caracteres"})
    last = -1
    for position, level in enumerate(levels, start=1):
        if level.action not in DunningAction.values:
            errors.append({"line": position, "field": "action", "message": "ação inválida"})
        if not 0 <= level.days_after_due <= MAX_DAYS_AFTER_DUE:
            errors.append(
                {
                    "line": position,
                    "field": "days_after_due",
                    "message": f"de 0 a {MAX_DAYS_AFTER_DUE} dias",
                }
            )
        elif level.days_after_due <= last:
            errors.append({"line": position, "field": "days_after_due", "message": "deve crescer"})
        last = level.days_after_due
        if not _valid_minimum(level.min_balance):
            errors.append(
                {
                    "line": position,
                    "field": "min_balance",
                    "message": "valor em reais, zero ou mais, com até 2 casas",
                }
            )
    if not levels or errors:
        raise InvalidInput(
            "Régua de cobrança inválida: informe níveis com dias crescentes e ações válidas.",
            errors=errors or [{"field": "levels", "message": "vazio"}],
        )
    with transaction.atomic():
        strategy, _ = DunningStrategy.objects.update_or_create(
            segment=segment.strip(),
            defaults={"name": (name.strip() or segment.strip() or "Padrão")[:80]},
        )
        strategy.levels.all().delete()
        DunningLevel.objects.bulk_create(
            DunningLevel(
                strategy=strategy,
                level=n,
                days_after_due=level.days_after_due,
                action=level.action,
                min_balance=level.min_balance,
            )
            for n, level in enumerate(levels, start=1)
        )
    return strategy


def _levels_by_segment() -> dict[str, list[DunningLevel]]:
    levels: dict[str, list[DunningLevel]] = {}
    for level in DunningLevel.objects.select_related("strategy").order_by("level"):
        levels.setdefault(level.strategy.segment, []).append(level)
    if "" not in levels:
        default = DunningStrategy(name="Padrão", segment="")
        levels[""] = [
            DunningLevel(strategy=default, level=n, days_after_due=d, action=a)
            for n, (d, a) in enumerate(DEFAULT_LEVELS, start=1)
        ]
    return levels


def _levels_due(
    strategies: dict[str, list[DunningLevel]],
    segment: str,
    dunning_level: int,
    due_date: dt.date | None,
    balance: Decimal,
    today: dt.date,
) -> list[DunningLevel]:
    """The levels of the segment's strategy an invoice has reached and not yet run."""
    levels = strategies.get(segment) or strategies[""]
    late = days_overdue(due_date, today)
    return [
        lv
        for lv in levels
        if lv.level > dunning_level and lv.days_after_due <= late and balance >= lv.min_balance
    ]


@dataclass
class DunningReport:
    due_dates_passed: int = 0
    notices: int = 0
    call_tasks: int = 0
    mail_failures: int = 0


def _run_level(
    invoice: Invoice, level: DunningLevel, today: dt.date, now: dt.datetime, report: DunningReport
) -> None:
    open_parts = installments_open(invoice) if invoice.installment_count > 1 else []
    DunningNotice.objects.create(
        invoice=invoice,
        installment=open_parts[0].number if open_parts else 1,
        level=level.level,
        action=level.action,
        balance=invoice.balance,
        run_at=now,
    )
    first = invoice.dunning_level == 0
    invoice.dunning_level = level.level
    invoice.save(update_fields=["dunning_level"])
    extra = {
        "dunning_level": level.level,
        "dunning_action": level.action,
        "days_overdue": days_overdue(invoice.due_date, today),
    }
    if open_parts:  # the installment being dunned: the oldest open one
        extra |= {"installment": open_parts[0].number, "installment_amount": open_parts[0].balance}
    events = []
    if first:
        events.append(
            event(invoice, activities.DUNNING_INITIATED, by=None, now=now, automated=True, **extra)
        )
    if level.action in {DunningAction.REMINDER, DunningAction.SECOND_REMINDER}:
        send_reminder_email(
            invoice, level=level.level, second=level.action == DunningAction.SECOND_REMINDER
        )
        events.append(
            event(invoice, activities.PAYMENT_REMINDER, by=None, now=now, automated=True, **extra)
        )
    elif level.action == DunningAction.CALL_TASK:
        CollectionTask.objects.create(
            invoice=invoice, collector=invoice.customer.collector, due_on=today
        )
        report.call_tasks += 1
    elif not first:  # hand-over to credit collection is a dunning step of its own
        events.append(
            event(invoice, activities.DUNNING_INITIATED, by=None, now=now, automated=True, **extra)
        )
    record(*events)
    report.notices += 1


def dunning_run(*, today: dt.date | None = None, now: dt.datetime | None = None) -> DunningReport:
    """The daily collections task. Safe to re-run: a level runs once per invoice (a database
    constraint), and each invoice is done in its own transaction."""
    today = today or clock.today()
    now = now or clock.now()
    report = DunningReport(due_dates_passed=due_dates_passed(today=today))
    strategies = _levels_by_segment()
    # One read of what decides; only the invoices with a level due are locked (the lock
    # re-checks the state, which may have changed since).
    candidates = Invoice.objects.filter(
        status=InvoiceStatus.OVERDUE, open_disputes=0, balance__gt=0, due_date__lt=today
    ).values_list("number", "customer__segment", "dunning_level", "due_date", "balance")
    numbers = [
        number
        for number, segment, dunning_level, due_date, balance in candidates
        if _levels_due(strategies, segment, dunning_level, due_date, balance, today)
    ]
    for number in numbers:
        try:
            _dun(number, strategies, today, now, report)
        except MailFailed:  # the invoice's first level: nothing of it is kept
            report.mail_failures += 1
    return report


def _dun(
    number: str,
    strategies: dict[str, list[DunningLevel]],
    today: dt.date,
    now: dt.datetime,
    report: DunningReport,
) -> None:
    """Run the levels due on one invoice; a level whose e-mail fails is undone and the later
    ones wait (retried tomorrow). The first level needs no savepoint of its own: when its
    e-mail fails, the invoice's transaction is undone whole (MailFailed goes up)."""
    with transaction.atomic():
        invoice = invoice_lock(number)
        if invoice.status != InvoiceStatus.OVERDUE or invoice.open_disputes or not invoice.balance:
            return
        due = _levels_due(
            strategies,
            invoice.customer.segment,
            invoice.dunning_level,
            invoice.due_date,
            invoice.balance,
            today,
        )
        for position, level in enumerate(due):
            if position == 0:
                _run_level(invoice, level, today, now, report)
                continue
            try:
                with transaction.atomic():
                    _run_level(invoice, level, today, now, report)
            except MailFailed:
                report.mail_failures += 1
                break  # retried tomorrow; later levels wait for this one
