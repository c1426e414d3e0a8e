"""Payments: received, posted, applied to one or many invoices (partly or fully), the rest
kept as customer credit to apply later, early-payment discounts, reversal of a bounced one.

Concurrency: every write locks the payment and then its invoices in id order, so requests
applying payments to the same invoices queue up instead of over-applying or deadlocking.
A repeated ``idempotency_key`` returns the first payment, never a second one; with another body
(customer, amount, allocations...) it is refused, naming the key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from fatura.core import clock
from fatura.core.compiled import CompiledRead
from fatura.core.errors import InvalidInput, NotFound, RuleViolation
from fatura.core.money import format_brl
from fatura.core.roles import Capability, require
from fatura.core.users import Actor, User
from fatura.customers.models import Customer
from fatura.eventlog import activities
from fatura.eventlog.services import NewEvent
from fatura.receivables import domain, late_charges
from fatura.receivables.common import (
    check,
    close_if_settled,
    day_start,
    event,
    invoice_save,
    invoices_lock,
    parse_amount,
    record,
    refresh,
    reopen_if_owed,
)
from fatura.receivables.models import Allocation, Invoice, InvoiceStatus, Payment, PaymentMethod
from fatura.receivables.periods import business_moment, document_date, period_check


@dataclass(frozen=True)
class AllocationIn:
    invoice_number: str
    amount: Decimal


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    created: bool  # False: the idempotency key had been used; this is the first payment


def parse_allocations(raw: list[dict[str, Any]] | None) -> list[AllocationIn]:
    allocations: list[AllocationIn] = []
    seen: set[str] = set()
    for position, item in enumerate(raw or [], start=1):
        number = str(item.get("invoice_number") or "").strip()
        if not number:
            raise InvalidInput(
                f"Alocação {position}: informe invoice_number.",
                errors=[{"line": position, "field": "invoice_number", "message": "obrigatório"}],
            )
        if number in seen:
            raise InvalidInput(
                f"Alocação {position}: a fatura {number} aparece mais de uma vez.",
                errors=[{"line": position, "field": "invoice_number", "message": "repetida"}],
            )
        seen.add(number)
        allocations.append(
            AllocationIn(
                number, parse_amount(item.get("amount"), f"allocations[{position}].amount")
            )
        )
    return allocations


def _received_moment(received_at: dt.date, now: dt.datetime) -> dt.datetime:
    return now if received_at >= clock.localdate(now) else day_start(received_at)


def _apply(
    payment: Payment,
    allocations: list[AllocationIn],
    *,
    by: Actor,
    now: dt.datetime,
    received_event: bool,
    applied_to: list[Invoice] | None = None,
    received_attributes: dict[str, Any] | None = None,
) -> list[NewEvent]:
    """Apply parts of a locked payment to invoices (locked here, in id order); the invoices
    are added to ``applied_to`` when given."""
    total = sum((a.amount for a in allocations), Decimal(0))
    if total > payment.unapplied:
        raise InvalidInput(
            f"As alocações somam {format_brl(total)}, mais do que o pagamento tem disponível "
            f"({format_brl(payment.unapplied)}).",
            errors=[{"field": "allocations", "message": "soma maior que o pagamento"}],
        )
    invoices = invoices_lock(a.invoice_number for a in allocations)
    # An allocation counts from the later of the receipt and the invoice's issue (the ledger's
    # rule): one issued in a later month than the receipt is an entry of that month.
    period_check(
        allocations=[i.issue_date for i in invoices.values() if i.issue_date > payment.received_at]
    )
    events: list[NewEvent] = []
    for position, wanted in enumerate(allocations, start=1):
        invoice = invoices[wanted.invoice_number]
        if invoice.customer_id != payment.customer_id:
            raise InvalidInput(
                f"A fatura {invoice.number} é de outro cliente.",
                errors=[{"line": position, "field": "invoice_number", "message": "outro cliente"}],
            )
        check(invoice, "apply-payment")
        if invoice.kind == "proforma":
            raise RuleViolation(f"{invoice.number} é uma proforma: não recebe pagamentos.")
        if wanted.amount > invoice.balance:
            raise InvalidInput(
                f"Alocação {position}: {format_brl(wanted.amount)} passa do saldo da fatura "
                f"{invoice.number} ({format_brl(invoice.balance)}).",
                errors=[{"line": position, "field": "amount", "message": "maior que o saldo"}],
            )
        earned = domain.early_discount(
            total=invoice.total_charged,
            # once per invoice, and not while a dispute is open (the disputed part is not
            # "settled early": the dispute decides it)
            percent=Decimal(0)
            if invoice.amount_discounted or invoice.open_disputes
            else _discount_percent(invoice),
            until=invoice.discount_until,
            paid_on=payment.received_at,
        )
        # The discount is granted when this payment settles the rest (e.g. 98 for 100).
        short = invoice.balance - wanted.amount
        discount = short if 0 < short <= earned else Decimal("0.00")
        principal_before = late_charges.principal_open(invoice)
        allocation = Allocation.objects.create(
            payment=payment,
            invoice=invoice,
            amount=wanted.amount,
            discount=discount,
            applied_at=now,
            applied_by=by,
        )
        invoice.amount_applied += wanted.amount
        invoice.amount_discounted += discount
        refresh(invoice)
        common = {
            "payment_id": payment.pk,
            "payment_method": payment.method,
            "payment_amount": payment.amount,
            "payment_reference": payment.reference,
        }
        if received_event:
            events.append(
                event(
                    invoice,
                    activities.PAYMENT_RECEIVED,
                    by=by,
                    now=max(_received_moment(payment.received_at, now), invoice.created_at),
                    received_at=payment.received_at,
                    **common,
                    **(received_attributes or {}),
                )
            )
        events.append(
            event(
                invoice,
                activities.PAYMENT_APPLIED,
                by=by,
                now=now,
                applied_amount=wanted.amount,
                discount=discount,
                **common,
            )
        )
        events += late_charges.late_charges_on_payment(
            invoice,
            allocation,
            principal_before=principal_before,
            by=by,
            now=now,
            at=events[-1].timestamp or now,  # right after "Payment Applied to Invoice"
        )
        events.extend(close_if_settled(invoice, by=by, now=now, automated=False))
        invoice_save(invoice)
        if applied_to is not None:
            applied_to.append(invoice)
    payment.applied += total
    payment.save(update_fields=["applied"])
    return events


def _discount_percent(invoice: Invoice) -> Decimal:
    """What the invoice's terms granted when it was issued (``Invoice.discount_percent``)."""
    return invoice.discount_percent


