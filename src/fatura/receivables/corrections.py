"""Corrections on an issued invoice: disputes and their resolution, credit notes,
adjustments, write-off. Finalized documents are never edited: each correction is its own
numbered document (NC-…, AJ-…). Reminders and collection calls are in ``collections``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django.db import transaction

from fatura.core import clock
from fatura.core.errors import Forbidden, InvalidInput, RuleViolation
from fatura.core.money import format_brl
from fatura.core.roles import Capability, require
from fatura.core.users import Actor, User
from fatura.eventlog import activities
from fatura.eventlog.services import NewEvent
from fatura.receivables import domain
from fatura.receivables.common import (
    approval_threshold,
    check,
    close_if_settled,
    event,
    invoice_lock,
    invoice_save,
    parse_amount,
    record,
    refresh,
    reopen,
    reopen_if_owed,
)
from fatura.receivables.models import (
    Adjustment,
    AdjustmentRequest,
    AdjustmentRequestStatus,
    CreditNote,
    Dispute,
    DisputeReason,
    DisputeResolution,
    Invoice,
    InvoiceStatus,
)
from fatura.receivables.numbering import ADJUSTMENTS, CREDIT_NOTES
from fatura.receivables.periods import business_moment, document_date, period_check

T = TypeVar("T")


def _reason(text: str, field: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(
            f"Informe o motivo ({field}).", errors=[{"field": field, "message": "obrigatório"}]
        )
    return text[:300]


def dispute_register(*, by: User, number: str, reason: str, amount: Any, note: str = "") -> Dispute:
    """The customer contests part of the invoice; dunning pauses while it is open."""
    by = require(by, Capability.LOG_COLLECTION)
    if reason not in DisputeReason.values:
        raise InvalidInput(
            f"Motivo de disputa inválido: {reason!r}. Use: {', '.join(DisputeReason.values)}.",
            errors=[{"field": "reason", "message": "inválido"}],
        )
    value = parse_amount(amount, "amount")
    now = clock.now()
    with transaction.atomic():
        invoice = invoice_lock(number)
        check(invoice, "dispute")
        if value > invoice.balance:
            raise InvalidInput(
                f"O valor contestado ({format_brl(value)}) passa do saldo em aberto da fatura "
                f"{invoice.number} ({format_brl(invoice.balance)}).",
                errors=[{"field": "amount", "message": "maior que o saldo"}],
            )
        dispute = Dispute.objects.create(
            invoice=invoice,
            reason=reason,
            amount=value,
            note=(note or "")[:300],
            opened_by=by,
            opened_at=now,
        )
        invoice.status = InvoiceStatus.DISPUTED
        invoice.open_disputes += 1
        invoice_save(invoice)
        record(
            event(
                invoice,
                activities.DISPUTE_REGISTERED,
                by=by,
                now=now,
                dispute_id=dispute.pk,
                dispute_reason=reason,
                dispute_amount=value,
            )
        )
    return dispute


def _dated(invoice: Invoice, date: dt.date | None, now: dt.datetime) -> dt.date:
    """The correction's document date (default today): not before the invoice's issue date,
    not in the future, not in a closed month."""
    day = document_date(
        date, now=now, not_before=invoice.issue_date, before_what=f"à emissão de {invoice.number}"
    )
    period_check(date=day)
    return day


def _credit_note(
    invoice: Invoice,
    amount: Decimal,
    reason: str,
    by: Actor,
    now: dt.datetime,
    dispute: Dispute | None = None,
    *,
    date: dt.date | None = None,
) -> tuple[CreditNote, NewEvent]:
    """Lower what is owed. Above the open balance (already paid) the excess is the customer's
    credit and the invoice is overpaid; never more than the invoice is still worth."""
    day = _dated(invoice, date, now)
    worth = invoice.total_charged - invoice.amount_credited + invoice.amount_debited
    worth -= invoice.amount_discounted + invoice.amount_written_off + invoice.amount_withheld
    if amount > worth:
        raise InvalidInput(
            f"A nota de crédito ({format_brl(amount)}) passa do valor da fatura "
            f"{invoice.number} ({format_brl(worth)}).",
            errors=[{"field": "amount", "message": "maior que o valor da fatura"}],
        )
    excess = max(Decimal("0.00"), amount - invoice.balance)
    note = CreditNote.objects.create(
        number=CREDIT_NOTES.format(CREDIT_NOTES.take()),
        invoice=invoice,
        amount=amount,
        excess=excess,
        reason=reason,
        date=day,
        dispute=dispute,
        created_by=by,
        created_at=now,
    )
    invoice.amount_credited += amount - excess
    invoice.amount_overpaid += excess
    refresh(invoice)
    return note, event(
        invoice,
        activities.CREDIT_NOTE_ISSUED,
        by=by,
        now=business_moment(day, now),
        entered_at=now,
        credit_note=note.number,
        credit_amount=amount,
        customer_credit=excess,
    )


def _adjustment(
    invoice: Invoice,
    amount: Decimal,
    reason: str,
    by: Actor,
    now: dt.datetime,
    dispute: Dispute | None = None,
    *,
    date: dt.date | None = None,
) -> tuple[Adjustment, NewEvent]:
    day = _dated(invoice, date, now)
    if amount < 0 and -amount > invoice.balance:
        raise InvalidInput(
            f"O ajuste a crédito ({format_brl(amount)}) passa do saldo em aberto da fatura "
            f"{invoice.number} ({format_brl(invoice.balance)}); use uma nota de crédito.",
            errors=[{"field": "amount", "message": "maior que o saldo"}],
        )
    adjustment = Adjustment.objects.create(
        number=ADJUSTMENTS.format(ADJUSTMENTS.take()),
        invoice=invoice,
        amount=amount,
        reason=reason,
        date=day,
        dispute=dispute,
        created_by=by,
        created_at=now,
    )
    if amount > 0:
        invoice.amount_debited += amount
    else:
        invoice.amount_credited += -amount
    refresh(invoice)
    return adjustment, event(
        invoice,
        activities.INVOICE_ADJUSTED,
        by=by,
        now=business_moment(day, now),
        entered_at=now,
        adjustment=adjustment.number,
        adjustment_amount=amount,
    )


def _issue(
    invoice: Invoice,
    by: User,
    now: dt.datetime,
    issue: Callable[[Invoice, dt.datetime], tuple[T, NewEvent]],
    *before: NewEvent,
) -> T:
    """On the locked invoice: issue the correction document, reopen or close the invoice as its
    balance now says, save and record (``before`` first)."""
    document, issued = issue(invoice, now)
    closing = reopen_if_owed(invoice, now)
    closing += close_if_settled(invoice, by=by, now=now, automated=False)
    invoice_save(invoice)
    record(*before, issued, *closing)
    return document


def _correct(
    number: str, action: str, by: User, issue: Callable[[Invoice, dt.datetime], tuple[T, NewEvent]]
) -> T:
    """Lock, check the action, issue the correction document, reopen or close the invoice as
    its balance now says, and record it all in one transaction."""
    now = clock.now()
    with transaction.atomic():
        invoice = invoice_lock(number)
        check(invoice, action)
        return _issue(invoice, by, now, issue)


def credit_note_issue(
    *, by: User, number: str, amount: Any, reason: str, date: dt.date | None = None
) -> CreditNote:
    """A credit note dated ``date`` (default today; see ``periods.document_date``)."""
    by = require(by, Capability.MANAGE_INVOICES)
    value = parse_amount(amount, "amount")
    reason = _reason(reason)
    return _correct(
        number,
        "credit-note",
        by,
        lambda invoice, now: _credit_note(invoice, value, reason, by, now, date=date),
    )


def invoice_adjust(
    *, by: User, number: str, amount: Any, reason: str, date: dt.date | None = None
) -> Adjustment | AdjustmentRequest:
    """Signed: positive raises what is owed (debit), negative lowers it (credit). A debit that
    takes the invoice's total above the approval threshold does not take effect: it waits,
    as an ``AdjustmentRequest``, for another Financeiro user (``invoice_adjustment_approve``
    or ``_reject``). While one waits, the invoice takes no other adjustment. ``date``: the
    adjustment's document date (default today), kept by a waiting request."""
    by = require(by, Capability.MANAGE_INVOICES)
    value = parse_amount(amount, "amount", allow_negative=True)
    reason = _reason(reason)
    now = clock.now()
    with transaction.atomic():
        invoice = invoice_lock(number)
        check(invoice, "adjust")
        waiting = _pending_adjustment(invoice)
        if waiting is not None:
            raise RuleViolation(
                f"A fatura {invoice.number} tem um ajuste de {format_brl(waiting.amount)} "
                "aguardando aprovação: aprove-o ou rejeite-o antes de outro ajuste."
            )
        if domain.debit_needs_approval(
            total_charged=invoice.total_charged,
            credited=invoice.amount_credited,
            debited=invoice.amount_debited,
            amount=value,
            threshold=approval_threshold(),
        ):
            request = AdjustmentRequest.objects.create(
                invoice=invoice,
                amount=value,
                reason=reason,
                date=_dated(invoice, date, now),
                requested_by=by,
                requested_at=now,
            )
            record(
                event(
                    invoice,
                    activities.ADJUSTMENT_SENT_FOR_APPROVAL,
                    by=by,
                    now=now,
                    adjustment_request=request.pk,
                    adjustment_amount=value,
                    reason=reason,
                )
            )
            return request
        return _issue(
            invoice, by, now, lambda i, at: _adjustment(i, value, reason, by, at, date=date)
        )


