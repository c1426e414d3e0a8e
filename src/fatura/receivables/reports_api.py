"""JSON API of the receivables reports: aging, customer statement, DSO. (The collector worklist,
ranked by the forecast, is served by :mod:`fatura.forecast.api`.)

Every report answers JSON by default and a file with ``format``: ``format=csv`` (``;``,
UTF-8 with BOM, decimal comma: Excel in Brazil) or ``format=pdf``. Dates are ``AAAA-MM-DD``;
a bad value is a 422 naming its field (``as_of``, ``group_by``, ``start``, ``end``,
``collector``, ``format``). The numbers come from ``receivables.ledger``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from ninja import Field, Router, Schema

from fatura.core import clock
from fatura.core.reports import pdf_response, report_format
from fatura.core.roles import Capability, require
from fatura.core.schemas import (
    Id,
    MoneyOut,
    OptionalDateIn,
    ReportFormat,
    Username,
    text_in,
)
from fatura.receivables import ledger, report_exports
from fatura.receivables.domain import AGING_BUCKETS, AGING_LABELS, AgingRow

router = Router(tags=["reports"])

Body = dict[str, Any]


# --- schemas --------------------------------------------------------------------------------


class BucketOut(Schema):
    key: str
    label: str


class AgingRowOut(Schema):
    key: str = Field(description="id do cliente, segmento, unidade ou usuário do cobrador")
    label: str
    invoices: int
    buckets: dict[str, MoneyOut] = Field(description="current, 1-30, 31-60, 61-90, 90+")
    total: MoneyOut


class AgingOut(Schema):
    as_of: dt.date
    group_by: str
    buckets: list[BucketOut]
    rows: list[AgingRowOut]
    total: AgingRowOut


class StatementItemOut(Schema):
    number: str
    issue_date: dt.date
    due_date: dt.date | None
    total: MoneyOut
    balance: MoneyOut
    days_overdue: int
    status: str
    installment: str = Field(
        "", description="A parcela (ex.: 2/3) de uma fatura parcelada; vazio: parcela única."
    )


class StatementPaymentOut(Schema):
    id: int
    received_at: dt.date
    amount: MoneyOut
    method: str
    reference: str
    applied: MoneyOut
    unapplied: MoneyOut
    reversed: bool


class StatementOut(Schema):
    customer_id: int
    customer_name: str
    as_of: dt.date
    items: list[StatementItemOut]
    payments: list[StatementPaymentOut]
    open_total: MoneyOut
    overdue_total: MoneyOut
    unapplied_payments: MoneyOut
    credit_note_excess: MoneyOut
    credit_available: MoneyOut
    net_due: MoneyOut = Field(description="em aberto − crédito disponível")


class DsoOut(Schema):
    start: dt.date
    end: dt.date
    days: int
    receivables: MoneyOut
    credit_sales: MoneyOut
    dso: str | None = Field(description="dias, uma casa decimal; null sem vendas a prazo")
    formula: str


# --- parameters -----------------------------------------------------------------------------


AgingGroup = Literal["customer", "segment", "business_unit", "collector"]
Filter = Annotated[str, text_in(80)]


def _filters(
    customer_id: int | None, segment: str | None, business_unit: str | None, collector: str | None
) -> Body:
    return {
        "customer_id": customer_id,
        "segment": segment or None,
        "business_unit": business_unit or None,
        "collector_id": ledger.collector_id_for(collector) if collector else None,
    }


def _row_out(row: AgingRow) -> Body:
    return {
        "key": row.key,
        "label": row.label,
        "invoices": row.invoices,
        "buckets": row.buckets,
        "total": row.total,
    }


# --- endpoints ------------------------------------------------------------------------------


@router.get("/reports/aging", response=AgingOut)
def aging(
    request: HttpRequest,
    as_of: OptionalDateIn = None,
    group_by: AgingGroup = "customer",
    customer_id: Id | None = None,
    segment: Filter | None = None,
    business_unit: Filter | None = None,
    collector: Username | None = None,
    format: ReportFormat = "json",
) -> Body | HttpResponseBase:
    """Aging as of ``as_of`` (padrão: hoje), grouped by customer | segment | business_unit |
    collector: what is still owed per bucket (current, 1-30, 31-60, 61-90, 90+ days past due),
    part-paid invoices by their balance. Filters: customer_id, segment, business_unit,
    collector (username). ``format``: json (default), csv or pdf."""
    require(request.user, Capability.VIEW)
    fmt = report_format(format)
    report = ledger.aging(
        as_of=as_of or clock.today(),
        group_by=group_by,
        **_filters(customer_id, segment, business_unit, collector),
    )
    if fmt == "csv":
        return report_exports.aging_csv(report).response()
    if fmt == "pdf":
        return pdf_response(report_exports.aging_pdf(report), f"aging-{report.as_of:%Y-%m-%d}.pdf")
    return {
        "as_of": report.as_of,
        "group_by": report.group_by,
        "buckets": [{"key": b, "label": AGING_LABELS[b]} for b in AGING_BUCKETS],
        "rows": [_row_out(row) for row in report.rows],
        "total": _row_out(report.total),
    }


@router.get("/customers/{int:customer_id}/statement", response=StatementOut)
def customer_statement(
    request: HttpRequest,
    customer_id: Id,
    as_of: OptionalDateIn = None,
    format: ReportFormat = "json",
) -> Body | HttpResponseBase:
    """The customer's statement as of ``as_of`` (padrão: hoje): open items, payments and the
    credit available (unapplied payments + credit-note excess). ``format``: json, csv, pdf."""
    require(request.user, Capability.VIEW)
    fmt = report_format(format)
    statement = ledger.customer_statement(customer_id, as_of or clock.today())
    if fmt == "csv":
        return report_exports.statement_csv(statement).response()
    if fmt == "pdf":
        name = f"extrato-{statement.customer.document}-{statement.as_of:%Y-%m-%d}.pdf"
        return pdf_response(report_exports.statement_pdf(statement), name)
    return {
        "customer_id": statement.customer.pk,
        "customer_name": statement.customer.name,
        "as_of": statement.as_of,
        "items": statement.items,
        "payments": statement.payments,
        "open_total": statement.open_total,
        "overdue_total": statement.overdue_total,
        "unapplied_payments": statement.unapplied_payments,
        "credit_note_excess": statement.credit_note_excess,
        "credit_available": statement.credit_available,
        "net_due": statement.net_due,
    }


@router.get("/reports/dso", response=DsoOut)
def dso(
    request: HttpRequest,
    start: OptionalDateIn = None,
    end: OptionalDateIn = None,
    customer_id: Id | None = None,
    segment: Filter | None = None,
    business_unit: Filter | None = None,
    collector: Username | None = None,
    format: ReportFormat = "json",
) -> Body | HttpResponseBase:
    """Days sales outstanding of ``start``…``end`` (both included; padrão: the 90 days up to
    today): receivables open at the end ÷ credit sales in the period × days in the period,
    with its inputs. Filters as the aging. ``format``: json (default), csv or pdf."""
    require(request.user, Capability.VIEW)
    fmt = report_format(format)
    last = end or clock.today()
    first = start or last - dt.timedelta(days=89)
    report = ledger.days_sales_outstanding(
        start=first, end=last, **_filters(customer_id, segment, business_unit, collector)
    )
    if fmt == "csv":
        return report_exports.dso_csv(report).response()
    if fmt == "pdf":
        name = f"dso-{report.start:%Y-%m-%d}-{report.end:%Y-%m-%d}.pdf"
        return pdf_response(report_exports.dso_pdf(report), name)
    return {
        "start": report.start,
        "end": report.end,
        "days": report.days,
        "receivables": report.receivables,
        "credit_sales": report.credit_sales,
        "dso": None if report.dso is None else str(report.dso),
        "formula": "receivables / credit_sales * days",
    }
