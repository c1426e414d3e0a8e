"""The forecast's band chart (Plotly in Python; the page loads plotly.js from ``/assets/``).
Amounts become floats here, for drawing only; the table under the chart shows the decimals."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from fatura.forecast.cash_flow import CashFlow
from fatura.web.charts import CONFIG, PALETTE, plotly_div

FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"}
BAND = "rgba(11, 83, 148, 0.16)"
LINE = "#0b5394"
CHART_ID = "forecast-chart"


def _layout(title: str, grouped: bool) -> dict[str, object]:
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        "separators": ",.",
        "font": FONT,
        "margin": {"l": 80, "r": 20, "t": 50, "b": 60},
        "height": 400,
        "barmode": "stack" if grouped else "group",
        # many groups: a column on the right, which grows downwards without covering the table
        "legend": {"orientation": "v", "x": 1.01, "y": 1, "font": {"size": 11}}
        if grouped
        else {"orientation": "h", "y": -0.22},
        "xaxis": {"title": {"text": _("semana (segunda-feira)")}, "type": "category"},
        "yaxis": {"title": {"text": "R$"}, "rangemode": "tozero", "separatethousands": True},
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        # grouped: a click must tell which group's bar it hit (the drill-down filters by it)
        "hovermode": "closest" if grouped else "x unified",
    }


def band_chart(flow: CashFlow, labels: Sequence[str] = (), title: str = "") -> str:
    """Expected receipts per week as bars (stacked by group when grouped, ``labels`` naming
    the groups in ``flow.groups`` order) with the total's P10–P90 band shaded over them."""
    weeks = flow.total.weeks
    x = [f"{w.start:%d/%m}" for w in weeks if w.start is not None]
    grouped = bool(flow.groups)
    figure = go.Figure(layout=_layout(title or _("Recebimentos previstos por semana"), grouped))
    money = "R$ %{y:,.2f}"
    if grouped:
        for index, group in enumerate(flow.groups):
            name = labels[index] if index < len(labels) else group.key
            figure.add_trace(
                go.Bar(
                    x=x,
                    y=[float(w.expected) for w in group.weeks],
                    name=name,
                    marker={"color": PALETTE[index % len(PALETTE)]},
                    hovertemplate=money + f"<extra>{name}</extra>",
                )
            )
    else:
        figure.add_trace(
            go.Bar(
                x=x,
                y=[float(w.expected) for w in weeks],
                name=_("Esperado (média)"),
                marker={"color": "#6fa8dc"},
                hovertemplate=money + "<extra>" + _("esperado") + "</extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=[float(w.p90) for w in weeks],
            name="P90",
            mode="lines",
            line={"color": LINE, "width": 1, "dash": "dot"},
            hovertemplate=money + "<extra>P90</extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=[float(w.p10) for w in weeks],
            name=_("Faixa P10–P90"),
            mode="lines",
            fill="tonexty",
            fillcolor=BAND,
            line={"color": LINE, "width": 1, "dash": "dot"},
            hovertemplate=money + "<extra>P10</extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=[float(w.p50) for w in weeks],
            name=_("P50 (mediana)"),
            mode="lines+markers",
            line={"color": LINE, "width": 2},
            marker={"size": 6},
            hovertemplate=money + "<extra>P50</extra>",
        )
    )
    # A fresh id each time: htmx "settles" an element that keeps its id by restoring its
    # attributes after the swap, which would wipe the classes plotly.js gives the new chart.
    div_id = f"{CHART_ID}-{uuid.uuid4().hex[:8]}"
    config = {**CONFIG, "toImageButtonOptions": {"filename": "previsao-recebimentos"}}
    return plotly_div(figure, div_id, config)