def payment_record(
    *,
    by: User,
    customer: Customer,
    amount: Any,
    received_at: dt.date,
    method: str,
    reference: str = "",
    idempotency_key: str | None = None,
    allocations: list[dict[str, Any]] | None = None,
    posted_at: dt.date | None = None,
    received_attributes: dict[str, Any] | None = None,
) -> PaymentResult:
    """``received_attributes``: more attributes of the Payment Received events (a bank file's
    ``source`` and ``bank_entry_id``)."""
    by = require(by, Capability.RECORD_PAYMENTS)
    key = (idempotency_key or "").strip() or None
    value = parse_amount(amount, "amount")
    if method not in PaymentMethod.values:
        raise InvalidInput(
            f"Forma de pagamento inválida: {method!r}. Use: {', '.join(PaymentMethod.values)}.",
            errors=[{"field": "method", "message": "inválida"}],
        )
    if posted_at is not None and posted_at < received_at:
        raise InvalidInput(
            "A data contábil não pode ser anterior ao recebimento.",
            errors=[{"field": "posted_at", "message": "antes do recebimento"}],
        )
    wanted = parse_allocations(allocations)
    reference = (reference or "")[:80]
    asked = domain.payment_request(
        customer_id=customer.pk,
        amount=value,
        received_at=received_at,
        method=method,
        reference=reference,
        allocations=[(a.invoice_number, a.amount) for a in wanted],
        posted_at=posted_at,
    )
    if key:
        first = Payment.objects.filter(idempotency_key=key).first()
        if first is not None:
            return _replayed(first, key, asked)
    now = clock.now()
    try:
        with transaction.atomic():
            period_check(received_at=received_at, posted_at=posted_at)
            payment = Payment.objects.create(
                customer=customer,
                amount=value,
                received_at=received_at,
                method=method,
                reference=reference,
                idempotency_key=key,
                idempotency_request=asked if key else {},
                created_by=by,
                created_at=now,
                posted_at=posted_at,  # its events are written below, with the receipt's
            )
            applied_to: list[Invoice] = []
            events = _apply(
                payment,
                wanted,
                by=by,
                now=now,
                received_event=True,
                applied_to=applied_to,
                received_attributes=received_attributes,
            )
            if not wanted:  # nothing applied yet: the receipt is the customer's case
                events.append(_payment_event(payment, activities.PAYMENT_RECEIVED, by, now))
            if posted_at is not None:  # the new payment's invoices are the ones just applied
                applied_to.sort(key=lambda i: -i.sequence)  # Invoice's ordering
                events += _post(payment, posted_at, by=by, now=now, invoices=applied_to, saved=True)
            record(*events)
    except IntegrityError:
        if key:  # the same key committed by a concurrent request first
            first = Payment.objects.filter(idempotency_key=key).first()
            if first is not None:
                return _replayed(first, key, asked)
        raise
    return PaymentResult(payment, created=True)


