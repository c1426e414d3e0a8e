"""Mineração → Indicadores: the invoice KPIs of a log (``fatura.mining.kpis``) with filters, as
cards and charts (:mod:`.dashboard`), the policy checks with their violating cases, the
KPI table as CSV and each chart's data as CSV.

The KPIs, the dashboard views, the filter choices and the policy results are computed together
(about 0.5 s on the demo's log, after reading it) and cached per log stamp and filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import plotly
from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fatura.core.errors import InvalidInput, NotFound
from fatura.mining.kpis import (
    DEFAULT_RULES,
    FilterError,
    Filters,
    Kpi,
    Options,
    check,
    compute,
    derive,
)
from fatura.mining.kpis.dashboard import Dashboard, dashboard
from fatura.mining.kpis.kpis import is_invoice_log
from fatura.mining.selectors import mined_log_as_of
from fatura.web.csv_export import csv_response
from fatura.web.forms_receivables import DateBRField
from fatura.web.views.common import page
from fatura.web.views.mining import dashboard as mining_dashboard
from fatura.web.views.mining import map_drawing
from fatura.web.views.mining.logs import CASE_LIST, LogRef, _base_context, cached, log_ref

KPI_CACHE = "kpis:v2"  # what the cache keeps for this page; v2: with the dashboard views
# form field -> case attribute of the KPI filters
FILTER_FIELDS = {
    "segmento": ("segment", gettext_lazy("Segmento")),
    "unidade": ("business_unit", gettext_lazy("Unidade de negócio")),
    "regiao": ("region", gettext_lazy("Região")),
    "cobrador": ("collector", gettext_lazy("Cobrador")),
    "cliente": ("customer", gettext_lazy("Cliente")),
}
# (key, label, kind): the cards, in the order of the process
KPI_CARDS = (
    ("dso", gettext_lazy("DSO (prazo médio de recebimento)"), "days"),
    ("on_time_payment_rate", gettext_lazy("Pagamentos em dia"), "share"),
    ("approval_time", gettext_lazy("Tempo médio de aprovação"), "days"),
    ("cycle_time", gettext_lazy("Ciclo ponta a ponta"), "days"),
    ("invoice_to_cash_time", gettext_lazy("Da fatura ao recebimento"), "days"),
    ("billing_rework_rate", gettext_lazy("Retrabalho no faturamento"), "share"),
    ("dispute_rate", gettext_lazy("Faturas contestadas"), "share"),
    ("dispute_resolution_time", gettext_lazy("Tempo de resolução de contestação"), "days"),
    ("automation_rate", gettext_lazy("Automação (eventos automáticos)"), "share"),
    ("contact_success_rate", gettext_lazy("Sucesso de contato na cobrança"), "share"),
    ("write_off_rate", gettext_lazy("Baixa como perda"), "share"),
    ("payment_posting_lag", gettext_lazy("Atraso de contabilização do pagamento"), "days"),
    ("discount_capture_rate", gettext_lazy("Desconto por antecipação aproveitado"), "share"),
    ("time_to_apply", gettext_lazy("Tempo até aplicar o pagamento"), "days"),
)
COUNT_LABELS = {
    "paid_cases": gettext_lazy("faturas pagas"),
    "paid_on_time": gettext_lazy("pagas em dia"),
    "paid_cases_with_due_date": gettext_lazy("pagas com vencimento"),
    "approvals": gettext_lazy("aprovações"),
    "cases": gettext_lazy("faturas"),
    "cases_with_rework": gettext_lazy("com retrabalho"),
    "disputed_cases": gettext_lazy("contestadas"),
    "resolved_disputes": gettext_lazy("contestações resolvidas"),
    "automated_events": gettext_lazy("eventos automáticos"),
    "events": gettext_lazy("eventos"),
    "successful_calls": gettext_lazy("ligações com sucesso"),
    "calls": gettext_lazy("ligações"),
    "written_off_cases": gettext_lazy("baixadas"),
    "posted_payments": gettext_lazy("pagamentos contabilizados"),
    "paid_with_discount": gettext_lazy("pagas com desconto"),
    "applications": gettext_lazy("aplicações"),
}
RULE_LABELS = {
    "approved_before_sent": gettext_lazy(
        "Envio ao cliente só depois da aprovação (faturas com etapa de aprovação)"
    ),
    "approver_not_creator": gettext_lazy(
        "Quem aprova não é quem criou a fatura (segregação de funções)"
    ),
    "reminder_only_after_due_date": gettext_lazy("Lembrete de pagamento só depois do vencimento"),
    "paid_within_terms": gettext_lazy("Pago até o vencimento"),
}


def _zone() -> ZoneInfo:
    return ZoneInfo(str(settings.TIME_ZONE))


class KpiFilterForm(forms.Form):
    inicio = DateBRField(label=gettext_lazy("Começou a partir de"), required=False)
    fim = DateBRField(label=gettext_lazy("Começou até"), required=False)

    def __init__(self, data: Any, choices: dict[str, list[str]]) -> None:
        super().__init__(data)
        for name, (attribute, text) in FILTER_FIELDS.items():
            values = choices.get(attribute, [])
            self.fields[name] = forms.ChoiceField(
                label=text,
                required=False,
                choices=[("", _("Todos"))] + [(v, v) for v in values],
            )
        self.order_fields([*FILTER_FIELDS, "inicio", "fim"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("inicio"), data.get("fim")
        if start and end and end < start:
            self.add_error("fim", _("O fim não pode ser antes do início."))
        return data

    def filters(self) -> dict[str, Any]:
        """The filters as plain values (the cache key)."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        out: dict[str, Any] = {
            FILTER_FIELDS[name][0]: data[name] for name in FILTER_FIELDS if data.get(name)
        }
        if data.get("inicio"):
            out["from"] = data["inicio"].isoformat()
        if data.get("fim"):
            out["until"] = data["fim"].isoformat()
        return out


