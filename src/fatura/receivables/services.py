"""The invoice's document lifecycle: create (simple, recurring, proforma), complete, approval,
send, due date passed, and converting a proforma. Each change and its event in one
transaction; an action the state does not allow is a 409 naming the state and what is
allowed. Corrections live in ``corrections``, payments in ``payments``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from fatura.core import clock
from fatura.core.errors import Forbidden, InvalidInput
from fatura.core.roles import Capability, require
from fatura.core.users import User
from fatura.customers.models import Customer
from fatura.customers.terms import payment_term_rule
from fatura.eventlog import activities
from fatura.eventlog.services import NewEvent
from fatura.receivables.common import (
    check,
    close_if_settled,
    day_start,
    event,
    invoice_lock,
    invoice_save,
    invoices_lock,
    record,
)
from fatura.receivables.delivery import (
    deliveries_after_commit,
    delivery_requeue,
    invoice_send_by,
)
from fatura.receivables.installments import Slot, balances, schedules
from fatura.receivables.issue import LineIn, invoice_build, parse_lines
from fatura.receivables.models import Invoice, InvoiceKind, InvoiceStatus


def invoice_create(
    *,
    by: User,
    customer: Customer,
    kind: str,
    issue_date: dt.date,
    payment_terms: str | None,
    lines: list[dict[str, Any]],
    recurrence: dict[str, Any] | None = None,
    description: str = "",
) -> Invoice:
    """A direct invoice in draft: simple, proforma, or the first period of a recurring one."""
    by = require(by, Capability.MANAGE_INVOICES)
    if kind not in {InvoiceKind.SIMPLE, InvoiceKind.RECURRING, InvoiceKind.PROFORMA}:
        raise InvalidInput(
            f"Tipo de fatura inválido: {kind!r}. Use simple, recurring ou proforma.",
            errors=[{"field": "kind", "message": "inválido"}],
        )
    if (kind == InvoiceKind.RECURRING) != bool(recurrence):
        raise InvalidInput(
            "Faturas recorrentes precisam de 'recurrence' (e só elas).",
            errors=[{"field": "recurrence", "message": "obrigatório só para recorrentes"}],
        )
    rule = payment_term_rule(payment_terms or customer.payment_terms)  # 422 unless active
    terms = rule.code
    parsed = parse_lines(lines)
    now = clock.now()
    with transaction.atomic():
        template = None
        if recurrence:
            from fatura.receivables.recurring import recurring_template_create

            template = recurring_template_create(
                by=by,
                customer=customer,
                description=description or parsed[0].description,
                frequency=str(recurrence.get("frequency", "")),
                start=issue_date,
                end=recurrence.get("end"),
                payment_terms=terms,
                lines=lines,
                now=now,
            )
        invoice = invoice_build(
            by=by,
            customer=customer,
            kind=kind,
            issue_date=issue_date,
            payment_terms=terms,
            lines=parsed,
            description=description,
            now=now,
            terms_rule=rule,
        )
        if template is not None:
            invoice.recurring_template = template
            invoice.recurring_period = issue_date
            invoice.save(update_fields=["recurring_template", "recurring_period"])
        record(event(invoice, activities.INVOICE_CREATED, by=by, now=now))
    return invoice


def _transition(
    number: str,
    action: str,
    *,
    by: User,
    capability: Capability,
    change: Any,
    now: dt.datetime | None = None,
) -> Invoice:
    """Lock, check the action against the state, apply ``change`` (which returns the events)."""
    by = require(by, capability)
    now = now or clock.now()
    with transaction.atomic():
        invoice = invoice_lock(number)
        check(invoice, action)
        events: list[NewEvent] = change(invoice, now)
        invoice_save(invoice)
        record(*events)
    return invoice


def invoice_complete(*, by: User, number: str) -> Invoice:
    def change(invoice: Invoice, now: dt.datetime) -> list[NewEvent]:
        invoice.status = InvoiceStatus.COMPLETED
        invoice.completed_at = now
        return [event(invoice, activities.INVOICE_COMPLETED, by=by, now=now)]

    return _transition(
        number, "complete", by=by, capability=Capability.MANAGE_INVOICES, change=change
    )


def invoice_submit(*, by: User, number: str) -> Invoice:
    def change(invoice: Invoice, now: dt.datetime) -> list[NewEvent]:
        invoice.status = InvoiceStatus.PENDING_APPROVAL
        return [event(invoice, activities.INVOICE_SENT_FOR_APPROVAL, by=by, now=now)]

    return _transition(
        number, "submit", by=by, capability=Capability.MANAGE_INVOICES, change=change
    )


def invoice_approve(*, by: User, number: str) -> Invoice:
    approver = require(by, Capability.APPROVE_INVOICES)

    def change(invoice: Invoice, now: dt.datetime) -> list[NewEvent]:
        if invoice.created_by_id == by.pk:
            raise Forbidden(
                f"A fatura {invoice.number} foi criada por você; a aprovação deve vir de "
                "outro usuário do Financeiro."
            )
        invoice.status = InvoiceStatus.APPROVED
        invoice.approved_by = approver
        if delivery_requeue(invoice, now):  # held for approval: now it goes out
            deliveries_after_commit([invoice.number])
        return [event(invoice, activities.INVOICE_APPROVED, by=by, now=now)]

    return _transition(
        number, "approve", by=by, capability=Capability.APPROVE_INVOICES, change=change
    )


def invoice_reject(*, by: User, number: str, reason: str = "") -> Invoice:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            "Informe o motivo da rejeição.", errors=[{"field": "reason", "message": "obrigatório"}]
        )

    def change(invoice: Invoice, now: dt.datetime) -> list[NewEvent]:
        invoice.status = InvoiceStatus.DRAFT  # rework
        invoice.rework_count += 1
        return [event(invoice, activities.INVOICE_REJECTED, by=by, now=now, reason=reason[:300])]

    return _transition(
        number, "reject", by=by, capability=Capability.APPROVE_INVOICES, change=change
    )


def invoice_send(*, by: User, number: str, now: dt.datetime | None = None) -> Invoice:
    """Send to the customer: e-mail with the PDF attached (SMTP), through
    ``receivables.delivery`` — the e-mail goes out outside any transaction and the invoice
    becomes "sent" with its event once it went. If it fails the invoice stays as it was, the
    failure is recorded (delivery "failed", its error, "Invoice Delivery Failed") and the
    error says why (502); "Reenviar" (``delivery.invoice_resend``) tries again."""
    by = require(by, Capability.MANAGE_INVOICES)
    return invoice_send_by(by=by, number=number, now=now)


def due_dates_passed(*, today: dt.date | None = None) -> int:
    """The daily task's first step: each sent invoice past its due date with something still
    owed becomes overdue, with "Due Date Passed" dated at the due date (user "system")."""
    today = today or clock.today()
    numbers = list(
        Invoice.objects.filter(
            status=InvoiceStatus.SENT, due_date__lt=today, balance__gt=0
        ).values_list("number", flat=True)
    )
    if not numbers:
        return 0
    with transaction.atomic():  # one lock (in id order), one update, one append
        locked = invoices_lock(numbers)
        due = [
            invoice
            for invoice in (locked[n] for n in numbers)
            # re-checked under the lock: it may have changed since the list was read
            if invoice.status == InvoiceStatus.SENT and invoice.balance > 0
        ]
        for invoice in due:
            invoice.status = InvoiceStatus.OVERDUE
        Invoice.objects.filter(pk__in=[i.pk for i in due]).update(status=InvoiceStatus.OVERDUE)
        split = schedules(i.pk for i in due if i.installment_count > 1)
        record(*(_due_date_passed(invoice, today, split.get(invoice.pk)) for invoice in due))
    return len(due)


def _installment_facts(invoice: Invoice, slots: list[Slot] | None) -> dict[str, Any]:
    """Which installment's due date passed (the oldest open one) and what it still owes."""
    if not slots:
        return {}
    for part in balances(slots, invoice.balance):
        if part.balance > 0:
            return {
                "installment": part.number,
                "installments": len(slots),
                "installment_amount": part.balance,
            }
    return {}