def _replayed(first: Payment, key: str, asked: dict[str, Any]) -> PaymentResult:
    """A retry answers with the first payment; the same key with another body is a 409 naming
    the key (Stripe's rule), not the first payment passed off as this one. Payments recorded
    before the request was kept (``{}``) answer as before."""
    differs = domain.request_differences(first.idempotency_request, asked)
    if differs:
        raise RuleViolation(
            f"A chave de idempotência {key!r} já foi usada no pagamento {first.pk}, com outro "
            f"conteúdo ({', '.join(differs)}). Use uma chave nova para outro pagamento.",
            errors=[
                {
                    "field": "idempotency_key",
                    "message": f"já usada com outro conteúdo: {', '.join(differs)}",
                }
            ],
        )
    return PaymentResult(first, created=False)


def _payment_event(
    payment: Payment, activity: str, by: User, now: dt.datetime, day: dt.date | None = None
) -> NewEvent:
    """An event on the payment's own case, dated ``day`` (default: its receipt)."""
    return NewEvent(
        case_id=f"payment:{payment.pk}",
        activity=activity,
        user=by,
        timestamp=business_moment(day or payment.received_at, now),
        attributes={
            "entered_at": now,
            "payment_id": payment.pk,
            "customer_id": payment.customer_id,
            "payment_method": payment.method,
            "payment_amount": payment.amount,
            "currency": "BRL",
        },
    )


# Built once (core.compiled): every posting, application and reversal reads these.
_PAYMENT: CompiledRead[Payment] = CompiledRead(
    lambda pk: Payment.objects.select_for_update().filter(pk=pk)
)
_APPLIED_TO: CompiledRead[Invoice] = CompiledRead(
    lambda pk: (
        Invoice.objects.filter(allocations__payment=pk)
        .select_related("customer", "customer__collector")
        .distinct()
    )
)


def payment_lock(payment_id: int) -> Payment:
    found = _PAYMENT.fetch(int(payment_id))
    if not found:
        raise NotFound(f"Pagamento {payment_id} não encontrado.")
    return found[0]


def payment_apply(*, by: User, payment_id: int, allocations: list[dict[str, Any]]) -> Payment:
    """Apply the customer credit left on a payment to invoices."""
    by = require(by, Capability.RECORD_PAYMENTS)
    wanted = parse_allocations(allocations)
    if not wanted:
        raise InvalidInput(
            "Informe ao menos uma alocação.", errors=[{"field": "allocations", "message": "vazio"}]
        )
    now = clock.now()
    with transaction.atomic():
        payment = payment_lock(payment_id)
        if payment.is_reversed:
            raise RuleViolation(f"O pagamento {payment.pk} foi estornado.")
        record(*_apply(payment, wanted, by=by, now=now, received_event=True))
    return payment


def _post(
    payment: Payment,
    posted_at: dt.date,
    *,
    by: User,
    now: dt.datetime,
    invoices: list[Invoice] | None = None,
    saved: bool = False,
) -> list[NewEvent]:
    """Post the payment; returns its events (to record). ``invoices``: the ones it is applied
    to, when the caller has them (read here otherwise); ``saved``: the payment was inserted
    with its posting date."""
    payment.posted_at = posted_at
    if not saved:
        payment.save(update_fields=["posted_at"])
    moment = now if posted_at >= clock.localdate(now) else day_start(posted_at)
    if invoices is None:
        invoices = _APPLIED_TO.fetch(payment.pk)
    events = [
        event(
            invoice,
            activities.PAYMENT_POSTED,
            by=by,
            now=moment,
            payment_id=payment.pk,
            posted_at=posted_at,
            posting_lag_days=(posted_at - payment.received_at).days,
        )
        for invoice in invoices
    ]
    return events or [_payment_event(payment, activities.PAYMENT_POSTED, by, now)]


