"""The KPI dashboard's charts and their data: what :mod:`.kpis` shows under the cards.

Every chart has a slug (its CSV at ``indicadores/graficos/<slug>.csv`` and its PNG's file name)
and one function giving its table (header and rows, the CSV's content), so the chart, the table
on the page and the download say the same thing. The numbers come from
``fatura.mining.kpis`` (``compute``'s result and :func:`~fatura.mining.kpis.dashboard.dashboard`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fatura.core.months import Month
from fatura.eventlog.activities import label
from fatura.mining.kpis.dashboard import AGING_BUCKETS, Dashboard
from fatura.receivables.models import CallOutcome
from fatura.web.views.mining import kpi_charts as charts

AGING_LABELS = {
    "current": gettext_lazy("A vencer"),
    "1-30": gettext_lazy("1–30 dias"),
    "31-60": gettext_lazy("31–60 dias"),
    "61-90": gettext_lazy("61–90 dias"),
    "90+": gettext_lazy("Mais de 90 dias"),
    "no_due_date": gettext_lazy("Sem vencimento"),
}
AGING_SHORT = {  # the chart's axis: short enough for six bars in half a page
    "current": gettext_lazy("A vencer"),
    "1-30": "1–30",
    "31-60": "31–60",
    "61-90": "61–90",
    "90+": "> 90",
    "no_due_date": gettext_lazy("Sem venc."),
}
NO_SEGMENT = gettext_lazy("sem segmento")
NO_OUTCOME = gettext_lazy("sem resultado registrado")
# slug -> file name of its PNG and CSV (with the log's key)
FILES = {
    "dso": "dso-por-mes",
    "taxas": "taxas",
    "regua": "regua-de-cobranca",
    "regua-segmento": "regua-por-segmento",
    "aging": "em-aberto-por-atraso",
    "situacao": "situacao-em-aberto",
    "ciclo": "ciclo-ponta-a-ponta",
    "caixa": "recebimentos-previstos",
    "contatos": "ligacoes-por-resultado",
    "contestacoes": "contestacoes",
}
# slug -> (id of the chart's <div>, title of its section)
CHARTS = {
    "dso": ("kpi-dso-chart", gettext_lazy("DSO por mês")),
    "taxas": ("kpi-rates-chart", gettext_lazy("Taxas")),
    "regua": ("kpi-dunning-chart", gettext_lazy("Efetividade da régua de cobrança")),
    "regua-segmento": ("kpi-dunning-segment-chart", gettext_lazy("Régua de cobrança por segmento")),
    "aging": ("kpi-aging-chart", gettext_lazy("Faturas em aberto por atraso")),
    "situacao": ("kpi-status-chart", gettext_lazy("Situação das faturas em aberto")),
    "ciclo": ("kpi-cycle-chart", gettext_lazy("Ciclo ponta a ponta")),
    "caixa": ("kpi-cash-in-chart", gettext_lazy("Recebimentos previstos por semana")),
    "contatos": ("kpi-calls-chart", gettext_lazy("Ligações de cobrança por resultado")),
    "contestacoes": ("kpi-disputes-chart", gettext_lazy("Contestações")),
}


@dataclass(frozen=True)
class Sources:
    """What the charts are drawn from."""

    result: dict[str, Any]  # kpis.compute(...)
    board: Dashboard
    rates: list[tuple[str, float | None]]  # (card label, share) of the share KPIs


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: Sequence[Sequence[object]]


def _places(value: float | None, places: int = 4) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, places)))


def segment_name(segment: str | None) -> str:
    return segment if segment is not None else str(NO_SEGMENT)


def outcome_name(code: str | None) -> str:
    if code is None:
        return str(NO_OUTCOME)
    return str(CallOutcome(code).label) if code in CallOutcome.values else code


def _dso(s: Sources) -> Table:
    rows = [
        (Month.parse(m["month"]), _places(m["dso_days"]), m["paid_cases"])
        for m in s.result["dso_by_month"]
    ]
    return Table([_("Mês"), _("DSO (dias)"), _("Faturas pagas")], rows)


def _rates(s: Sources) -> Table:
    rows = [(name, _places(None if v is None else 100 * v)) for name, v in s.rates]
    return Table([_("Indicador"), _("Valor (%)")], rows)


def _dunning(s: Sources) -> Table:
    levels = s.result["dunning_effectiveness"]
    days = levels[0]["days"] if levels else s.board.dunning[0].days if s.board.dunning else 14
    rows = [(r["level"], r["cases"], r["paid_within"], _places(100 * r["rate"])) for r in levels]
    header = [
        _("Nível"),
        _("Faturas com lembrete"),
        _("Pagas em até %(days)s dias") % {"days": days},
        _("Taxa (%)"),
    ]
    return Table(header, rows)


def _dunning_segment(s: Sources) -> Table:
    rows = [
        (segment_name(r.segment), r.level, r.cases, r.paid_within, _places(100 * r.rate))
        for r in s.board.dunning
    ]
    days = s.board.dunning[0].days if s.board.dunning else 14
    header = [
        _("Segmento"),
        _("Nível"),
        _("Faturas com lembrete"),
        _("Pagas em até %(days)s dias") % {"days": days},
        _("Taxa (%)"),
    ]
    return Table(header, rows)


def _aging(s: Sources) -> Table:
    rows = [(str(AGING_LABELS[g.key]), g.cases, g.amount, g.with_amount) for g in s.board.aging]
    header = [_("Atraso"), _("Faturas em aberto"), _("Valor em aberto"), _("Faturas com valor")]
    return Table(header, rows)


def _status(s: Sources) -> Table:
    rows = [(label(g.key), g.key, g.cases, g.amount) for g in s.board.statuses]
    header = [_("Última atividade"), _("Atividade no log"), _("Faturas"), _("Valor em aberto")]
    return Table(header, rows)


def _cycle(s: Sources) -> Table:
    rows = [(b.start_days, b.end_days, b.cases) for b in s.board.cycles.bins]
    return Table([_("De (dias)"), _("Até (dias, exclusive)"), _("Faturas")], rows)


def _cash(s: Sources) -> Table:
    rows = [(w.start or _("depois"), w.cases, w.amount) for w in s.board.cash_in.weeks]
    return Table([_("Semana (segunda-feira)"), _("Faturas"), _("Valor previsto")], rows)


def _calls(s: Sources) -> Table:
    total = sum(s.board.calls.values())
    rows = [
        (outcome_name(code), code or "", n, _places(100 * n / total, 2))
        for code, n in s.board.calls.items()
    ]
    return Table([_("Resultado"), _("Código no log"), _("Ligações"), _("Participação (%)")], rows)


def _disputes(s: Sources) -> Table:
    d = s.board.disputes
    mean = s.result["dispute_resolution_time"]
    rows: list[tuple[object, ...]] = [
        (_("Faturas contestadas"), d.cases, _("faturas")),
        (_("Resolvidas"), d.resolved, _("faturas")),
        (_("Em aberto"), d.open, _("faturas")),
        (_("Resoluções"), mean.counts.get("resolved_disputes", 0), _("contestações")),
        (_("Tempo médio de resolução"), _places(mean.value), _("dias")),
    ]
    return Table([_("Item"), _("Valor"), _("Unidade")], rows)


TABLES: dict[str, Callable[[Sources], Table]] = {
    "dso": _dso,
    "taxas": _rates,
    "regua": _dunning,
    "regua-segmento": _dunning_segment,
    "aging": _aging,
    "situacao": _status,
    "ciclo": _cycle,
    "caixa": _cash,
    "contatos": _calls,
    "contestacoes": _disputes,
}


def filename(slug: str, log_key: str) -> str:
    return f"{FILES[slug]}-{log_key}"


def _has(slug: str, s: Sources) -> bool:
    board = s.board
    return {
        "dso": bool(s.result["dso_by_month"]),
        "taxas": any(v is not None for _n, v in s.rates),
        "regua": bool(s.result["dunning_effectiveness"]),
        "regua-segmento": bool(board.dunning),
        "aging": board.open_cases > 0,
        "situacao": bool(board.statuses),
        "ciclo": board.cycles.cases > 0,
        "caixa": any(w.cases for w in board.cash_in.weeks),
        "contatos": bool(board.calls),
        "contestacoes": board.disputes.cases > 0,
    }[slug]


def _draw(slug: str, s: Sources, name: str) -> str:
    board = s.board
    if slug == "dso":
        return charts.dso_trend_chart(s.result["dso_by_month"], name)
    if slug == "taxas":
        return charts.rates_chart([(n, v) for n, v in s.rates if v is not None], name)
    if slug == "regua":
        return charts.dunning_chart(s.result["dunning_effectiveness"], name)
    if slug == "regua-segmento":
        return charts.dunning_segment_chart(board.dunning, str(NO_SEGMENT), name)
    if slug == "aging":
        labels = [str(AGING_SHORT[k]) for k in AGING_BUCKETS]
        return charts.aging_chart(board.aging, labels, name)
    if slug == "situacao":
        return charts.status_chart(board.statuses, [label(g.key) for g in board.statuses], name)
    if slug == "ciclo":
        return charts.cycle_chart(board.cycles, name)
    if slug == "caixa":
        return charts.cash_in_chart(board.cash_in.weeks, name)
    if slug == "contatos":
        outcomes = [(outcome_name(code), n) for code, n in board.calls.items()]
        return charts.calls_chart(outcomes, name)
    return charts.disputes_chart(board.disputes.resolved, board.disputes.open, name)


def chart_context(s: Sources, log_key: str) -> dict[str, dict[str, Any]]:
    """Per slug (``-`` as ``_``): ``html`` (the chart, empty when there is nothing to draw),
    ``slug``, ``filename`` (of the PNG and CSV), ``div_id`` and ``title``."""
    out = {}
    for slug in TABLES:
        name = filename(slug, log_key)
        div_id, title = CHARTS[slug]
        out[slug.replace("-", "_")] = {
            "slug": slug,
            "html": _draw(slug, s, name) if _has(slug, s) else "",
            "filename": name,
            "div_id": div_id,
            "title": str(title),
        }
    return out


def _cell(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    percent = f"{100 * row.rate:.1f}%".replace(".", ",")
    return {"percent": percent, "paid_within": row.paid_within, "cases": row.cases}


def dunning_matrix(s: Sources) -> dict[str, Any]:
    """The dunning-by-segment table as segment rows × level columns."""
    levels = sorted({r.level for r in s.board.dunning})
    segments: dict[str, dict[int, Any]] = {}
    for r in s.board.dunning:
        segments.setdefault(segment_name(r.segment), {})[r.level] = r
    rows = [
        {"segment": name, "cells": [_cell(found.get(level)) for level in levels]}
        for name, found in segments.items()
    ]
    return {"levels": levels, "rows": rows}


def aging_rows(s: Sources) -> list[dict[str, Any]]:
    return [{"label": AGING_LABELS[g.key], "group": g} for g in s.board.aging]


def status_rows(s: Sources) -> list[dict[str, Any]]:
    return [{"label": label(g.key), "group": g} for g in s.board.statuses]


def call_rows(s: Sources) -> Sequence[dict[str, Any]]:
    total = sum(s.board.calls.values()) or 1
    return [
        {"label": outcome_name(code), "calls": n, "share": 100 * n / total}
        for code, n in s.board.calls.items()
    ]
