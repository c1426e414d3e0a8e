"""Usage charts built with Plotly in Python; the page loads plotly.js from ``/assets/``.

Amounts become floats here, for drawing only; the table under the charts shows the exact
decimals.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.io as pio
from django.utils.html import format_html, json_script

from fatura.billing.usage_selectors import UsageSeries

PALETTE = (
    "#0b5394", "#e69138", "#38761d", "#a61c00", "#674ea7",
    "#45818e", "#bf9000", "#c27ba0", "#3d85c6", "#6aa84f",
)  # fmt: skip
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d"]}


def _layout(title: str, y_title: str) -> dict[str, object]:
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        "separators": ",.",  # pt-BR: decimal comma, thousands dot
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"},
        "margin": {"l": 70, "r": 20, "t": 50, "b": 50},
        "height": 360,
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": {"type": "date", "tickformat": "%m/%Y", "dtick": "M1", "title": ""},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", "separatethousands": True},
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "hovermode": "x unified",
    }


def plotly_div(figure: go.Figure, div_id: str, config: dict[str, object]) -> str:
    """The chart as an empty ``<div data-plotly>`` naming the JSON data block (figure and
    config) beside it; static/web/charts.js draws every such div, on load and after each htmx
    swap. A data block is not run, so the Content-Security-Policy needs no inline script
    (docs/decisions/0014)."""
    payload = {"figure": json.loads(pio.to_json(figure, validate=False)), "config": config}
    return format_html(
        '<div id="{}" class="plotly-graph-div plotly-chart" data-plotly="{}-data"></div>{}',
        div_id,
        div_id,
        json_script(payload, f"{div_id}-data"),
    )


def _html(figure: go.Figure, div_id: str) -> str:
    return plotly_div(figure, div_id, CONFIG)


def quantity_chart(series: Sequence[UsageSeries]) -> str:
    figure = go.Figure(layout=_layout("Quantidade por mês", "Quantidade"))
    for index, s in enumerate(series):
        figure.add_trace(
            go.Scatter(
                x=[p.month.first_day.isoformat() for p in s.points],
                y=[float(p.quantity) for p in s.points],
                name=f"{s.name} ({s.unit})",
                mode="lines+markers",
                line={"color": PALETTE[index % len(PALETTE)], "width": 2},
                hovertemplate="%{y:,.2f} " + s.unit + "<extra>" + s.name + "</extra>",
            )
        )
    return _html(figure, "usage-quantity-chart")


def amount_chart(series: Sequence[UsageSeries]) -> str:
    figure = go.Figure(layout=_layout("Valor cobrado por mês", "R$"))
    figure.update_layout(barmode="group")
    for index, s in enumerate(series):
        figure.add_trace(
            go.Bar(
                x=[p.month.first_day.isoformat() for p in s.points],
                y=[float(p.amount) for p in s.points],
                name=s.name,
                marker={"color": PALETTE[index % len(PALETTE)]},
                hovertemplate="R$ %{y:,.2f}<extra>" + s.name + "</extra>",
            )
        )
    return _html(figure, "usage-amount-chart")
