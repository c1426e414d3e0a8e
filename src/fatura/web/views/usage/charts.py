"""Uso: a customer's quantity and amount per month, from finalized charges only."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import plotly
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fatura.billing.usage_selectors import MAX_ITEMS, UsageSeries, usage_series
from fatura.core.errors import DomainError
from fatura.customers.selectors import customer_get
from fatura.web import charts
from fatura.web.csv_export import csv_response
from fatura.web.forms import UsageForm
from fatura.web.views.common import add_domain_errors, page

PLOTLY_MAX_AGE = 365 * 24 * 3600


def _series(form: UsageForm) -> list[UsageSeries]:
    """Raises the selector's 422 (no items, more than 10...)."""
    customer = customer_get(form.cleaned_data["cliente"])
    return usage_series(customer_id=customer.pk, item_ids=form.cleaned_data["itens"])


def _table(series: list[UsageSeries]) -> list[dict[str, object]]:
    rows = [
        {
            "month": p.month,
            "item": s.name,
            "unit": s.unit,
            "quantity": p.quantity,
            "amount": p.amount,
        }
        for s in series
        for p in s.points
    ]
    return sorted(rows, key=lambda r: (r["month"], str(r["item"]).lower()))


@page
def usage(request: HttpRequest) -> HttpResponse:
    asked = "cliente" in request.GET
    form = UsageForm(request.GET if asked else None)
    context: dict[str, object] = {
        "form": form,
        "max_items": MAX_ITEMS,
        "plotly_version": plotly.__version__,
    }
    status = 200
    if asked and form.is_valid():
        try:
            series = _series(form)
        except DomainError as exc:
            add_domain_errors(form, exc, aliases={"item_ids": "itens"})
            context["error"] = exc
            status = exc.status
        else:
            rows = _table(series)
            context.update(
                series=series,
                rows=rows,
                quantity_chart=charts.quantity_chart(series) if rows else "",
                amount_chart=charts.amount_chart(series) if rows else "",
                customer=customer_get(form.cleaned_data["cliente"]),
            )
    elif asked:
        status = 422
    return render(request, "web/usage/usage.html", context, status=status)


@page
def usage_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    form = UsageForm(request.GET)
    if not form.is_valid():
        return usage(request)
    series = _series(form)

    def rows() -> Iterator[tuple[object, ...]]:
        for row in _table(series):
            yield (row["month"], row["item"], row["unit"], row["quantity"], row["amount"])

    header = [_("Mês"), _("Item de cobrança"), _("Unidade"), _("Quantidade"), _("Valor (R$)")]
    return csv_response("uso.csv", header, rows())


@cache
def _plotly_js() -> bytes:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode("utf-8")


@require_GET
def plotly_js(request: HttpRequest) -> HttpResponse:
    """plotly.js from the installed Python package (no CDN); versioned URL, cached a year."""
    response = HttpResponse(_plotly_js(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={PLOTLY_MAX_AGE}, immutable"
    return response
