"""Charts of the receivables reports (Plotly in Python; the page loads plotly.js from
``/assets/``). Amounts become floats here, for drawing only; the tables under the charts show
the exact decimals."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from fatura.receivables.cash_in import CashInReport
from fatura.receivables.domain import AGING_BUCKETS, AGING_LABELS
from fatura.receivables.ledger import AgingReport, DsoReport
from fatura.web.charts import CONFIG, plotly_div

# From "not yet due" (green) to "more than 90 days" (dark red).
BUCKET_COLORS = {
    "current": "#38761d",
    "1-30": "#bf9000",
    "31-60": "#e69138",
    "61-90": "#cc4125",
    "90+": "#85200c",
}
TOP_GROUPS = 15  # the chart shows the largest groups; the table has them all
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"}


def _html(figure: go.Figure, div_id: str) -> str:
    return plotly_div(figure, div_id, CONFIG)


def _short(label: str, size: int = 34) -> str:
    return label if len(label) <= size else label[: size - 1] + "…"


def aging_chart(report: AgingReport) -> str:
    """Horizontal bars, one per group (the largest first), stacked by aging bucket."""
    rows = sorted(report.rows, key=lambda r: r.total, reverse=True)[:TOP_GROUPS]
    rows.reverse()  # plotly draws the first category at the bottom
    keys = [f"{r.key}·{r.label}" for r in rows]  # unique, even when two labels are alike
    labels = [_short(r.label) for r in rows]
    figure = go.Figure(
        layout={
            "title": {
                "text": f"Em aberto por {report.group_label.lower()} e faixa de atraso",
                "x": 0,
                "xanchor": "left",
                "y": 0.99,
                "yref": "container",
                "yanchor": "top",
                "font": {"size": 16},
            },
            "barmode": "stack",
            "separators": ",.",
            "font": FONT,
            "margin": {"l": 230, "r": 20, "t": 80, "b": 40},
            "height": 170 + 28 * len(rows),
            "legend": {
                "orientation": "h",
                "y": 1.0,
                "yanchor": "bottom",
                "x": 0,
                "traceorder": "normal",
            },
            "xaxis": {"title": {"text": "R$"}, "separatethousands": True, "rangemode": "tozero"},
            "yaxis": {
                "type": "category",
                "tickmode": "array",
                "tickvals": keys,
                "ticktext": labels,
                "automargin": True,
            },
            "plot_bgcolor": "#ffffff",
            "paper_bgcolor": "#ffffff",
        }
    )
    for bucket in AGING_BUCKETS:
        figure.add_trace(
            go.Bar(
                y=keys,
                x=[float(r.buckets[bucket]) for r in rows],
                customdata=[r.label for r in rows],
                name=AGING_LABELS[bucket],
                orientation="h",
                marker={"color": BUCKET_COLORS[bucket]},
                hovertemplate="%{customdata}: R$ %{x:,.2f}<extra>"
                + AGING_LABELS[bucket]
                + "</extra>",
            )
        )
    return _html(figure, "aging-chart")


def dso_chart(months: Sequence[DsoReport]) -> str:
    """DSO month by month (a line), next to the credit sales of each month (bars)."""
    x = [m.start.isoformat() for m in months]
    figure = go.Figure(
        layout={
            "title": {"text": "DSO por mês", "x": 0, "xanchor": "left", "font": {"size": 16}},
            "separators": ",.",
            "font": FONT,
            "margin": {"l": 70, "r": 70, "t": 50, "b": 50},
            "height": 340,
            "legend": {"orientation": "h", "y": -0.2},
            "xaxis": {"type": "date", "tickformat": "%m/%Y", "dtick": "M1"},
            "yaxis": {"title": {"text": "dias"}, "rangemode": "tozero"},
            "yaxis2": {
                "title": {"text": "R$"},
                "overlaying": "y",
                "side": "right",
                "rangemode": "tozero",
                "separatethousands": True,
                "showgrid": False,
            },
            "plot_bgcolor": "#ffffff",
            "paper_bgcolor": "#ffffff",
            "hovermode": "x unified",
        }
    )
    figure.add_trace(
        go.Bar(
            x=x,
            y=[float(m.credit_sales) for m in months],
            name="Vendas a prazo",
            yaxis="y2",
            marker={"color": "#c9daf8"},
            hovertemplate="R$ %{y:,.2f}<extra>Vendas a prazo</extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=[float(m.dso) if m.dso is not None else None for m in months],
            name="DSO (dias)",
            mode="lines+markers",
            line={"color": "#0b5394", "width": 3},
            hovertemplate="%{y:,.1f} dias<extra>DSO</extra>",
        )
    )
    return _html(figure, "dso-chart")


def cash_in_chart(report: CashInReport) -> str:
    """Expected receipts per week (bars), from the open receivables."""
    weeks = [*report.weeks, report.later]
    labels = [f"{w.start:%d/%m}" for w in report.weeks] + ["depois"]
    figure = go.Figure(
        layout={
            "title": {"text": "Recebimentos previstos por semana", "x": 0, "font": {"size": 16}},
            "separators": ",.",
            "font": FONT,
            "margin": {"l": 80, "r": 20, "t": 50, "b": 50},
            "height": 340,
            "xaxis": {"title": {"text": "semana (segunda-feira)"}, "type": "category"},
            "yaxis": {"title": {"text": "R$"}, "rangemode": "tozero", "separatethousands": True},
            "plot_bgcolor": "#ffffff",
            "paper_bgcolor": "#ffffff",
        }
    )
    figure.add_trace(
        go.Bar(
            x=labels,
            y=[float(w.amount) for w in weeks],
            marker={"color": ["#0b5394"] * len(report.weeks) + ["#9aa5b1"]},
            customdata=[w.invoices for w in weeks],
            hovertemplate="R$ %{y:,.2f} · %{customdata} fatura(s)<extra></extra>",
        )
    )
    return _html(figure, "cash-in-chart")
