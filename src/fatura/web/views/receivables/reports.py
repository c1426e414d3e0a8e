"""Relatórios: aging as of any date (grouped, with a stacked bar chart), days sales outstanding
for a period, and a customer's statement; each with its CSV and PDF
(``receivables.report_exports``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import plotly
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from fatura.core import clock
from fatura.core.csv_export import csv_response
from fatura.core.errors import DomainError
from fatura.core.reports import pdf_response
from fatura.core.roles import Capability, can
from fatura.receivables import report_exports
from fatura.receivables.cash_in import expected_cash_in
from fatura.receivables.domain import AGING_BUCKETS, AGING_LABELS
from fatura.receivables.ledger import (
    AgingReport,
    CustomerStatement,
    DsoReport,
    customer_statement,
    days_sales_outstanding,
)
from fatura.receivables.ledger import (
    aging as aging_report,
)
from fatura.receivables.models import InvoiceStatus, PaymentMethod
from fatura.web.forms_receivables import AgingForm, PeriodForm
from fatura.web.views.common import page
from fatura.web.views.receivables.invoice_page import STATUS_BADGES
from fatura.web.views.receivables.report_charts import aging_chart, cash_in_chart, dso_chart

DSO_DAYS = 90  # the default period: the last 90 days up to today


# --- aging -------------------------------------------------------------------------------


def _aging(request: HttpRequest) -> tuple[AgingReport, AgingForm]:
    form = AgingForm(request.GET or None, initial={"group_by": "customer"})
    as_of, group_by = clock.today(), "customer"
    if form.is_bound and form.is_valid():
        as_of = form.cleaned_data["as_of"] or as_of
        group_by = form.cleaned_data["group_by"] or group_by
    return aging_report(as_of=as_of, group_by=group_by), form


@page
def aging(request: HttpRequest) -> HttpResponse:
    report, form = _aging(request)
    if not form.is_bound:
        form = AgingForm(initial={"as_of": report.as_of, "group_by": report.group_by})
    buckets = [(b, AGING_LABELS[b]) for b in AGING_BUCKETS]
    context: dict[str, Any] = {
        "report": report,
        "form": form,
        "buckets": buckets,
        "chart": aging_chart(report) if report.rows else "",
        "plotly_version": plotly.__version__,
        "query": request.GET.urlencode(),
    }
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "web/receivables/aging.html", context, status=status)


@page
def aging_csv(request: HttpRequest) -> StreamingHttpResponse:
    return report_exports.aging_csv(_aging(request)[0]).response()


@page
def aging_pdf(request: HttpRequest) -> HttpResponse:
    report = _aging(request)[0]
    filename = f"aging-{report.as_of:%Y-%m-%d}-{report.group_by}.pdf"
    return pdf_response(report_exports.aging_pdf(report), filename)


# --- DSO ---------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[dt.date, dt.date, PeriodForm]:
    today = clock.today()
    start, end = today - dt.timedelta(days=DSO_DAYS - 1), today
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        end = form.cleaned_data["end"] or end
        start = form.cleaned_data["start"] or end - dt.timedelta(days=DSO_DAYS - 1)
    return start, end, form


def _months_back(end: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    """The ``count`` calendar months up to ``end``'s (the last one cut at ``end``)."""
    periods = []
    year, month = end.year, end.month
    for _n in range(count):
        first = dt.date(year, month, 1)
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        periods.append((first, min(end, following - dt.timedelta(days=1))))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(periods))


@page
def dso(request: HttpRequest) -> HttpResponse:
    start, end, form = _period(request)
    error: DomainError | None = None
    report: DsoReport | None = None
    try:
        report = days_sales_outstanding(start=start, end=end)
    except DomainError as exc:  # the end before the start: said next to the field
        error = exc
        form.add_error("end", exc.message)
    months = [days_sales_outstanding(start=s, end=e) for s, e in _months_back(end, 12)]
    if not form.is_bound:
        form = PeriodForm(initial={"start": start, "end": end})
    context = {
        "report": report,
        "form": form,
        "error": error,
        "months": months,
        "chart": dso_chart(months) if any(m.dso is not None for m in months) else "",
        "plotly_version": plotly.__version__,
        "query": request.GET.urlencode(),
    }
    status = error.status if error else (422 if form.is_bound and form.errors else 200)
    return render(request, "web/receivables/dso.html", context, status=status)


@page
def dso_csv(request: HttpRequest) -> StreamingHttpResponse:
    start, end, _form = _period(request)
    return report_exports.dso_csv(days_sales_outstanding(start=start, end=end)).response()


@page
def dso_pdf(request: HttpRequest) -> HttpResponse:
    start, end, _form = _period(request)
    report = days_sales_outstanding(start=start, end=end)
    filename = f"dso-{start:%Y-%m-%d}-{end:%Y-%m-%d}.pdf"
    return pdf_response(report_exports.dso_pdf(report), filename)


# --- expected cash-in by week ----------------------------------------------------------

CASH_IN_WEEKS = 12


@page
def cash_in(request: HttpRequest) -> HttpResponse:
    report = expected_cash_in(as_of=clock.today(), weeks=CASH_IN_WEEKS)
    context: dict[str, Any] = {
        "report": report,
        "chart": cash_in_chart(report) if report.total else "",
        "plotly_version": plotly.__version__,
    }
    return render(request, "web/receivables/cash_in.html", context)


@page
def cash_in_csv(request: HttpRequest) -> StreamingHttpResponse:
    report = expected_cash_in(as_of=clock.today(), weeks=CASH_IN_WEEKS)
    rows: list[tuple[object, int, Decimal]] = [
        (w.start, w.invoices, w.amount) for w in report.weeks
    ]
    rows.append(("depois", report.later.invoices, report.later.amount))
    return csv_response(
        f"recebimentos-previstos-{report.as_of:%Y-%m-%d}.csv",
        ["Semana (segunda-feira)", "Faturas", "Valor previsto"],
        rows,
    )


# --- customer statement ------------------------------------------------------------------


def _statement(request: HttpRequest, customer_id: int) -> tuple[CustomerStatement, AgingForm]:
    form = AgingForm(request.GET or None)
    as_of = clock.today()
    if form.is_bound and form.is_valid():
        as_of = form.cleaned_data["as_of"] or as_of
    return customer_statement(customer_id, as_of), form


@page
def statement(request: HttpRequest, customer_id: int) -> HttpResponse:
    report, form = _statement(request, customer_id)
    if not form.is_bound:
        form = AgingForm(initial={"as_of": report.as_of})
    context = {
        "statement": report,
        "customer": report.customer,
        "form": form,
        "status_badges": STATUS_BADGES,
        "status_labels": dict(InvoiceStatus.choices),
        "methods": dict(PaymentMethod.choices),
        "can_record_payment": can(request.user, Capability.RECORD_PAYMENTS),
        "query": request.GET.urlencode(),
    }
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "web/receivables/statement.html", context, status=status)


@page
def statement_csv(request: HttpRequest, customer_id: int) -> StreamingHttpResponse:
    return report_exports.statement_csv(_statement(request, customer_id)[0]).response()


@page
def statement_pdf(request: HttpRequest, customer_id: int) -> HttpResponse:
    report = _statement(request, customer_id)[0]
    filename = f"extrato-{report.customer.document}-{report.as_of:%Y-%m-%d}.pdf"
    return pdf_response(report_exports.statement_pdf(report), filename)
