"""Finalizing charges: the one place invoices of the usage module are created."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction

from fatura.billing import events
from fatura.billing.domain import ComputedCharge
from fatura.billing.models import BillingRun, BillingRunStatus, Charge, ChargeStatus
from fatura.billing.run_sql import lines_select, month_charges
from fatura.billing.selectors import (
    PendingCharge,
    billing_run_progress_key,
    charge_finalized,
    pending_charges,
)
from fatura.core import clock
from fatura.core.bulk import instances_insert
from fatura.core.errors import DomainError, InvalidInput, RuleViolation
from fatura.core.money import parse_decimal, to_money
from fatura.core.months import Month
from fatura.core.roles import Capability, require
from fatura.core.users import Actor, User
from fatura.customers.models import Customer
from fatura.eventlog.services import events_record_many
from fatura.receivables.delivery import deliveries_after_commit
from fatura.receivables.issue import (
    UsageInvoice,
    usage_invoice_issue,
    usage_invoices_issue,
    usage_invoices_reserve,
    usage_lines_insert,
)
from fatura.receivables.models import DeliveryStatus, Invoice
from fatura.receivables.numbering import INVOICES
from fatura.usage.models import Consumption
from fatura.usage.services import MonthClosing, months_close


class ChargeAlreadyFinalized(RuleViolation):
    pass


def _clean_text(value: str, field: str, label: str, errors: list[dict[str, str]]) -> str:
    text = (value or "").strip()
    if not text:
        errors.append({"field": field, "message": f"Informe {label}."})
    elif len(text) > 60:
        errors.append(
            {"field": field, "message": f"{label.capitalize()}: no máximo 60 caracteres."}
        )
    return text


def parse_total_charged(value: Any) -> Decimal:
    try:
        amount = parse_decimal(value)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise InvalidInput(
            f"Total a cobrar inválido: {value!r}.",
            errors=[{"field": "total_charged", "message": "informe um valor, ex.: 947,63"}],
        )
    if amount < 0 or amount >= Decimal("1e12") or amount != to_money(amount):
        raise InvalidInput(
            "O total a cobrar deve ser um valor não negativo com até 2 casas decimais.",
            errors=[{"field": "total_charged", "message": "valor inválido"}],
        )
    return amount


def _usage(
    pending: PendingCharge, *, result_center: str, ticket: str, total: Decimal
) -> UsageInvoice:
    """What the charge asks receivables to invoice."""
    return UsageInvoice(
        customer=pending.customer,
        month=pending.month,
        total_due=pending.computed.total_due,
        total_charged=total,
        result_center=result_center,
        ticket=ticket,
        lines=_line_rows(pending.computed),
    )


def _line_rows(computed: ComputedCharge) -> list[tuple[Any, ...]]:
    """The invoice's lines as rows of ``receivables.issue.LINE_FIELDS`` without the invoice id."""
    return [
        (
            position,
            line.billing_item_id,
            line.price_version_id,
            line.item_name,
            line.product,
            line.unit,
            line.quantity,
            line.unit_price,
            line.amount,
        )
        for position, line in enumerate(computed.lines, start=1)
    ]


def _charge_of(invoice: Invoice, *, by: Actor, now: dt.datetime) -> Charge:
    """The finalized charge of a just-issued usage invoice (not saved yet)."""
    return Charge(
        invoice=invoice,
        customer=invoice.customer,
        month=invoice.month,
        status=ChargeStatus.FINALIZED,
        result_center=invoice.result_center,
        ticket=invoice.ticket,
        total_due=invoice.total_due,
        total_charged=invoice.total_charged,
        finalized_by=by,
        finalized_at=now,
    )


def _closing(invoice: Invoice) -> MonthClosing:
    """The month the charge closes for consumption (usage refuses it from then on)."""
    return MonthClosing(
        customer_id=invoice.customer_id,
        month=Month.of(invoice.month),
        invoice_number=invoice.number,
    )


def _refuse_problems(customer: Customer, month: Month, computed: ComputedCharge) -> None:
    if computed.problems:
        raise InvalidInput(
            " ".join(computed.problems),
            errors=[{"field": "month", "message": p} for p in computed.problems],
        )
    if not computed.lines:
        raise RuleViolation(f"{customer.name} não tem consumo pendente em {month.label_pt()}.")


