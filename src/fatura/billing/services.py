"""Finalizing charges: the one place invoices of the usage module are created."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction

from fatura.billing import events
from fatura.billing.domain import ComputedCharge, invoice_number
from fatura.billing.models import Charge, ChargeStatus
from fatura.billing.receivable import receivable_open
from fatura.billing.selectors import PendingCharge, charge_finalized, pending_charges
from fatura.core import clock
from fatura.core.errors import InvalidInput, RuleViolation
from fatura.core.models import Counter
from fatura.core.money import parse_decimal, to_money
from fatura.core.months import Month
from fatura.core.roles import Capability, require
from fatura.core.sequences import next_number
from fatura.customers.models import Customer
from fatura.eventlog.services import events_record_many
from fatura.receivables.models import Invoice, InvoiceLine, InvoiceStatus
from fatura.usage.models import Consumption

INVOICE_SEQUENCE = "invoice"


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


def _create_invoice(
    *,
    pending: PendingCharge,
    sequence: int,
    result_center: str,
    ticket: str,
    total_charged: Decimal,
    by: Any,
    now: dt.datetime,
) -> tuple[Invoice, list[InvoiceLine]]:
    invoice = _new_invoice(
        pending=pending,
        sequence=sequence,
        result_center=result_center,
        ticket=ticket,
        total_charged=total_charged,
        by=by,
        now=now,
    )
    lines = [  # the same rows a billing run inserts, as model instances
        InvoiceLine(invoice=invoice, **dict(zip(LINE_FIELDS[1:], row, strict=True)))
        for row in _line_rows(pending.computed)
    ]
    return invoice, lines


# The columns of an invoice line, in the order of the rows of ``_line_rows``.
LINE_FIELDS = (
    "invoice_id",
    "position",
    "billing_item_id",
    "price_version_id",
    "item_name",
    "product",
    "unit",
    "quantity",
    "unit_price",
    "amount",
)


def _line_rows(computed: ComputedCharge) -> list[tuple[Any, ...]]:
    """The invoice's lines as rows of ``LINE_FIELDS`` without the invoice id."""
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


def _new_invoice(
    *,
    pending: PendingCharge,
    sequence: int,
    result_center: str,
    ticket: str,
    total_charged: Decimal,
    by: Any,
    now: dt.datetime,
) -> Invoice:
    """The invoice and its finalized charge (``invoice.charge``; neither saved yet)."""
    computed = pending.computed
    invoice = Invoice(
        number=invoice_number(sequence),
        sequence=sequence,
        customer=pending.customer,
        month=pending.month.first_day,
        issue_date=clock.localdate(now),
        total_due=computed.total_due,
        total_charged=total_charged,
        status=InvoiceStatus.COMPLETED,
        result_center=result_center,
        ticket=ticket,
        created_by=by,
        created_at=now,
        completed_at=now,
    )
    receivable_open(invoice, terms_code=pending.customer.payment_terms)
    invoice.charge = Charge(
        invoice=invoice,
        customer=pending.customer,
        month=pending.month.first_day,
        status=ChargeStatus.FINALIZED,
        result_center=result_center,
        ticket=ticket,
        total_due=computed.total_due,
        total_charged=total_charged,
        finalized_by=by,
        finalized_at=now,
    )
    return invoice


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
    by: Any,
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
    require(by, Capability.FINALIZE_CHARGES)
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
            invoice, lines = _create_invoice(
                pending=pending,
                sequence=next_number(INVOICE_SEQUENCE),
                result_center=result_center,
                ticket=ticket,
                total_charged=amount,
                by=by,
                now=now,
            )
            _save(invoice, lines)
            events_record_many(events.charge_finalized(invoice, by=by, now=now))
    except IntegrityError:
        # The unique constraint is the last line of defence (e.g. SQLite without row locks).
        existing = charge_finalized(customer.pk, month)
        if existing is None:
            raise
        raise ChargeAlreadyFinalized(_already_message(customer, month, existing)) from None
    invoice.lines_cache = lines  # type: ignore[attr-defined]
    return invoice


def _already_message(customer: Customer, month: Month, charge: Charge) -> str:
    number = charge.invoice.number if hasattr(charge, "invoice") else "?"
    return (
        f"A cobrança de {customer.name} em {month.label_pt()} já foi finalizada "
        f"(fatura {number}); o mês está fechado para este cliente."
    )


