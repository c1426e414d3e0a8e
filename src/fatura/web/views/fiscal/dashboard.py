"""Fiscal → Painel: the KPI "Valor total de notas emitidas após o faturamento" of a period
(cards, the accumulated line, bars by month, the lag distribution, tables by customer /
service type / team), the value at risk today, and the data of each chart as CSV. The numbers
are ``fatura.fiscal``'s (docs/nfse-kpi.md); this module only formats them."""

from __future__ import annotations

from typing import Any

import plotly
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fatura.core.documents import format_document
from fatura.core.errors import NotFound
from fatura.fiscal import listing
from fatura.fiscal import report_exports as exports
from fatura.fiscal.kpi import NfseKpi
from fatura.web.views.common import page
from fatura.web.views.fiscal import charts
from fatura.web.views.fiscal.common import (
    Asked,
    asked,
    backlog_filters,
    days_label,
    filter_menus,
    percent_label,
    quick_picks,
)
from fatura.web.views.fiscal.reports import DELAY_KIND_LABELS

TABLES = ("customer", "service_type", "team")
CHART_SLUGS = {
    "acumulado": "accumulated",
    "por-mes": "months",
    "prazos": "lags",
    "por-cliente": "customer",
    "por-tipo": "service_type",
    "por-equipe": "team",
}


def _report(a: Asked) -> listing.Breakdown:
    return listing.breakdown(a.period, a.filters, dimensions=TABLES, trend=True)


def _variation(result: NfseKpi) -> dict[str, Any] | None:
    if result.variation_pct is None:
        return None
    pct = result.variation_pct
    direction = "up" if pct > 0 else "down" if pct < 0 else "flat"
    arrows = {"up": "▲", "down": "▼", "flat": "■"}
    words = {"up": _("alta"), "down": _("queda"), "flat": _("estável")}
    sign = "+" if pct > 0 else ""
    return {
        "direction": direction,
        "arrow": arrows[direction],
        "word": words[direction],
        "text": sign + exports.percent_text(pct / 100),
    }


def _cards(result: NfseKpi) -> dict[str, Any]:
    return {
        "avg": days_label(result.avg_lag_days),
        "median": days_label(result.median_lag_days),
        "p90": days_label(result.p90_lag_days),
        "within": percent_label(result.within_expected_rate),
        "recognized": percent_label(result.revenue_recognized_rate),
        "variation": _variation(result),
    }


def _group_rows(kind: str, groups: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "group": g,
            "key_display": format_document(g.key) if kind == "customer" else g.key,
            "avg": exports.days_text(g.avg_lag_days),
            "median": exports.days_text(g.median_lag_days),
            "p90": exports.days_text(g.p90_lag_days),
            "within": percent_label(g.within_expected_rate),
        }
        for g in groups
    ]


@page
def dashboard(request: HttpRequest) -> HttpResponse:
    a = asked(request)
    report = _report(a)
    result = report.kpi
    period = a.period
    backlog = listing.backlog(filters=backlog_filters(a))
    titles = {
        "customer": _("Por cliente"),
        "service_type": _("Por tipo de serviço"),
        "team": _("Por equipe"),
    }
    slugs = {kind: slug for slug, kind in CHART_SLUGS.items()}
    tables = [(k, titles[k], slugs[k], _group_rows(k, report.groups[k])) for k in TABLES]
    has_values = result.count > 0
    png = {
        "accumulated": charts.png_name("acumulado", period.start, period.end),
        "months": charts.png_name("por-mes", report.trend_start, period.end),
        "lags": charts.png_name("prazos", period.start, period.end),
    }
    context: dict[str, Any] = {
        "current": "dashboard",
        "form": a.form,
        "period": period,
        "previous": period.previous(),
        "query": a.query,
        "filtered": a.filtered,
        "picks": quick_picks(request, period),
        "menus": filter_menus(a),
        "kpi": result,
        "cards": _cards(result),
        "late_by_kind": [
            (DELAY_KIND_LABELS[split.kind], split) for split in result.late_by_delay_kind
        ],
        "report": report,
        "tables": tables,
        "backlog": backlog,
        "nfse_total": listing.nfse_count(),
        "plotly_version": plotly.__version__,
        "png_names": png,
        "charts": {
            "accumulated": charts.accumulated_chart(result.daily, png["accumulated"])
            if has_values
            else "",
            "months": charts.months_chart(report.months, png["months"])
            if any(m.count for m in report.months)
            else "",
            "lags": charts.lag_chart(result.lag_bins, png["lags"]) if has_values else "",
        },
        "bin_rows": [(charts.bin_label(b.low, b.high), b) for b in result.lag_bins],
    }
    status = 422 if a.form.is_bound and a.form.errors else 200
    return render(request, "web/fiscal/dashboard.html", context, status=status)


@page
def chart_csv(request: HttpRequest, chart: str) -> StreamingHttpResponse:
    """The data of one chart or table of the dashboard, for the same period and filters."""
    kind = CHART_SLUGS.get(chart)
    if kind is None:
        raise NotFound(_("Gráfico %(chart)s não encontrado.") % {"chart": chart})
    a = asked(request)
    report = _report(a)
    if kind == "accumulated":
        table = exports.accumulated_csv(report.kpi.daily, a.period)
    elif kind == "months":
        table = exports.months_csv(report.months, a.period)
    elif kind == "lags":
        table = exports.lag_bins_csv(report.kpi.lag_bins, a.period)
    else:
        table = exports.groups_csv(kind, report.groups[kind], a.period)
    return table.response()