def charge_finalize(
    *,
    by: User,
    customer: Customer,
    month: Month,
    result_center: str,
    ticket: str,
    total_charged: Any,
    now: dt.datetime | None = None,
) -> Invoice:
    """Finalize one customer's charge for ``month`` and issue its invoice.

    The customer row is locked first, so two users finalizing the same charge at once are
    serialized: the second one sees the first one's invoice and gets a 409.
    """
    by = require(by, Capability.FINALIZE_CHARGES)
    errors: list[dict[str, str]] = []
    result_center = _clean_text(result_center, "result_center", "o centro de resultado", errors)
    ticket = _clean_text(ticket, "ticket", "o chamado", errors)
    try:
        amount = parse_total_charged(total_charged)
    except InvalidInput as exc:
        if not errors:
            raise
        errors.extend(exc.errors)  # reported with the other fields, all at once
    if errors:
        raise InvalidInput("; ".join(e["message"] for e in errors), errors=errors)
    now = now or clock.now()
    try:
        with transaction.atomic():
            Customer.objects.select_for_update().filter(pk=customer.pk).first()
            existing = charge_finalized(customer.pk, month)
            if existing is not None:
                raise ChargeAlreadyFinalized(_already_message(customer, month, existing))
            [pending] = pending_charges(month, customer_id=customer.pk) or [
                PendingCharge(customer, month, ComputedCharge())
            ]
            _refuse_problems(customer, month, pending.computed)
            invoice = usage_invoice_issue(
                usage=_usage(pending, result_center=result_center, ticket=ticket, total=amount),
                by=by,
                now=now,
            )
            invoice.charge = _charge_of(invoice, by=by, now=now)
            invoice.charge.save(force_insert=True)
            months_close(closings=[_closing(invoice)], now=now)
            events_record_many(events.charge_finalized(invoice, by=by, now=now))
            if invoice.delivery == DeliveryStatus.QUEUED:  # e-mailed once this commits
                deliveries_after_commit([invoice.number])
    except IntegrityError:
        # The unique constraint is the last line of defence (e.g. SQLite without row locks).
        existing = charge_finalized(customer.pk, month)
        if existing is None:
            raise
        raise ChargeAlreadyFinalized(_already_message(customer, month, existing)) from None
    return invoice


def _already_message(customer: Customer, month: Month, charge: Charge) -> str:
    number = charge.invoice.number if hasattr(charge, "invoice") else "?"
    return (
        f"A cobrança de {customer.name} em {month.label_pt()} já foi finalizada "
        f"(fatura {number}); o mês está fechado para este cliente."
    )


ProgressFn = Callable[[int, int, str], None]


def month_finalize_all(
    *,
    by: User,
    month: Month,
    result_center: str,
    ticket: str,
    now: dt.datetime | None = None,
    progress: ProgressFn | None = None,
    batch_size: int = 2000,
    set_based: bool | None = None,
) -> list[Invoice]:
    """The monthly billing run: finalize every pending charge of ``month`` with total charged =
    total due, all in one transaction (all or nothing). Numbers are taken as one block.

    On PostgreSQL the charges' lines are computed and written by the database
    (``billing.run_sql``, docs/decisions/0041); elsewhere — or with ``set_based=False``, which
    the tests use to compare the two — in Python (``pending_charges``)."""
    by = require(by, Capability.FINALIZE_CHARGES)
    errors: list[dict[str, str]] = []
    result_center = _clean_text(result_center, "result_center", "o centro de resultado", errors)
    ticket = _clean_text(ticket, "ticket", "o chamado", errors)
    if errors:
        raise InvalidInput("; ".join(e["message"] for e in errors), errors=errors)
    now = now or clock.now()
    report = progress or (lambda done, total, phase: None)
    with transaction.atomic():
        report(0, 0, "locking")
        _lock_customers_of(month)
        if set_based is None:
            set_based = connection.vendor == "postgresql"
        if set_based:
            computed = month_charges(month)
            problems = computed.problems
            usages = _usages_of_totals(computed.totals, month, result_center, ticket)
        else:
            pending = [p for p in pending_charges(month) if p.computed.lines or p.computed.problems]
            problems = [
                {"field": "month", "message": f"{p.customer.name}: {problem}"}
                for p in pending
                for problem in p.computed.problems
            ]
            usages = []  # built batch by batch below: 500,000 line tuples alive cost the GC
        if problems:
            raise InvalidInput(
                f"{len(problems)} linha(s) sem preço vigente; nada foi finalizado.", errors=problems
            )
        total = len(usages) if set_based else len(pending)
        if total == 0:
            raise RuleViolation(f"Não há cobranças pendentes em {month.label_pt()}.")
        first = usage_invoices_reserve(total)
        invoices: list[Invoice] = []
        for start in range(0, total, batch_size):
            chunk = (
                usages[start : start + batch_size]
                if set_based
                else [
                    _usage(
                        p, result_center=result_center, ticket=ticket, total=p.computed.total_due
                    )
                    for p in pending[start : start + batch_size]
                ]
            )
            built = usage_invoices_issue(usages=chunk, first_sequence=first + start, by=by, now=now)
            if set_based:  # the lines, from the consumption to the invoices just written
                usage_lines_insert(
                    *lines_select(
                        month=month,
                        items=computed.items,
                        series=INVOICES.prefix,
                        first=first + start,
                        last=first + start + len(chunk) - 1,
                    )
                )
            charges = [_charge_of(invoice, by=by, now=now) for invoice in built]
            instances_insert(charges, key="invoice")  # COPY on PostgreSQL
            months_close(closings=[_closing(invoice) for invoice in built], now=now)
            for invoice, charge in zip(built, charges, strict=True):
                invoice.charge = charge
            events_record_many(
                event
                for invoice in built
                for event in events.charge_finalized(invoice, by=by, now=now, automated=True)
            )
            invoices.extend(built)
            report(start + len(chunk), total, "writing")
    return invoices


