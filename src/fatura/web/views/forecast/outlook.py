"""Previsão: expected receipts per week for the next 12 weeks with the P10–P90 band (total, by
business unit or by segment), the invoices behind a week, the model card with "Treinar agora"
(Financeiro) and the latest backtest; the prediction panel of an invoice's page."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import plotly
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fatura.core.errors import DomainError
from fatura.core.money import format_decimal_br
from fatura.core.roles import Capability, can, require
from fatura.core.users import User
from fatura.forecast import outlook
from fatura.forecast.cash_flow import CashFlow
from fatura.forecast.models import ForecastModel
from fatura.forecast.selectors import active_model_row
from fatura.forecast.services import model_train
from fatura.receivables.selectors import invoice_get
from fatura.web.views.common import is_htmx, page
from fatura.web.views.forecast import backtest as forecast_backtest
from fatura.web.views.forecast.charts import band_chart
from fatura.web.views.forecast.common import (
    COVERAGE_LABEL,
    GROUP_LABELS,
    GROUPS,
    MAE_LABEL,
    WEEKS,
    basis_counts,
    group_choice,
    group_label,
    model_metrics,
    percent,
    prediction_view,
)

WEEK_ROWS = 50  # invoices listed for one week; the CSV has them all


def _model_context(row: ForecastModel | None, user: User) -> dict[str, Any]:
    versions = [(m, dict(model_metrics(m.metrics))) for m in outlook.models()]
    return {
        "model_row": row,
        "metrics": model_metrics(row.metrics) if row is not None else [],
        "versions": versions if len(versions) > 1 else [],
        "mae_label": str(MAE_LABEL),
        "coverage_label": str(COVERAGE_LABEL),
        "may_train": can(user, Capability.MANAGE_INVOICES),
    }


def _chart_title(flow: CashFlow, chosen: str) -> str:
    title = _("Recebimentos previstos por semana em %(day)s") % {"day": f"{flow.as_of:%d/%m/%Y}"}
    if GROUPS[chosen] is None:
        return title
    return f"{title} · {GROUP_LABELS[chosen]}"


def _board_context(seen: outlook.Outlook, flow: CashFlow, chosen: str) -> dict[str, Any]:
    group_by = GROUPS[chosen]
    labels = [group_label(g.key, group_by) for g in flow.groups]
    return {
        "flow": flow,
        "seen": seen,
        "chosen": chosen,
        "choices": list(GROUP_LABELS.items()),
        "groups": list(zip(flow.groups, labels, strict=True)),
        "rows": [
            {"index": i, "week": w, "parts": [(g, g.weeks[i]) for g in flow.groups]}
            for i, w in enumerate(flow.total.weeks)
        ],
        "horizon_total": sum((w.expected for w in flow.total.weeks), Decimal("0.00")),
        "chart": band_chart(flow, labels, _chart_title(flow, chosen))
        if flow.total.invoices
        else "",
        "group_keys": json.dumps([g.key for g in flow.groups]),
        "basis": basis_counts(seen),
    }


@page
def forecast(request: HttpRequest) -> HttpResponse:
    chosen, group_by = group_choice(request)
    seen, flow = outlook.forecast(weeks=WEEKS, group_by=group_by)
    context = _board_context(seen, flow, chosen)
    if is_htmx(request) and request.headers.get("HX-Target") == "forecast-board":
        return render(request, "web/forecast/_board.html", context)
    context.update(_model_context(seen.row, request.user))
    context["backtest"] = forecast_backtest.latest()
    context["backtest_columns"] = forecast_backtest.column_labels()
    context["plotly_version"] = plotly.__version__
    return render(request, "web/forecast/page.html", context)


@page
def forecast_week(request: HttpRequest, index: int) -> HttpResponse:
    """The invoices with a chance of being paid in week ``index`` (``WEEKS``: after the
    horizon), of one group when ``?chave=`` is given; largest expected amount first."""
    chosen, group_by = group_choice(request)
    key = request.GET.get("chave") if group_by else None
    seen, flow = outlook.forecast(weeks=WEEKS, group_by=group_by)
    index = max(0, min(index, WEEKS))
    found, count = outlook.bucket_invoices(
        seen, flow, index, group_by=group_by, key=key, limit=WEEK_ROWS
    )
    group = next((g for g in flow.groups if g.key == key), flow.total)
    bucket = group.weeks[index] if index < WEEKS else group.later
    context = {
        "index": index,
        "later": index == WEEKS,
        "bucket": bucket,
        "chosen": chosen,
        "key": key,
        "key_label": group_label(key, group_by) if key is not None else "",
        "group_name": GROUP_LABELS[chosen],
        "items": [(item, prediction_view(item.prediction), percent(item.share)) for item in found],
        "count": count,
        "shown": len(found),
        "flow": flow,
    }
    template = "web/forecast/_week.html" if is_htmx(request) else "web/forecast/week.html"
    return render(request, template, context)


@page
@require_POST
def forecast_train(request: HttpRequest) -> HttpResponse:
    """Train now (Financeiro): synchronous, seconds on a few thousand invoices. The answer is
    the model card; the board reloads itself when told a model was trained."""
    require(request.user, Capability.MANAGE_INVOICES)
    error: DomainError | None = None
    row: ForecastModel | None
    try:
        with outlook.single_threaded():
            row = model_train(by=request.user)
    except DomainError as exc:
        if exc.status != 409:
            raise
        error = exc
        row = active_model_row()
    message = (
        _("Modelo v%(version)s treinado com %(rows)s situações de %(invoices)s faturas.")
        % {
            "version": row.version,
            "rows": format_decimal_br(Decimal(row.rows), 0),
            "invoices": format_decimal_br(Decimal(row.invoices), 0),
        }
        if error is None and row is not None
        else ""
    )
    if not is_htmx(request):
        if error is not None:
            messages.error(request, error.message)
        else:
            messages.success(request, message)
        return redirect(reverse("web:forecast"))
    context = {**_model_context(row, request.user), "trained": message, "error": error}
    response = render(
        request, "web/forecast/_model_card.html", context, status=error.status if error else 200
    )
    if error is None:
        response["HX-Trigger"] = "forecast-trained"
    return response


@page
def invoice_panel(request: HttpRequest, number: str) -> HttpResponse:
    """The prediction panel of an invoice's page (loaded after the page, so the page stays
    fast); empty for an invoice that is not open."""
    invoice = invoice_get(number)
    found = outlook.invoice_prediction(invoice)
    context = {
        "invoice": invoice,
        "view": prediction_view(found) if found is not None else None,
        "may_view_forecast": True,
    }
    return render(request, "web/forecast/_invoice_panel.html", context)