def payment_post(*, by: User, payment_id: int, posted_at: dt.date) -> Payment:
    """Posting to the ledger (may be days after the receipt: that lag is a KPI)."""
    by = require(by, Capability.RECORD_PAYMENTS)
    now = clock.now()
    with transaction.atomic():
        payment = payment_lock(payment_id)
        if payment.posted_at is not None:
            raise RuleViolation(
                f"O pagamento {payment.pk} já foi contabilizado em {payment.posted_at:%d/%m/%Y}."
            )
        if posted_at < payment.received_at:
            raise InvalidInput(
                "A data contábil não pode ser anterior ao recebimento.",
                errors=[{"field": "posted_at", "message": "antes do recebimento"}],
            )
        period_check(posted_at=posted_at)
        record(*_post(payment, posted_at, by=by, now=now))
    return payment


def _excess_back_to_credit(invoice: Invoice, reversed_amount: Decimal) -> None:
    """A credit note's excess was customer credit only because payments had covered the
    invoice; when a payment bounces, that excess lowers the invoice's balance again (the
    latest notes first) instead of staying credit for money never received."""
    moved = min(invoice.amount_overpaid, reversed_amount)
    if moved <= 0:
        return
    invoice.amount_overpaid -= moved
    invoice.amount_credited += moved
    left = moved
    for note in invoice.credit_notes.filter(excess__gt=0).order_by("-pk"):
        take = min(note.excess, left)
        note.excess -= take
        note.save(update_fields=["excess"])
        left -= take
        if not left:
            break


def payment_reverse(
    *, by: User, payment_id: int, reason: str, date: dt.date | None = None
) -> Payment:
    """A bounced payment: every allocation is undone and closed invoices reopen. ``date``:
    the reversal's business date (default today; not before the receipt, not in the future,
    not in a closed month); the ledger counts the payment as undone from that day."""
    by = require(by, Capability.RECORD_PAYMENTS)
    reason = (reason or "").strip() or "estorno"
    now = clock.now()
    with transaction.atomic():
        payment = payment_lock(payment_id)
        if payment.is_reversed:
            raise RuleViolation(f"O pagamento {payment.pk} já foi estornado.")
        day = document_date(
            date, now=now, not_before=payment.received_at, before_what="ao recebimento"
        )
        period_check(date=day)
        moment = business_moment(day, now)
        active = list(payment.allocations.filter(reversed_at__isnull=True))
        invoices = invoices_lock(
            Invoice.objects.filter(pk__in=[a.invoice_id for a in active]).values_list(
                "number", flat=True
            )
        )
        by_id = {i.pk: i for i in invoices.values()}
        events: list[NewEvent] = []
        for allocation in active:
            invoice = by_id[allocation.invoice_id]
            invoice.amount_applied -= allocation.amount
            invoice.amount_discounted -= allocation.discount
            _excess_back_to_credit(invoice, allocation.amount)
            if invoice.status == InvoiceStatus.WRITTEN_OFF:
                # already a loss: what bounced adds to the write-off, nothing is owed again
                invoice.amount_written_off += allocation.amount + allocation.discount
            refresh(invoice)
            late = late_charges.late_charges_on_reversal(
                invoice, allocation, by=by, now=now, day=day, at=moment
            )
            reopened = reopen_if_owed(invoice, now)
            invoice_save(invoice)
            allocation.reversed_at = now
            allocation.save(update_fields=["reversed_at"])
            events.append(
                event(
                    invoice,
                    activities.PAYMENT_REVERSED,
                    by=by,
                    now=moment,
                    entered_at=now,
                    reversal_date=day,
                    payment_id=payment.pk,
                    reversed_amount=allocation.amount,
                    reason=reason[:200],
                )
            )
            events.extend(late)
            events.extend(reopened)
        payment.applied = Decimal("0.00")
        payment.reversed_at = now
        payment.reversal_date = day
        payment.reversal_reason = reason[:200]
        payment.save(update_fields=["applied", "reversed_at", "reversal_date", "reversal_reason"])
        record(*(events or [_payment_event(payment, activities.PAYMENT_REVERSED, by, now, day)]))
    return payment
