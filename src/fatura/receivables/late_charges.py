"""Late charges (multa e juros de mora) on what a customer pays after its due date.

Each customer has a fine percent (charged once) and a monthly interest percent (simple, pro
rata die over 30-day months); a customer without its own takes the settings' defaults
(``FATURA_LATE_FINE_PERCENT``, ``FATURA_LATE_INTEREST_MONTHLY_PERCENT``), which are 0: nothing
is charged unless someone says so. The arithmetic is ``domain.late_charges``.

- **Booked by the payment.** When a payment received after the due date of what it covers is
  applied, ``payments`` calls :func:`late_charges_on_payment` in the same transaction: one
  debit document (an ``Adjustment`` of kind ``late_charge``, AJ-… number, dated the day the
  money was received, linked to the allocation) for the part of the payment that covered
  principal, and a "Late Charges Applied" event with the fine, the interest and the days late.
  Payments cover the principal first, the late charges last (``domain.late_split``), so a
  payment that covers late charges bears none itself (no interest on interest). Late charges
  are contractual: they never wait for the approval threshold that manual debits do.
- **Waived** by Financeiro (:func:`late_charges_waive`): a credit (``late_charge_waiver``) of
  the open late charges, or part of them, with a reason; "Late Charges Waived".
- **Reversed** with the payment (:func:`late_charges_on_reversal`): a payment that bounces
  was never received late, so the late charges it booked are credited back
  (``late_charge_reversal``, at most what is still charged and not waived); "Late Charges
  Reversed". A reversal never books late charges. On a written-off invoice they stay in the
  loss, like the principal that bounced there.

``Invoice.amount_late_charged`` keeps the net (charged − waived − reversed); the documents are
also in ``amount_debited`` / ``amount_credited``, like any signed adjustment, so the balance and
the as-of ledger (which sums adjustments) need nothing of their own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from fatura.core import clock
from fatura.core.errors import InvalidInput, RuleViolation
from fatura.core.money import format_brl
from fatura.core.roles import Capability, require
from fatura.core.users import Actor, User
from fatura.customers.models import Customer
from fatura.eventlog import activities
from fatura.eventlog.services import NewEvent
from fatura.receivables import domain, installments
from fatura.receivables.common import (
    amounts_of,
    check,
    close_if_settled,
    event,
    invoice_lock,
    invoice_save,
    parse_amount,
    record,
    refresh,
)
from fatura.receivables.domain import LateCharges, LatePortion
from fatura.receivables.models import (
    Adjustment,
    AdjustmentKind,
    Allocation,
    Invoice,
    InvoiceStatus,
)
from fatura.receivables.numbering import ADJUSTMENTS
from fatura.receivables.periods import business_moment, document_date, period_check

ZERO = Decimal("0.00")


def late_rates(customer: Customer) -> tuple[Decimal, Decimal]:
    """(fine %, monthly interest %) of the customer, or the settings' defaults."""
    fine = customer.late_fine_percent
    interest = customer.late_interest_monthly_percent
    return (
        Decimal(str(settings.FATURA_LATE_FINE_PERCENT)) if fine is None else fine,
        Decimal(str(settings.FATURA_LATE_INTEREST_MONTHLY_PERCENT))
        if interest is None
        else interest,
    )


def late_open(invoice: Invoice) -> Decimal:
    """The late charges still owed on the invoice (not paid, waived or reversed)."""
    return domain.late_split(balance=invoice.balance, late_net=invoice.amount_late_charged)[1]


def principal_open(invoice: Invoice) -> Decimal:
    return domain.late_split(balance=invoice.balance, late_net=invoice.amount_late_charged)[0]


def _covered(invoice: Invoice, *, before: Decimal, covered: Decimal) -> list[LatePortion]:
    """The principal an allocation covered (``covered`` of the ``before`` that was open), by
    the due date it was owed since: the installments it settled, oldest first
    (``installments.installments_covered``; one installment: the invoice's due date)."""
    if covered <= 0:
        return []
    parts = installments.installments_covered(
        invoice, balance_before=before, balance_after=before - covered
    )
    return [LatePortion(part.balance, part.due_date) for part in parts]


