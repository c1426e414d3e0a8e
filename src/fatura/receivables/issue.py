"""Issuing invoices: the receivable side every new invoice opens with (terms, due date,
discount window, opening balance), the usage invoices that billing issues for finalized
charges — one at a time or a whole billing run in bulk (``COPY`` on PostgreSQL) — and direct
invoices with their lines (``invoice_create`` and the recurring templates build them here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection

from fatura.core import clock
from fatura.core.bounds import check_text, fit_decimal
from fatura.core.bulk import instances_insert
from fatura.core.errors import InvalidInput
from fatura.core.money import line_amount, parse_decimal, to_money
from fatura.core.months import Month
from fatura.core.terms import TermRule
from fatura.core.users import Actor
from fatura.customers.models import Customer
from fatura.customers.terms import payment_term_rule, payment_term_rules
from fatura.receivables import domain
from fatura.receivables.delivery import delivery_initial
from fatura.receivables.installments import installments_insert, plan
from fatura.receivables.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    PaymentStatus,
)
from fatura.receivables.numbering import INVOICES, PROFORMAS
from fatura.receivables.periods import period_check
from fatura.receivables.withholdings import net_total, withhold

# The columns of an invoice line, in the order of ``UsageInvoice.lines`` rows (without the
# invoice id, which the first column takes once the invoice is saved).
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


def receivable_open(invoice: Invoice, *, terms: TermRule) -> None:
    """Set terms, installments (``invoice.planned``, stored by ``installments_insert`` once the
    invoice is saved), due date (the first installment's), discount and the opening balance
    (= total charged) of an unsaved invoice."""
    withhold(invoice)  # the customer's retentions: what it owes is the net
    net = net_total(invoice)
    invoice.payment_terms = terms.code
    invoice.planned = plan(  # type: ignore[attr-defined]
        terms, issue_date=invoice.issue_date, total=net
    )
    invoice.installment_count = len(invoice.planned)  # type: ignore[attr-defined]
    invoice.due_date = invoice.planned[0].due_date  # type: ignore[attr-defined]
    invoice.discount_until = terms.discount_until(invoice.issue_date)
    invoice.discount_percent = terms.discount_percent if terms.has_discount else Decimal(0)
    invoice.balance = net
    invoice.payment_status = PaymentStatus.PAID if net == Decimal(0) else PaymentStatus.UNPAID


@dataclass(frozen=True)
class UsageInvoice:
    """What billing asks receivables to invoice for one finalized charge."""

    customer: Customer
    month: Month
    total_due: Decimal
    total_charged: Decimal
    result_center: str
    ticket: str
    lines: list[tuple[Any, ...]]  # rows of LINE_FIELDS[1:]


def _build(
    usage: UsageInvoice, *, sequence: int, by: Actor, now: dt.datetime, terms: TermRule
) -> Invoice:
    # ``by`` was checked by billing (``require``): a user with a role, not an anonymous one
    invoice = Invoice(
        number=INVOICES.format(sequence),
        sequence=sequence,
        customer=usage.customer,
        month=usage.month.first_day,
        issue_date=clock.localdate(now),
        total_due=usage.total_due,
        total_charged=usage.total_charged,
        status=InvoiceStatus.COMPLETED,
        result_center=usage.result_center,
        ticket=usage.ticket,
        created_by=by,
        created_at=now,
        completed_at=now,
    )
    delivery_initial(invoice, now)  # e-mailed after the issue commits, if the customer wants
    receivable_open(invoice, terms=terms)
    return invoice


def usage_invoice_issue(*, usage: UsageInvoice, by: Actor, now: dt.datetime) -> Invoice:
    """Issue one usage invoice, completed, with the next invoice number (inside the caller's
    transaction). Its lines are kept on ``invoice.lines_cache``."""
    period_check(issue_date=clock.localdate(now))
    terms = payment_term_rule(usage.customer.payment_terms)
    invoice = _build(usage, sequence=INVOICES.take(), by=by, now=now, terms=terms)
    invoice.save(force_insert=True)
    installments_insert([invoice])
    lines = [
        InvoiceLine(invoice=invoice, **dict(zip(LINE_FIELDS[1:], row, strict=True)))
        for row in usage.lines
    ]
    InvoiceLine.objects.bulk_create(lines)
    invoice.lines_cache = lines  # type: ignore[attr-defined]
    return invoice


def usage_invoices_reserve(count: int) -> int:
    """Reserve the numbers of a billing run as one block (inside its transaction); the first."""
    return INVOICES.take_block(count)


def usage_invoices_issue(
    *, usages: list[UsageInvoice], first_sequence: int, by: Actor, now: dt.datetime
) -> list[Invoice]:
    """Issue usage invoices in bulk, numbered from ``first_sequence`` on (reserved with
    :func:`usage_invoices_reserve`), inside the caller's transaction."""
    period_check(issue_date=clock.localdate(now))
    rules = payment_term_rules()
    built = [
        _build(
            usage,
            sequence=first_sequence + offset,
            by=by,
            now=now,
            terms=rules.get(usage.customer.payment_terms)
            or payment_term_rule(usage.customer.payment_terms),
        )
        for offset, usage in enumerate(usages)
    ]
    instances_insert(built, key="number")  # COPY on PostgreSQL
    saved = built
    if any(invoice.pk is None for invoice in saved):
        # Backends that do not return ids from bulk inserts: read them back by number.
        ids = dict(
            Invoice.objects.filter(number__in=[i.number for i in saved]).values_list("number", "id")
        )
        for invoice in saved:
            invoice.pk = ids[invoice.number]
    installments_insert(saved)
    _insert_lines(
        [
            (invoice.pk, *row)
            for invoice, usage in zip(saved, usages, strict=True)
            for row in usage.lines
        ]
    )
    return saved


def usage_lines_insert(select: str, params: dict[str, Any]) -> int:
    """Insert the lines of issued usage invoices from a ``SELECT`` of rows of ``LINE_FIELDS``
    (the billing run computes them in the database: ``billing.run_sql``); how many."""
    meta = InvoiceLine._meta
    quote = connection.ops.quote_name
    column_of = {field.attname: field.column for field in meta.concrete_fields}
    columns = ", ".join(quote(column_of[name]) for name in LINE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({columns}) {select}", params)
        return int(cursor.rowcount)


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


# --- direct invoices (simple, recurring, proforma) ---------------------------------------


@dataclass(frozen=True)
class LineIn:
    description: str
    quantity: Decimal
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return line_amount(self.quantity, self.unit_price)


def parse_lines(raw: list[dict[str, Any]]) -> list[LineIn]:
    """Lines of a direct invoice; every bad field is reported with its line number."""
    errors: list[dict[str, Any]] = []
    lines: list[LineIn] = []
    total = Decimal(0)
    if not raw:
        raise InvalidInput(
            "A fatura precisa de ao menos uma linha.",
            errors=[{"field": "lines", "message": "vazia"}],
        )
    for position, item in enumerate(raw, start=1):
        description = str(item.get("description") or "").strip()
        if not description or len(description) > 200:
            errors.append(
                {"line": position, "field": "description", "message": "descrição obrigatória"}
            )
        else:
            try:
                check_text(description, max_length=200)
            except ValueError as exc:
                errors.append({"line": position, "field": "description", "message": str(exc)})
                description = ""
        values: dict[str, Decimal] = {}
        # the columns: quantity DecimalField(18, 6), unit_price (14, 4), amount (14, 2)
        for field, digits, places in (("quantity", 18, 6), ("unit_price", 14, 4)):
            try:
                value = parse_decimal(item.get(field))
                ok = value > 0 and value == round(value, places)
            except InvalidOperation:
                ok = False
            if not ok:
                errors.append(
                    {
                        "line": position,
                        "field": field,
                        "message": f"informe um número maior que zero (até {places} casas)",
                    }
                )
                continue
            try:
                values[field] = fit_decimal(value, max_digits=digits, places=places)
            except ValueError as exc:
                errors.append({"line": position, "field": field, "message": str(exc)})
        if len(values) == 2:
            amount = line_amount(values["quantity"], values["unit_price"])
            total += amount
            try:
                fit_decimal(amount, max_digits=14, places=2)
            except ValueError as exc:
                message = f"quantidade × preço grande demais: {exc}"
                errors.append({"line": position, "field": "amount", "message": message})
        if len(values) == 2 and description:
            lines.append(LineIn(description, values["quantity"], values["unit_price"]))
    if not errors:
        try:
            fit_decimal(total, max_digits=14, places=2)
        except ValueError as exc:
            errors.append({"line": 0, "field": "lines", "message": f"total grande demais: {exc}"})
    if errors:
        names = {
            "description": "descrição",
            "quantity": "quantidade",
            "unit_price": "preço",
            "amount": "valor",
            "lines": "linhas",
        }
        shown = "; ".join(f"linha {e['line']}, {names[e['field']]}: {e['message']}" for e in errors)
        raise InvalidInput(f"Linhas inválidas: {shown}.", errors=errors)
    return lines


def invoice_build(
    *,
    by: Actor,
    customer: Customer,
    kind: str,
    issue_date: dt.date,
    payment_terms: str,
    lines: list[LineIn],
    description: str = "",
    now: dt.datetime,
    status: str = domain.DRAFT,
    terms_rule: TermRule | None = None,
) -> Invoice:
    """Create a direct invoice with its lines (inside the caller's transaction); a receivable
    issued in a closed month is refused (a proforma quote is no ledger entry). ``terms_rule``:
    the rule of ``payment_terms`` when the caller has just read it."""
    proforma = kind == InvoiceKind.PROFORMA
    if not proforma:
        period_check(issue_date=issue_date)
    series = PROFORMAS if proforma else INVOICES
    sequence = series.take()
    total = to_money(sum((line.amount for line in lines), Decimal(0)))
    invoice = Invoice(
        number=series.format(sequence),
        series=series.prefix,
        sequence=sequence,
        customer=customer,
        kind=kind,
        month=issue_date.replace(day=1),
        issue_date=issue_date,
        total_due=total,
        total_charged=total,
        status=status,
        description=description[:200],
        created_by=by,
        created_at=now,
    )
    receivable_open(invoice, terms=terms_rule or payment_term_rule(payment_terms))
    if proforma:  # a quote: nothing is owed
        invoice.balance = Decimal("0.00")
    invoice.save()
    installments_insert([invoice])
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            item_name=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
        )
        for position, line in enumerate(lines, start=1)
    )
    return invoice
