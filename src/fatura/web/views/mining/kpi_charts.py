"""The KPI dashboard's Plotly charts (the process map is in :mod:`.map_drawing`).

Each chart is drawn in Python and served as a ``<div>``; plotly.js comes from ``/assets/``. The
modebar's camera saves a PNG named after the chart and the log (``config.toImageButtonOptions``),
as the page's "PNG" button does (static/web/mining-export.js). Amounts become floats here, for
drawing only: the tables under the charts and the CSVs keep the decimals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from fatura.mining.kpis.dashboard import CashWeek, Cycles, DunningRow, Group
from fatura.web.charts import CONFIG, PALETTE, plotly_div

FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
BRAND = "#0b5394"
AGING_COLORS = ("#38761d", "#bf9000", "#e69138", "#cc4125", "#a61c00", "#9aa5b1")
PNG_SCALE = 2


def config(filename: str) -> dict[str, Any]:
    """Plotly's config: the shared one, plus the PNG's name and scale."""
    image = {"format": "png", "filename": filename, "scale": PNG_SCALE}
    # "Share chart..." would send the chart to Plotly's cloud: nothing leaves Fatura
    shared = CONFIG.get("modeBarButtonsToRemove")
    remove = [*(shared if isinstance(shared, list) else []), "sendChartToCloud"]
    return {**CONFIG, "modeBarButtonsToRemove": remove, "toImageButtonOptions": image}


def _layout(title: str, height: int = 320) -> dict[str, Any]:
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        "separators": ",.",
        "font": {"family": FONT},
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "height": height,
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "showlegend": False,
    }


def _html(figure: go.Figure, div_id: str, filename: str) -> str:
    return plotly_div(figure, div_id, config(filename))


def _counts(most: int, **axis: Any) -> dict[str, Any]:
    """An axis of whole numbers: no 0,5 invoice on a small chart."""
    ticks = {"dtick": 1} if most <= 8 else {}
    return {"rangemode": "tozero", "tickformat": ",d", **ticks, **axis}


def _money(value: float) -> str:
    text = f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"R$ {text}"


def dso_trend_chart(months: Sequence[dict[str, Any]], filename: str) -> str:
    figure = go.Figure(layout=_layout(_("DSO por mês do pagamento")))
    step = max(1, math.ceil(len(months) / 8))  # at most about eight labels
    figure.update_layout(
        xaxis={"type": "date", "tickformat": "%m/%Y", "dtick": f"M{step}"},
        yaxis={"title": {"text": _("dias")}, "rangemode": "tozero"},
    )
    figure.add_trace(
        go.Scatter(
            x=[f"{m['month']}-01" for m in months],
            y=[m["dso_days"] for m in months],
            customdata=[m["paid_cases"] for m in months],
            mode="lines+markers",
            line={"color": BRAND, "width": 3},
            hovertemplate=_("%{y:,.1f} dias (%{customdata} faturas pagas)") + "<extra>DSO</extra>",
        )
    )
    return _html(figure, "kpi-dso-chart", filename)


def dunning_chart(levels: Sequence[dict[str, Any]], filename: str) -> str:
    figure = go.Figure(layout=_layout(_("Efetividade da régua: pagos após o lembrete")))
    figure.update_layout(
        xaxis={"title": {"text": _("nível do lembrete")}, "type": "category"},
        yaxis={"title": {"text": "%"}, "range": [0, 100]},
    )
    figure.add_trace(
        go.Bar(
            x=[_("Nível %(level)s") % {"level": row["level"]} for row in levels],
            y=[100 * row["rate"] for row in levels],
            text=[
                _("%(paid)s de %(cases)s") % {"paid": row["paid_within"], "cases": row["cases"]}
                for row in levels
            ],
            textposition="auto",
            marker={"color": "#e69138"},
            hovertemplate="%{y:,.1f}% (%{text})<extra></extra>",
        )
    )
    return _html(figure, "kpi-dunning-chart", filename)


def rates_chart(rates: Sequence[tuple[str, float]], filename: str) -> str:
    """Horizontal bars of the share KPIs, in percent."""
    rows = list(reversed(rates))  # plotly draws the first category at the bottom
    figure = go.Figure(layout=_layout(_("Taxas"), height=120 + 34 * len(rows)))
    figure.update_layout(
        xaxis={"title": {"text": "%"}, "range": [0, 100]},
        yaxis={"automargin": True},
        margin={"l": 200, "r": 30, "t": 50, "b": 50},
    )
    figure.add_trace(
        go.Bar(
            y=[name for name, _value in rows],
            x=[100 * value for _name, value in rows],
            orientation="h",
            text=[f"{100 * value:.1f}%".replace(".", ",") for _name, value in rows],
            textposition="auto",
            marker={"color": BRAND},
            hovertemplate="%{y}: %{x:,.1f}%<extra></extra>",
        )
    )
    return _html(figure, "kpi-rates-chart", filename)


def aging_chart(buckets: Sequence[Group], labels: Sequence[str], filename: str) -> str:
    """Open amount per aging bucket (cases when the log has no amounts)."""
    amounts = any(b.with_amount for b in buckets)
    title = _("Em aberto por atraso") if amounts else _("Faturas em aberto por atraso")
    figure = go.Figure(layout=_layout(title, height=340))
    figure.update_layout(
        xaxis={
            "type": "category",
            "title": {"text": _("dias de atraso (número de faturas nas barras)")},
        },
        yaxis={"title": {"text": "R$"}, "rangemode": "tozero", "separatethousands": True}
        if amounts
        else _counts(max(b.cases for b in buckets), title={"text": _("faturas")}),
    )
    counts = [_("%(n)s fatura(s)") % {"n": b.cases} for b in buckets]
    figure.add_trace(
        go.Bar(
            x=list(labels),
            y=[float(b.amount) if amounts else b.cases for b in buckets],
            text=[str(b.cases) for b in buckets],
            texttemplate="%{text}",
            textposition="outside",
            cliponaxis=False,
            marker={"color": list(AGING_COLORS[: len(buckets)])},
            customdata=[
                [_money(float(b.amount)), text] for b, text in zip(buckets, counts, strict=True)
            ],
            hovertemplate="%{x}: %{customdata[0]} · %{customdata[1]}<extra></extra>"
            if amounts
            else "%{x}: %{customdata[1]}<extra></extra>",
        )
    )
    return _html(figure, "kpi-aging-chart", filename)


def status_chart(groups: Sequence[Group], labels: Sequence[str], filename: str) -> str:
    """Open cases by their last activity (horizontal bars, most frequent on top)."""
    rows = list(reversed(list(zip(groups, labels, strict=True))))
    figure = go.Figure(
        layout=_layout(_("Situação das faturas em aberto (última atividade)"), 120 + 30 * len(rows))
    )
    figure.update_layout(
        xaxis=_counts(max((g.cases for g in groups), default=0), title={"text": _("faturas")}),
        yaxis={"automargin": True},
        margin={"l": 220, "r": 30, "t": 50, "b": 50},
    )
    figure.add_trace(
        go.Bar(
            y=[text for _g, text in rows],
            x=[g.cases for g, _text in rows],
            orientation="h",
            text=[str(g.cases) for g, _text in rows],
            textposition="auto",
            customdata=[_money(float(g.amount)) for g, _text in rows],
            marker={"color": "#674ea7"},
            hovertemplate="%{y}: %{x} · %{customdata}<extra></extra>",
        )
    )
    return _html(figure, "kpi-status-chart", filename)


def dunning_segment_chart(rows: Sequence[DunningRow], segment_label: str, filename: str) -> str:
    """Grouped bars: per reminder level, the share paid within N days, one bar per segment."""
    figure = go.Figure(layout=_layout(_("Régua de cobrança por segmento"), height=360))
    figure.update_layout(
        barmode="group",
        showlegend=True,
        legend={"orientation": "h", "y": -0.25},
        xaxis={"title": {"text": _("nível do lembrete")}, "type": "category"},
        yaxis={"title": {"text": "%"}, "range": [0, 100]},
    )
    segments: list[str | None] = []
    for row in rows:
        if row.segment not in segments:
            segments.append(row.segment)
    levels = sorted({row.level for row in rows})
    for index, segment in enumerate(segments):
        mine = {r.level: r for r in rows if r.segment == segment}
        name = segment if segment is not None else segment_label
        figure.add_trace(
            go.Bar(
                name=name,
                x=[_("Nível %(level)s") % {"level": lv} for lv in levels],
                y=[100 * mine[lv].rate if lv in mine else None for lv in levels],
                text=[
                    _("%(paid)s de %(cases)s")
                    % {"paid": mine[lv].paid_within, "cases": mine[lv].cases}
                    if lv in mine
                    else ""
                    for lv in levels
                ],
                textposition="none",
                marker={"color": PALETTE[index % len(PALETTE)]},
                hovertemplate="%{x}: %{y:,.1f}% (%{text})<extra>" + name + "</extra>",
            )
        )
    return _html(figure, "kpi-dunning-segment-chart", filename)


def cycle_chart(cycles: Cycles, filename: str) -> str:
    """Histogram of the end-to-end cycle time, the median and the 90th percentile marked."""
    figure = go.Figure(layout=_layout(_("Ciclo ponta a ponta das faturas encerradas"), 340))
    figure.update_layout(
        xaxis={"title": {"text": _("dias do primeiro ao último evento")}, "rangemode": "tozero"},
        yaxis=_counts(max((b.cases for b in cycles.bins), default=0), title={"text": _("faturas")}),
        bargap=0.05,
        margin={"l": 60, "r": 20, "t": 75, "b": 50},
    )
    width = cycles.bin_days
    figure.add_trace(
        go.Bar(
            x=[b.start_days + width / 2 for b in cycles.bins],
            y=[b.cases for b in cycles.bins],
            width=[width] * len(cycles.bins),
            customdata=[[b.start_days, b.end_days] for b in cycles.bins],
            marker={"color": BRAND},
            hovertemplate=_("%{customdata[0]} a %{customdata[1]} dias: %{y} faturas")
            + "<extra></extra>",
        )
    )
    marks = (
        (cycles.median_days, _("mediana"), "#a61c00", "right"),
        (cycles.p90_days, "p90", "#e69138", "left"),
    )
    for value, name, color, side in marks:
        if value is None:
            continue
        text = f"{name} {value:.1f} d".replace(".", ",")
        figure.add_vline(x=value, line={"color": color, "width": 2, "dash": "dash"})
        figure.add_annotation(
            x=value, y=1, yref="paper", yanchor="bottom", text=text, showarrow=False, xanchor=side,
            font={"color": color}, bgcolor="rgba(255,255,255,.8)",
        )  # fmt: skip
    return _html(figure, "kpi-cycle-chart", filename)


def cash_in_chart(weeks: Sequence[CashWeek], filename: str) -> str:
    """Expected receipts per week (bars), the weeks after the horizon in grey."""
    labels = [f"{w.start:%d/%m}" if w.start else _("depois") for w in weeks]
    figure = go.Figure(layout=_layout(_("Recebimentos previstos por semana"), 340))
    figure.update_layout(
        margin={"l": 80, "r": 20, "t": 50, "b": 50},
        xaxis={"title": {"text": _("semana (segunda-feira)")}, "type": "category"},
        yaxis={"title": {"text": "R$"}, "rangemode": "tozero", "separatethousands": True},
    )
    figure.add_trace(
        go.Bar(
            x=labels,
            y=[float(w.amount) for w in weeks],
            marker={"color": [BRAND if w.start else "#9aa5b1" for w in weeks]},
            customdata=[w.cases for w in weeks],
            hovertemplate=_("R$ %{y:,.2f} · %{customdata} fatura(s)") + "<extra></extra>",
        )
    )
    return _html(figure, "kpi-cash-in-chart", filename)


def calls_chart(outcomes: Sequence[tuple[str, int]], filename: str) -> str:
    total = sum(n for _name, n in outcomes) or 1
    figure = go.Figure(layout=_layout(_("Ligações de cobrança por resultado")))
    figure.update_layout(
        xaxis={"type": "category"},
        yaxis=_counts(max((n for _name, n in outcomes), default=0), title={"text": _("ligações")}),
    )
    figure.add_trace(
        go.Bar(
            x=[name for name, _n in outcomes],
            y=[n for _name, n in outcomes],
            text=[f"{100 * n / total:.0f}%" for _name, n in outcomes],
            textposition="auto",
            marker={"color": "#45818e"},
            hovertemplate="%{x}: %{y} (%{text})<extra></extra>",
        )
    )
    return _html(figure, "kpi-calls-chart", filename)


def disputes_chart(resolved: int, open_: int, filename: str) -> str:
    figure = go.Figure(layout=_layout(_("Contestações resolvidas e em aberto")))
    figure.update_layout(
        xaxis={"type": "category"},
        yaxis=_counts(max(resolved, open_), title={"text": _("faturas")}),
    )
    figure.add_trace(
        go.Bar(
            x=[_("Resolvidas"), _("Em aberto")],
            y=[resolved, open_],
            text=[str(resolved), str(open_)],
            textposition="auto",
            marker={"color": ["#38761d", "#cc4125"]},
            hovertemplate="%{x}: %{y}<extra></extra>",
        )
    )
    return _html(figure, "kpi-disputes-chart", filename)