def _open_principal_by_due_date(invoice: Invoice) -> list[LatePortion]:
    """The invoice's open principal by installment due date, oldest first: the installments'
    balances spread over the principal only (late charges are the invoice's, not theirs)."""
    principal = principal_open(invoice)
    if principal <= 0:
        return []
    owed = installments.balances(installments.schedule_of(invoice), principal)
    return [LatePortion(part.balance, part.due_date) for part in owed if part.balance > 0]


def due_if_paid_on(invoice: Invoice, day: dt.date) -> Decimal:
    """What settles the invoice if paid in full on ``day``: its balance plus the late charges
    that paying its overdue principal then would book (needs ``invoice.customer``)."""
    if invoice.status not in domain.RECEIVABLE or invoice.balance <= 0:
        return invoice.balance
    fine, interest = late_rates(invoice.customer)
    if not fine and not interest:
        return invoice.balance
    return domain.due_if_paid(
        balance=invoice.balance,
        late_net=invoice.amount_late_charged,
        due_dates=_open_principal_by_due_date(invoice),
        on=day,
        fine_percent=fine,
        interest_monthly_percent=interest,
    )


def due_if_paid_today(invoice: Invoice) -> Decimal:
    return due_if_paid_on(invoice, clock.today())


def _document(
    invoice: Invoice,
    amount: Decimal,
    kind: str,
    reason: str,
    *,
    by: Actor,
    now: dt.datetime,
    day: dt.date,
    allocation: Allocation | None = None,
) -> Adjustment:
    """A late-charge adjustment (signed: + debit, − credit), its amounts on the invoice."""
    adjustment = Adjustment.objects.create(
        number=ADJUSTMENTS.format(ADJUSTMENTS.take()),
        invoice=invoice,
        amount=amount,
        reason=reason[:300],
        date=day,
        created_by=by,
        created_at=now,
        kind=kind,
        allocation=allocation,
    )
    if amount > 0:
        invoice.amount_debited += amount
    else:
        invoice.amount_credited += -amount
    invoice.amount_late_charged += amount
    return adjustment


def _reason(charges: LateCharges) -> str:
    return (
        f"Multa {format_brl(charges.fine)} + juros {format_brl(charges.interest)} sobre "
        f"{format_brl(charges.base)} pago com {charges.days_late} dia(s) de atraso"
    )


def late_charges_on_payment(
    invoice: Invoice,
    allocation: Allocation,
    *,
    principal_before: Decimal,
    by: Actor,
    now: dt.datetime,
    at: dt.datetime,
) -> list[NewEvent]:
    """Book the late charges of an allocation just applied to the locked ``invoice`` (its
    amounts already include it): on the principal it covered (``principal_before`` was open
    before it), if its payment was received after the due date. Returns the event ("Late
    Charges Applied", timestamp ``at``) or nothing; the caller refreshes and saves."""
    received = allocation.payment.received_at
    principal = min(allocation.amount, max(ZERO, principal_before))
    fine_percent, interest_percent = late_rates(invoice.customer)
    if principal <= 0 or (not fine_percent and not interest_percent):
        return []
    charges = domain.late_charges(
        _covered(invoice, before=principal_before, covered=principal),
        paid_on=received,
        fine_percent=fine_percent,
        interest_monthly_percent=interest_percent,
    )
    if charges.total <= 0:
        return []
    adjustment = _document(
        invoice,
        charges.total,
        AdjustmentKind.LATE_CHARGE,
        _reason(charges),
        by=by,
        now=now,
        day=received,
        allocation=allocation,
    )
    refresh(invoice)
    return [
        event(
            invoice,
            activities.LATE_CHARGES_APPLIED,
            by=by,
            now=at,
            adjustment=adjustment.number,
            payment_id=allocation.payment_id,
            late_base=charges.base,
            late_fine=charges.fine,
            late_interest=charges.interest,
            late_charges=charges.total,
            days_late=charges.days_late,
            late_fine_percent=fine_percent,
            late_interest_monthly_percent=interest_percent,
            received_at=received,
            entered_at=now,
        )
    ]