def _due_date_passed(invoice: Invoice, today: dt.date, slots: list[Slot] | None = None) -> NewEvent:
    assert invoice.due_date is not None
    return event(
        invoice,
        activities.DUE_DATE_PASSED,
        by=None,
        # the day after the due date, never before the invoice was sent
        now=max(day_start(invoice.due_date + dt.timedelta(days=1)), invoice.sent_at)
        if invoice.sent_at
        else day_start(invoice.due_date + dt.timedelta(days=1)),
        automated=True,
        days_overdue=(today - invoice.due_date).days,
        **_installment_facts(invoice, slots),
    )


def proforma_convert(*, by: User, number: str) -> Invoice:
    """A proforma becomes a real invoice (draft, new number of the invoice series)."""
    by = require(by, Capability.MANAGE_INVOICES)
    now = clock.now()
    with transaction.atomic():
        proforma = invoice_lock(number)
        check(proforma, "convert")
        lines = [
            LineIn(line.item_name, line.quantity, line.unit_price)
            for line in proforma.lines.order_by("position")
        ]
        invoice = invoice_build(
            by=by,
            customer=proforma.customer,
            kind=InvoiceKind.SIMPLE,
            issue_date=clock.localdate(now),
            payment_terms=proforma.payment_terms,
            lines=lines,
            description=proforma.description or f"Conversão da proforma {proforma.number}",
            now=now,
        )
        proforma.status = InvoiceStatus.CONVERTED
        proforma.converted_to = invoice
        proforma.closed_at = now
        proforma.save()
        record(
            event(proforma, activities.PROFORMA_CONVERTED, by=by, now=now, invoice=invoice.number),
            event(invoice, activities.INVOICE_CREATED, by=by, now=now, proforma=proforma.number),
        )
    return invoice


__all__ = [
    "close_if_settled",
    "due_dates_passed",
    "invoice_approve",
    "invoice_complete",
    "invoice_create",
    "invoice_reject",
    "invoice_send",
    "invoice_submit",
    "proforma_convert",
]