def _pending_adjustment(invoice: Invoice) -> AdjustmentRequest | None:
    return (
        AdjustmentRequest.objects.select_for_update()
        .filter(invoice=invoice, status=AdjustmentRequestStatus.PENDING)
        .first()
    )


def _decide(invoice: Invoice, by: User, verb: str) -> AdjustmentRequest:
    """The invoice's waiting adjustment, which ``by`` may decide: not the one who asked."""
    request = _pending_adjustment(invoice)
    if request is None:
        raise RuleViolation(f"A fatura {invoice.number} não tem ajuste aguardando aprovação.")
    if request.requested_by_id == by.pk:
        raise Forbidden(
            f"O ajuste de {format_brl(request.amount)} na fatura {invoice.number} foi pedido "
            f"por você; {verb} deve vir de outro usuário do Financeiro."
        )
    return request


def invoice_adjustment_approve(*, by: User, number: str) -> Adjustment:
    """Another Financeiro user approves the waiting debit: it takes effect now (the
    ``Adjustment`` with its number, the amounts, the balance), in one transaction."""
    by = require(by, Capability.APPROVE_INVOICES)
    now = clock.now()
    with transaction.atomic():
        invoice = invoice_lock(number)
        request = _decide(invoice, by, "a aprovação")
        check(invoice, "adjust")  # the invoice may have moved on (closed, written off)
        approved = event(
            invoice,
            activities.ADJUSTMENT_APPROVED,
            by=by,
            now=now,
            adjustment_request=request.pk,
            adjustment_amount=request.amount,
        )
        adjustment = _issue(
            invoice,
            by,
            now,
            lambda i, at: _adjustment(
                i, request.amount, request.reason, request.requested_by, at, date=request.date
            ),
            approved,
        )
        request.status = AdjustmentRequestStatus.APPROVED
        request.decided_by = by
        request.decided_at = now
        request.adjustment = adjustment
        request.save()
    return adjustment