def _usages_of_totals(
    totals: dict[int, Decimal], month: Month, result_center: str, ticket: str
) -> list[UsageInvoice]:
    """The invoices to issue for charges computed in the database (their lines are written
    by ``usage_lines_insert``), by customer name as ``pending_charges`` orders them."""
    customers = Customer.objects.select_related("collector").in_bulk(list(totals))
    ordered = sorted(customers.values(), key=lambda c: (c.name.lower(), c.pk))
    return [
        UsageInvoice(
            customer=customer,
            month=month,
            total_due=totals[customer.pk],
            total_charged=totals[customer.pk],
            result_center=result_center,
            ticket=ticket,
            lines=[],
        )
        for customer in ordered
    ]


def _lock_customers_of(month: Month) -> None:
    """Lock (in id order, as ``charge_finalize`` does one by one) every customer with
    consumption in ``month``, so no single finalization slips in during the run."""
    consumers = Consumption.objects.filter(month=month.first_day).values("customer_id")
    list(
        Customer.objects.select_for_update()
        .filter(pk__in=consumers)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def billing_run_execute(run_id: int) -> BillingRun:
    """Run a queued billing run once; a run already started or finished is left alone, so a
    task delivered twice does no harm."""
    updated = BillingRun.objects.filter(pk=run_id, status=BillingRunStatus.QUEUED).update(
        status=BillingRunStatus.RUNNING
    )
    run = BillingRun.objects.select_related("requested_by").get(pk=run_id)
    if not updated:
        return run

    def progress(done: int, total: int, phase: str) -> None:
        cache.set(
            billing_run_progress_key(run_id), {"done": done, "total": total, "phase": phase}, 86400
        )

    try:
        invoices = month_finalize_all(
            by=run.requested_by,
            month=Month.of(run.month),
            result_center=run.result_center,
            ticket=run.ticket,
            progress=progress,
        )
    except DomainError as exc:
        run.status = BillingRunStatus.FAILED
        run.error = exc.message
        if exc.errors:
            run.error += "\n" + "\n".join(str(e.get("message", "")) for e in exc.errors[:50])
    except Exception as exc:
        # Left "running", the run would block the month for good ("já há um faturamento em
        # andamento"); record the failure, then let the task fail so the worker logs it.
        run.status = BillingRunStatus.FAILED
        run.error = f"Erro inesperado: {exc}"
        run.finished_at = clock.now()
        run.save()
        raise
    else:
        run.status = BillingRunStatus.DONE
        run.charges_finalized = len(invoices)
        run.total_charged = sum((i.total_charged for i in invoices), start=run.total_charged * 0)
        run.first_invoice = invoices[0].number
        run.last_invoice = invoices[-1].number
    run.finished_at = clock.now()
    run.save()
    return run