def _save(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    invoice.save(force_insert=True)
    charge = invoice.charge
    charge.invoice = invoice  # now with its id
    charge.save(force_insert=True)
    for line in lines:
        line.invoice_id = invoice.pk
    InvoiceLine.objects.bulk_create(lines)


ProgressFn = Callable[[int, int, str], None]


def month_finalize_all(
    *,
    by: Any,
    month: Month,
    result_center: str,
    ticket: str,
    now: dt.datetime | None = None,
    progress: ProgressFn | None = None,
    batch_size: int = 2000,
) -> list[Invoice]:
    """The monthly billing run: finalize every pending charge of ``month`` with total charged =
    total due, all in one transaction (all or nothing). Numbers are taken as one block."""
    require(by, Capability.FINALIZE_CHARGES)
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
        pending = [p for p in pending_charges(month) if p.computed.lines or p.computed.problems]
        problems = [
            {"field": "month", "message": f"{p.customer.name}: {problem}"}
            for p in pending
            for problem in p.computed.problems
        ]
        if problems:
            raise InvalidInput(
                f"{len(problems)} linha(s) sem preço vigente; nada foi finalizado.", errors=problems
            )
        total = len(pending)
        if total == 0:
            raise RuleViolation(f"Não há cobranças pendentes em {month.label_pt()}.")
        first = _take_block(INVOICE_SEQUENCE, total)
        invoices: list[Invoice] = []
        for start in range(0, total, batch_size):
            chunk = pending[start : start + batch_size]
            built = [
                (
                    _new_invoice(
                        pending=p,
                        sequence=first + start + offset,
                        result_center=result_center,
                        ticket=ticket,
                        total_charged=p.computed.total_due,
                        by=by,
                        now=now,
                    ),
                    p.computed,
                )
                for offset, p in enumerate(chunk)
            ]
            _save_many(built)
            events_record_many(
                event
                for invoice, _ in built
                for event in events.charge_finalized(invoice, by=by, now=now, automated=True)
            )
            invoices.extend(invoice for invoice, _ in built)
            report(start + len(chunk), total, "writing")
    return invoices


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


def _take_block(name: str, size: int) -> int:
    """Reserve ``size`` consecutive numbers; returns the first."""
    Counter.objects.get_or_create(name=name)
    counter = Counter.objects.select_for_update().get(name=name)
    first = counter.last_value + 1
    counter.last_value += size
    counter.save(update_fields=["last_value"])
    return first


def _save_many(built: list[tuple[Invoice, ComputedCharge]]) -> None:
    saved = Invoice.objects.bulk_create([invoice for invoice, _ in built])
    if any(invoice.pk is None for invoice in saved):
        # Backends that do not return ids from bulk inserts: read them back by number.
        ids = dict(
            Invoice.objects.filter(number__in=[i.number for i in saved]).values_list("number", "id")
        )
        for invoice in saved:
            invoice.pk = ids[invoice.number]
    charges = [invoice.charge for invoice in saved]
    for invoice, charge in zip(saved, charges, strict=True):
        charge.invoice = invoice  # now with its id
    Charge.objects.bulk_create(charges)
    _insert_lines(
        [(invoice.pk, *row) for invoice, computed in built for row in _line_rows(computed)]
    )


def _insert_lines(rows: list[tuple[Any, ...]]) -> None:
    """Insert invoice lines (rows of ``LINE_FIELDS``): ``COPY`` on PostgreSQL, one prepared
    INSERT run per row elsewhere.

    A billing run writes ~25 lines per customer, and ``bulk_create`` spent most of the run
    building a model instance per line and preparing (on PostgreSQL: quoting) its values one
    by one. These values already are what the fields store (ints, strings, Decimals), and a
    bulk insert skips ``save()`` and signals anyway, so the rows written are the same."""
    if not rows:
        return
    meta = InvoiceLine._meta
    quote = connection.ops.quote_name
    column_of = {field.attname: field.column for field in meta.concrete_fields}
    table = quote(meta.db_table)
    columns = ", ".join(quote(column_of[name]) for name in LINE_FIELDS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            values = ", ".join(["%s"] * len(LINE_FIELDS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({values})", rows)