def invoice_adjustment_reject(*, by: User, number: str, reason: str) -> AdjustmentRequest:
    """Another Financeiro user rejects the waiting debit: nothing of it takes effect."""
    by = require(by, Capability.APPROVE_INVOICES)
    reason = _reason(reason)
    now = clock.now()
    with transaction.atomic():
        invoice = invoice_lock(number)
        request = _decide(invoice, by, "a rejeição")
        request.status = AdjustmentRequestStatus.REJECTED
        request.decided_by = by
        request.decided_at = now
        request.decision_reason = reason
        request.save()
        record(
            event(
                invoice,
                activities.ADJUSTMENT_REJECTED,
                by=by,
                now=now,
                adjustment_request=request.pk,
                adjustment_amount=request.amount,
                reason=reason,
            )
        )
    return request


def dispute_resolve(
    *,
    by: User,
    number: str,
    resolution: str,
    dispute_id: int | None = None,
    amount: Any = None,
    note: str = "",
) -> Dispute:
    """Resolve the open dispute (the oldest, or ``dispute_id``): by a credit note or a credit
    adjustment (default: the disputed amount), or rejected. Dunning resumes when none is
    left open."""
    by = require(by, Capability.MANAGE_INVOICES)
    if resolution not in DisputeResolution.values:
        raise InvalidInput(
            f"Resolução inválida: {resolution!r}. Use: {', '.join(DisputeResolution.values)}.",
            errors=[{"field": "resolution", "message": "inválida"}],
        )
    now = clock.now()
    with transaction.atomic():
        invoice = invoice_lock(number)
        check(invoice, "resolve-dispute")
        disputes = Dispute.objects.select_for_update().filter(
            invoice=invoice, resolved_at__isnull=True
        )
        if dispute_id is not None:
            disputes = disputes.filter(pk=dispute_id)
        dispute = disputes.order_by("opened_at", "pk").first()
        if dispute is None:
            raise InvalidInput(
                f"Não há disputa aberta {dispute_id or ''} na fatura {invoice.number}.",
                errors=[{"field": "dispute_id", "message": "não encontrada"}],
            )
        value = dispute.amount if amount in (None, "") else parse_amount(amount, "amount")
        events: list[NewEvent] = []
        text = (note or "").strip() or f"Resolução da disputa {dispute.pk}"
        if resolution == DisputeResolution.CREDIT_NOTE:
            events.append(_credit_note(invoice, value, text, by, now, dispute)[1])
        elif resolution == DisputeResolution.ADJUSTMENT:
            events.append(_adjustment(invoice, -value, text, by, now, dispute)[1])
        dispute.resolution = resolution
        dispute.resolved_by = by
        dispute.resolved_at = now
        dispute.save()
        invoice.open_disputes -= 1
        reopened = reopen(invoice, now) if invoice.open_disputes == 0 else []
        events.append(
            event(
                invoice,
                activities.DISPUTE_RESOLVED,
                by=by,
                now=now,
                dispute_id=dispute.pk,
                dispute_reason=dispute.reason,
                dispute_resolution=resolution,
            )
        )
        events.extend(reopened)
        events.extend(close_if_settled(invoice, by=by, now=now, automated=False))
        invoice_save(invoice)
        record(*events)
    return dispute


def invoice_write_off(
    *, by: User, number: str, reason: str, date: dt.date | None = None
) -> Invoice:
    """Write off what is still owed (Financeiro only): the invoice closes as written off, as of
    ``date`` (the write-off's document date, default today)."""
    by = require(by, Capability.WRITE_OFF)
    reason = _reason(reason)
    now = clock.now()
    with transaction.atomic():
        invoice = invoice_lock(number)
        check(invoice, "write-off")
        day = _dated(invoice, date, now)
        written = invoice.balance
        invoice.amount_written_off += written
        refresh(invoice)
        invoice.status = InvoiceStatus.WRITTEN_OFF
        invoice.closed_at = now
        invoice.written_off_on = day
        Dispute.objects.filter(invoice=invoice, resolved_at__isnull=True).update(
            resolution=DisputeResolution.REJECTED, resolved_by=by, resolved_at=now
        )
        invoice.open_disputes = 0
        invoice_save(invoice)
        record(
            event(
                invoice,
                activities.INVOICE_WRITTEN_OFF,
                by=by,
                now=business_moment(day, now),
                entered_at=now,
                written_off=written,
                reason=reason,
            )
        )
    return invoice