def late_charges_on_reversal(
    invoice: Invoice,
    allocation: Allocation,
    *,
    by: Actor,
    now: dt.datetime,
    day: dt.date,
    at: dt.datetime,
) -> list[NewEvent]:
    """The allocation's payment bounced: credit back the late charges it booked (at most what
    is still charged and never below a zero balance). A written-off invoice keeps them: what
    bounced there adds to the loss, as the principal does. Call with the reversal's amounts
    already on ``invoice``; the caller saves."""
    if invoice.amount_late_charged <= 0 or invoice.status == InvoiceStatus.WRITTEN_OFF:
        return []
    booked = sum(
        (
            a.amount
            for a in Adjustment.objects.filter(
                allocation=allocation, kind=AdjustmentKind.LATE_CHARGE
            )
        ),
        ZERO,
    )
    amount = min(booked, invoice.amount_late_charged, amounts_of(invoice).balance)
    if amount <= 0:
        return []
    adjustment = _document(
        invoice,
        -amount,
        AdjustmentKind.LATE_CHARGE_REVERSAL,
        f"Estorno dos encargos por atraso do pagamento {allocation.payment_id}",
        by=by,
        now=now,
        day=day,
        allocation=allocation,
    )
    refresh(invoice)
    return [
        event(
            invoice,
            activities.LATE_CHARGES_REVERSED,
            by=by,
            now=at,
            entered_at=now,
            reversal_date=day,
            adjustment=adjustment.number,
            payment_id=allocation.payment_id,
            late_charges=-amount,
        )
    ]


def late_charges_waive(
    *, by: User, number: str, reason: str, amount: Any = None, date: dt.date | None = None
) -> Adjustment:
    """Financeiro waives the invoice's open late charges (all of them, or ``amount``): a
    credit with the reason, dated ``date`` (default today; see ``periods.document_date``),
    "Late Charges Waived"; the invoice closes if nothing is left."""
    by = require(by, Capability.MANAGE_INVOICES)
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(
            "Informe o motivo (reason).", errors=[{"field": "reason", "message": "obrigatório"}]
        )
    wanted = None if amount in (None, "") else parse_amount(amount, "amount")
    now = clock.now()
    with transaction.atomic():
        invoice = invoice_lock(number)
        check(invoice, "adjust")
        day = document_date(
            date, now=now, not_before=invoice.issue_date, before_what="à emissão da fatura"
        )
        period_check(date=day)
        open_ = late_open(invoice)
        if open_ <= 0:
            raise RuleViolation(f"A fatura {invoice.number} não tem encargos por atraso em aberto.")
        value = open_ if wanted is None else wanted
        if value > open_:
            raise InvalidInput(
                f"A dispensa ({format_brl(value)}) passa dos encargos por atraso em aberto da "
                f"fatura {invoice.number} ({format_brl(open_)}).",
                errors=[{"field": "amount", "message": "maior que os encargos em aberto"}],
            )
        adjustment = _document(
            invoice,
            -value,
            AdjustmentKind.LATE_CHARGE_WAIVER,
            text,
            by=by,
            now=now,
            day=day,
        )
        refresh(invoice)
        at = business_moment(day, now)
        waived = event(
            invoice,
            activities.LATE_CHARGES_WAIVED,
            by=by,
            now=at,
            entered_at=now,
            adjustment=adjustment.number,
            late_charges=-value,
            waived_amount=value,
            reason=text[:300],
        )
        closing = close_if_settled(invoice, by=by, now=now, automated=False)
        invoice_save(invoice)
        record(waived, *closing)
    return adjustment