def _filters(asked: dict[str, Any]) -> Filters:
    zone = _zone()
    equals = {k: v for k, v in asked.items() if k not in ("from", "until")}
    start = asked.get("from")
    end = asked.get("until")
    return Filters(
        equals=equals,
        started_from=dt.datetime.combine(dt.date.fromisoformat(start), dt.time(), zone)
        if start
        else None,
        started_before=dt.datetime.combine(
            dt.date.fromisoformat(end) + dt.timedelta(days=1), dt.time(), zone
        )
        if end
        else None,
    )


@dataclass
class KpiReport:
    invoice_log: bool
    choices: dict[str, list[str]] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    policies: list[dict[str, Any]] = field(default_factory=list)
    board: Dashboard | None = None
    present: frozenset[str] = frozenset()  # the attributes the log has


def _compute(ref: LogRef, asked: dict[str, Any]) -> KpiReport:
    log = ref.log()
    if not is_invoice_log(log):
        return KpiReport(invoice_log=False)
    try:
        filters = _filters(asked)
    except FilterError as error:
        raise InvalidInput(str(error)) from None
    options = Options()
    if ref.mined is not None and (as_of := mined_log_as_of(ref.mined)) is not None:
        options = Options(as_of=as_of)  # imported --as-of: open invoices measured then (0037)
    with derive(log, "fast", options=options) as derived:
        choices = {}
        for attribute, _text in FILTER_FIELDS.values():
            column = derived.cases[attribute]
            table = derived.backend.to_pyarrow(
                derived.cases.filter(column.notnull()).select(column).distinct()
            )
            choices[attribute] = sorted(str(v) for v in table.column(0).to_pylist())
        result = compute(derived, filters)
        board = dashboard(derived, filters)
        kept_table = derived.backend.to_pyarrow(filters.apply(derived.cases).select("case_id"))
        kept = set(kept_table.column(0).to_pylist())
        policies = []
        for outcome in check(derived, DEFAULT_RULES):
            cases = [(c, r) for c, r in outcome.violations.items() if c in kept]
            policies.append(
                {
                    "rule": outcome.rule,
                    "description": outcome.description,
                    "count": len(cases),
                    "cases": cases[:CASE_LIST],
                }
            )
    return KpiReport(True, choices, result, policies, board, derived.present)


def _report(ref: LogRef, request: HttpRequest) -> tuple[KpiReport | None, KpiFilterForm]:
    if ref.empty:
        return None, KpiFilterForm(None, {})
    unfiltered = cached(ref, KPI_CACHE, {}, lambda: _compute(ref, {}))
    form = KpiFilterForm(request.GET or None, unfiltered.choices)
    asked = form.filters()
    if not asked:
        return unfiltered, form
    return cached(ref, KPI_CACHE, asked, lambda: _compute(ref, asked)), form


def _value_text(kpi: Kpi, kind: str) -> str:
    if kpi.value is None:
        return "—"
    if kind == "share":
        return f"{100 * kpi.value:.1f}%".replace(".", ",")
    return map_drawing.duration_text(kpi.value * 86400)


