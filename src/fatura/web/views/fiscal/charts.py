"""Charts of the fiscal dashboard (Plotly in Python; the page loads plotly.js from
``/assets/``). Amounts become floats here, for drawing only; the tables and the CSV of each
chart carry the exact decimals. The modebar's camera saves a PNG named after the chart and the
period (``filename``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from fatura.fiscal.kpi import DayValue, LagBin
from fatura.fiscal.listing import MonthValue
from fatura.web.charts import CONFIG, plotly_div

FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"}
BRAND = "#0b5394"
WITHIN = "#38761d"


def _layout(title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        "separators": ",.",
        "font": FONT,
        "margin": {"l": 80, "r": 20, "t": 50, "b": 50},
        "height": 330,
        "showlegend": False,
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", "separatethousands": True},
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
    }
    layout.update(extra)
    return layout


def _html(figure: go.Figure, div_id: str, filename: str) -> str:
    config = {
        **CONFIG,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }
    return plotly_div(figure, div_id, config)


def bin_label(low: int, high: int | None) -> str:
    return f"{low}–{high}" if high is not None else f"{low}+"


def accumulated_chart(daily: Sequence[DayValue], filename: str) -> str:
    """The value issued, accumulated day by day over the period (a line)."""
    figure = go.Figure(
        layout=_layout(
            _("Valor acumulado no período"),
            "R$",
            xaxis={"type": "date", "tickformat": "%d/%m", "title": ""},
            hovermode="x unified",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[d.day.isoformat() for d in daily],
            y=[float(d.accumulated) for d in daily],
            customdata=[float(d.value) for d in daily],
            mode="lines+markers" if len(daily) <= 62 else "lines",
            line={"color": BRAND, "width": 3, "shape": "hv"},
            fill="tozeroy",
            fillcolor="rgba(11, 83, 148, 0.08)",
            name=_("Acumulado"),
            hovertemplate=_("%{x|%d/%m/%Y}: acumulado R$ %{y:,.2f} (no dia R$ %{customdata:,.2f})")
            + "<extra></extra>",
        )
    )
    return _html(figure, "chart-accumulated", filename)


def months_chart(months: Sequence[MonthValue], filename: str) -> str:
    """The value issued in each month (bars)."""
    figure = go.Figure(
        layout=_layout(
            _("Valor por mês de emissão"),
            "R$",
            xaxis={
                "type": "date",
                "tickformat": "%m/%y",
                "dtick": f"M{1 if len(months) <= 8 else 2 if len(months) <= 16 else 3}",
                "tickangle": 0,
                "title": "",
            },
        )
    )
    figure.add_trace(
        go.Bar(
            x=[f"{m.month}-01" for m in months],
            y=[float(m.total_value) for m in months],
            customdata=[m.count for m in months],
            marker={"color": BRAND},
            hovertemplate=_("%{x|%m/%Y}: R$ %{y:,.2f} · %{customdata} NFS-e") + "<extra></extra>",
        )
    )
    return _html(figure, "chart-months", filename)


def lag_chart(bins: Sequence[LagBin], filename: str) -> str:
    """How many orders covered had each lag (days from completion to the NFS-e)."""
    figure = go.Figure(
        layout=_layout(
            _("Distribuição do prazo de emissão"),
            _("ordens cobertas"),
            xaxis={"type": "category", "title": {"text": _("dias da conclusão à NFS-e")}},
            bargap=0.08,
        )
    )
    figure.add_trace(
        go.Bar(
            x=[bin_label(b.low, b.high) for b in bins],
            y=[b.count for b in bins],
            customdata=[float(b.value) for b in bins],
            marker={"color": BRAND},
            hovertemplate=_("%{x} dias: %{y} ordem(ns) · R$ %{customdata:,.2f}")
            + "<extra></extra>",
        )
    )
    return _html(figure, "chart-lags", filename)


def png_name(chart: str, start: dt.date, end: dt.date) -> str:
    return f"fiscal-{chart}-{start:%Y-%m-%d}-a-{end:%Y-%m-%d}"