def _counts_text(kpi: Kpi) -> str:
    return "; ".join(
        f"{map_drawing.count_text(n)} {COUNT_LABELS.get(k, k)}" for k, n in kpi.counts.items()
    )


def _cards(result: dict[str, Any]) -> list[dict[str, Any]]:
    cards = []
    for key, text, kind in KPI_CARDS:
        kpi = result.get(key)
        if not isinstance(kpi, Kpi):
            continue
        cards.append(
            {
                "key": key,
                "label": str(text),
                "kind": kind,
                "kpi": kpi,
                "value": _value_text(kpi, kind),
                "counts": _counts_text(kpi),
            }
        )
    return cards


@page
def kpi_dashboard(request: HttpRequest, log_key: str) -> HttpResponse:
    ref = log_ref(log_key, request)
    report, form = _report(ref, request)
    context: dict[str, Any] = {
        **_base_context(ref, "kpis"),
        "form": form,
        "report": report,
        "plotly_version": plotly.__version__,
        "query": request.GET.urlencode(),
    }
    if report is not None and report.invoice_log and report.board is not None:
        result = report.result
        cards = _cards(result)
        sources = _sources(report, report.board)
        context.update(
            cards=cards,
            cases=result["cases"],
            months=result["dso_by_month"],
            dunning=result["dunning_effectiveness"],
            charts=mining_dashboard.chart_context(sources, ref.key),
            board=report.board,
            aging_rows=mining_dashboard.aging_rows(sources),
            status_rows=mining_dashboard.status_rows(sources),
            dunning_matrix=mining_dashboard.dunning_matrix(sources),
            call_rows=mining_dashboard.call_rows(sources),
            has_amounts="amount" in report.present,
            has_segments="segment" in report.present,
            # labelled here, not in the cached report: the reader's language
            policies=[
                {**p, "label": str(RULE_LABELS.get(p["rule"], p["description"]))}
                for p in report.policies
            ],
            case_url=ref.own,
        )
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "web/mining/kpis.html", context, status=status)


def _sources(report: KpiReport, board: Dashboard) -> mining_dashboard.Sources:
    rates = [(c["label"], c["kpi"].value) for c in _cards(report.result) if c["kind"] == "share"]
    return mining_dashboard.Sources(report.result, board, rates)


@page
def kpi_chart_csv(request: HttpRequest, log_key: str, chart: str) -> StreamingHttpResponse:
    """One chart's data (the table under it), with the page's filters."""
    if chart not in mining_dashboard.TABLES:
        raise NotFound(_("Gráfico desconhecido: %(chart)s") % {"chart": chart})
    ref = log_ref(log_key, request)
    report, _form = _report(ref, request)
    if report is None or report.board is None:
        table = mining_dashboard.Table([_("Sem dados")], [])
    else:
        table = mining_dashboard.TABLES[chart](_sources(report, report.board))
    name = mining_dashboard.filename(chart, ref.key)
    return csv_response(f"{name}.csv", table.header, table.rows)


def _number(value: float | None, places: int) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, places)))


@page
def kpi_csv(request: HttpRequest, log_key: str) -> StreamingHttpResponse:
    ref = log_ref(log_key, request)
    report, _form = _report(ref, request)
    result = report.result if report is not None else {}

    def rows() -> Iterator[tuple[object, ...]]:
        for card in _cards(result):
            kpi: Kpi = card["kpi"]
            share = card["kind"] == "share"
            value = None if kpi.value is None else kpi.value * (100 if share else 1)
            unit = _("%") if share else _("dias")
            yield (card["label"], _number(value, 4), unit, card["counts"])
        for month in result.get("dso_by_month", []):
            yield (
                _("DSO %(month)s") % {"month": month["month"]},
                _number(month["dso_days"], 4),
                _("dias"),
                f"{month['paid_cases']} {COUNT_LABELS['paid_cases']}",
            )
        for level in result.get("dunning_effectiveness", []):
            yield (
                _("Régua: pagos em %(days)s dias após o lembrete de nível %(level)s")
                % {"days": level["days"], "level": level["level"]},
                _number(100 * level["rate"], 4),
                _("%"),
                f"{level['paid_within']} / {level['cases']}",
            )

    header = [_("Indicador"), _("Valor"), _("Unidade"), _("Base")]
    return csv_response(f"indicadores-{ref.key}.csv", header, rows())
