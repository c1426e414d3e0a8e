"""The fiscal reports as files: Relatório de Faturamento Pós-Serviço, Relatório de Eficiência
de Faturamento, the backlog (value at risk), and the data behind each dashboard chart.

CSV like every export of Fatura (``;``, UTF-8 with BOM, decimal comma, dd/mm/aaaa; lags with
4 decimals, rates in % with 2); PDF with the company letterhead, pt-BR formats and page numbers
(the frame every report shares, :func:`fatura.core.reports.report_pdf`).
Every number comes from :mod:`fatura.fiscal.listing` / :mod:`fatura.fiscal.kpi`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation

from fatura.core.money import format_decimal_br
from fatura.core.reports import Block, CsvTable, report_pdf
from fatura.customers.models import Customer
from fatura.fiscal.kpi import DayValue, Filters, Group, LagBin, NfseKpi, Period
from fatura.fiscal.listing import Backlog, Breakdown, MonthValue, PostServiceNfse
from fatura.fiscal.models import DelayKind

DIMENSIONS = {
    "customer": "Cliente",
    "service_type": "Tipo de serviço",
    "team": "Equipe",
    "month": "Mês de emissão",
    "delay_reason": "Motivo do atraso",
}

# --- formats ------------------------------------------------------------------------------


def lag_number(days: float | None, places: int = 4) -> Decimal | None:
    """A lag for a CSV cell (``Decimal``, so the comma is decimal)."""
    return None if days is None else Decimal(str(round(days, places)))


def rate_number(rate: float | None) -> Decimal | None:
    """A 0..1 rate as a percentage for a CSV cell, 2 decimals."""
    return None if rate is None else Decimal(str(round(rate * 100, 2)))


def days_text(days: float | Decimal | None, places: int = 1) -> str:
    """``4,8`` (days); ``—`` when there is nothing to measure."""
    if days is None:
        return "—"
    return format_decimal_br(Decimal(str(round(float(days), places))), places)


def percent_text(rate: float | None, places: int = 1) -> str:
    if rate is None:
        return "—"
    return f"{format_decimal_br(Decimal(str(round(rate * 100, places))), places)}%"


def expected_text(days: float | Decimal) -> str:
    """An expected lag as set: ``10``, ``0,5``."""
    return format_decimal_br(Decimal(str(days)).normalize()) or "0"


def delay_kind_text(kind: str) -> str:
    """The kind of a delay reason as the reports say it (pt-BR, like every report): "Interno",
    "A pedido do cliente"; "" without a reason."""
    if kind not in DelayKind.values:
        return ""
    with translation.override("pt-br"):
        return str(DelayKind(kind).label)


def delay_text(reason: str, kind: str) -> str:
    """A delay reason and its kind in one cell: "Aprovação interna pendente (interno)";
    "" without a reason."""
    if not reason:
        return ""
    kind_text = delay_kind_text(kind)
    return f"{reason} ({kind_text.lower()})" if kind_text else reason


def period_line(period: Period) -> str:
    return f"Período de {period.start:%d/%m/%Y} a {period.end:%d/%m/%Y} (data de emissão)"


def filter_lines(filters: Filters) -> list[str]:
    """The filters in words, for a report's heading (empty when there are none)."""
    parts = []
    if filters.customer_ids:
        names = Customer.objects.filter(pk__in=filters.customer_ids).order_by("name")
        parts.append("Cliente: " + ", ".join(names.values_list("name", flat=True)))
    if filters.service_types:
        parts.append("Tipo de serviço: " + ", ".join(filters.service_types))
    if filters.teams:
        parts.append("Equipe: " + ", ".join(filters.teams))
    if filters.months:
        parts.append("Mês: " + ", ".join(f"{m[5:]}/{m[:4]}" for m in filters.months))
    return parts


def _slug(period: Period) -> str:
    return f"{period.start:%Y-%m-%d}-a-{period.end:%Y-%m-%d}"


# --- Relatório de Faturamento Pós-Serviço ---------------------------------------------------

POST_SERVICE_HEADER = [
    "NFS-e",
    "Emissão",
    "Cliente",
    "CPF/CNPJ",
    "OS",
    "Tipo de serviço",
    "Equipe",
    "Conclusão",
    "Faturamento",
    "Prazo (dias)",
    "Prazo esperado (dias)",
    "Valor",
    "Dentro do prazo",
    "Motivo do atraso",
    "Tipo do atraso",
]


def post_service_csv(notes: Sequence[PostServiceNfse], period: Period) -> CsvTable:
    rows: list[list[Any]] = [
        [
            note.number,
            note.issued_at,
            note.customer,
            note.customer_document,
            line.order_number,
            line.service_type,
            line.team,
            line.completed_at,
            line.billed_at,
            lag_number(line.lag_days),
            lag_number(line.expected_days, 2),
            line.value,
            line.within,
            line.delay_reason,
            delay_kind_text(line.delay_kind) if line.delay_reason else "",
        ]
        for note in notes
        for line in note.lines
    ]
    return CsvTable(f"faturamento-pos-servico-{_slug(period)}.csv", POST_SERVICE_HEADER, rows)


# NFS-e, Emissão, Cliente, OS, Tipo, Equipe, Conclusão, Faturamento, Prazo, Esperado, Valor,
# No prazo, Motivo do atraso
POST_SERVICE_WIDTHS = (0.05, 0.09, 0.1, 0.065, 0.08, 0.06, 0.095, 0.095, 0.055, 0.07, 0.08, 0.05,
                       0.11)  # fmt: skip


def post_service_pdf(notes: Sequence[PostServiceNfse], result: NfseKpi, filters: Filters) -> bytes:
    header = ["NFS-e", "Emissão", "Cliente", "OS", "Tipo", "Equipe", "Conclusão",
              "Faturamento", "Prazo (dias)", "Esperado", "Valor", "No prazo",
              "Motivo do atraso"]  # fmt: skip
    rows = [
        [note.number, note.issued_at, note.customer, line.order_number, line.service_type,
         line.team, line.completed_at, line.billed_at, days_text(line.lag_days, 2),
         expected_text(line.expected_days), line.value, "sim" if line.within else "não",
         delay_text(line.delay_reason, line.delay_kind)]
        for note in notes
        for line in note.lines
    ]  # fmt: skip
    return report_pdf(
        title="Relatório de Faturamento Pós-Serviço",
        lines=[period_line(result.period), *filter_lines(filters)],
        blocks=[
            Block(
                header,
                rows,
                POST_SERVICE_WIDTHS,
                numeric=frozenset({8, 9, 10}),
                wrap=frozenset({2, 4, 12}),
                empty="Nenhuma NFS-e emitida após o faturamento no período.",
            )
        ],
        summary=_kpi_summary(result),
        wide=True,
    )


def _kpi_summary(result: NfseKpi) -> list[tuple[str, Any]]:
    return [
        ("NFS-e", str(result.count)),
        ("Prazo médio / mediana / p90 (dias)",
         " / ".join(days_text(v) for v in (result.avg_lag_days, result.median_lag_days,
                                           result.p90_lag_days))),
        ("Dentro do prazo esperado", percent_text(result.within_expected_rate)),
        ("Receita reconhecida", percent_text(result.revenue_recognized_rate)),
        ("Valor total", result.total_value),
    ]  # fmt: skip


# --- Relatório de Eficiência de Faturamento ---------------------------------------------------

EFFICIENCY_HEADER = [
    "Dimensão",
    "Grupo",
    "Chave",
    "NFS-e",
    "Valor",
    "Prazo médio (dias)",
    "Mediana (dias)",
    "P90 (dias)",
    "Dentro do prazo (%)",
]


def _group_cells(dimension: str, group: Group) -> list[Any]:
    return [
        DIMENSIONS[dimension],
        _group_label(dimension, group),
        group.key,
        group.count,
        group.total_value,
        lag_number(group.avg_lag_days),
        lag_number(group.median_lag_days),
        lag_number(group.p90_lag_days),
        rate_number(group.within_expected_rate),
    ]


def _group_label(dimension: str, group: Group) -> str:
    if dimension == "month":
        return f"{group.key[5:]}/{group.key[:4]}"
    return group.label


def efficiency_csv(report: Breakdown) -> CsvTable:
    result = report.kpi
    rows = [
        _group_cells(dimension, group)
        for dimension in DIMENSIONS
        for group in report.groups.get(dimension, [])
    ]
    rows.append(
        ["Total", "", "", result.count, result.total_value, lag_number(result.avg_lag_days),
         lag_number(result.median_lag_days), lag_number(result.p90_lag_days),
         rate_number(result.within_expected_rate)]
    )  # fmt: skip
    name = f"eficiencia-faturamento-{_slug(result.period)}.csv"
    return CsvTable(name, EFFICIENCY_HEADER, rows)


def _efficiency_row(label: str, count: int, value: Decimal, lags: Sequence[float | None],
                    rate: float | None) -> list[Any]:  # fmt: skip
    return [label, str(count), value, *(days_text(v) for v in lags), percent_text(rate)]


def efficiency_pdf(report: Breakdown, filters: Filters) -> bytes:
    result = report.kpi
    header = ["", "NFS-e", "Valor", "Prazo médio (dias)", "Mediana (dias)", "P90 (dias)",
              "Dentro do prazo"]  # fmt: skip
    total = _efficiency_row(
        "Total",
        result.count,
        result.total_value,
        (result.avg_lag_days, result.median_lag_days, result.p90_lag_days),
        result.within_expected_rate,
    )
    blocks = []
    for dimension, name in DIMENSIONS.items():
        groups = report.groups.get(dimension, [])
        blocks.append(
            Block(
                [name, *header[1:]],
                [
                    _efficiency_row(
                        _group_label(dimension, g),
                        g.count,
                        g.total_value,
                        (g.avg_lag_days, g.median_lag_days, g.p90_lag_days),
                        g.within_expected_rate,
                    )
                    for g in groups
                ],
                [0.3, 0.08, 0.14, 0.12, 0.12, 0.12, 0.12],
                numeric=frozenset(range(1, 7)),
                total=total if groups else None,
                heading=f"Por {name.lower()}",
                empty="Nenhuma NFS-e no período.",
            )
        )
    return report_pdf(
        title="Relatório de Eficiência de Faturamento",
        lines=[period_line(result.period), *filter_lines(filters)],
        blocks=blocks,
        wide=True,
    )


# --- backlog -------------------------------------------------------------------------------

BACKLOG_HEADER = [
    "OS",
    "Cliente",
    "CPF/CNPJ",
    "Tipo de serviço",
    "Equipe",
    "Conclusão",
    "Faturamento",
    "Valor da OS",
    "Coberto por NFS-e",
    "Valor em risco",
    "Prazo esperado (dias)",
    "Dias desde a conclusão",
    "Dias de atraso",
    "Motivo do atraso",
    "Tipo do atraso",
]


BACKLOG_KINDS = {
    "internal": "Atraso interno",
    "customer": "A pedido do cliente",
    "none": "Sem motivo",
}


def backlog_csv(backlog: Backlog) -> CsvTable:
    rows = [
        [r.order_number, r.customer, r.customer_document, r.service_type, r.team,
         r.completed_at, r.billed_at, r.value, r.covered, r.at_risk,
         lag_number(r.expected_days, 2), lag_number(r.days_waiting), lag_number(r.days_late),
         r.delay_reason, delay_kind_text(r.delay_kind) if r.delay_reason else ""]
        for r in backlog.rows
    ]  # fmt: skip
    day = timezone.localdate(backlog.as_of)
    return CsvTable(f"pendencias-nfse-{day:%Y-%m-%d}.csv", BACKLOG_HEADER, rows)


def backlog_pdf(backlog: Backlog, filters: Filters) -> bytes:
    header = ["OS", "Cliente", "Tipo", "Equipe", "Conclusão", "Faturamento", "Valor da OS",
              "Coberto", "Em risco", "Esperado", "Dias de atraso", "Motivo do atraso"]  # fmt: skip
    rows = [
        [r.order_number, r.customer, r.service_type, r.team, r.completed_at, r.billed_at,
         r.value, r.covered, r.at_risk, expected_text(r.expected_days), days_text(r.days_late),
         delay_text(r.delay_reason, r.delay_kind)]
        for r in backlog.rows
    ]  # fmt: skip
    kinds = [
        [BACKLOG_KINDS[split.kind], str(split.count), split.at_risk,
         days_text(split.avg_days_late)]
        for split in backlog.by_delay_kind
    ]  # fmt: skip
    moment = timezone.localtime(backlog.as_of)
    return report_pdf(
        title="Pendências de NFS-e (valor em risco)",
        lines=[f"Posição em {moment:%d/%m/%Y %H:%M}", *filter_lines(filters)],
        blocks=[
            Block(
                header,
                rows,
                [0.07, 0.11, 0.08, 0.06, 0.095, 0.095, 0.08, 0.065, 0.08, 0.07, 0.065, 0.13],
                numeric=frozenset({6, 7, 8, 9, 10}),
                wrap=frozenset({1, 2, 11}),
                empty="Nenhuma ordem com NFS-e atrasada.",
            ),
            Block(
                ["Motivo do atraso", "Ordens", "Valor em risco", "Dias de atraso (média)"],
                kinds if backlog.rows else [],
                [0.4, 0.15, 0.25, 0.2],
                numeric=frozenset({1, 2, 3}),
                heading="Por motivo do atraso",
                empty="Nenhuma ordem com NFS-e atrasada.",
            ),
        ],
        summary=[("Ordens", str(len(backlog.rows))), ("Valor em risco", backlog.at_risk)],
        wide=True,
    )


# --- the dashboard's charts and tables ------------------------------------------------------


def accumulated_csv(daily: Sequence[DayValue], period: Period) -> CsvTable:
    rows = [[d.day, d.value, d.accumulated] for d in daily]
    header = ["Dia", "Valor emitido no dia", "Valor acumulado"]
    return CsvTable(f"fiscal-acumulado-{_slug(period)}.csv", header, rows)


def months_csv(months: Sequence[MonthValue], period: Period) -> CsvTable:
    rows = [[f"{m.month[5:]}/{m.month[:4]}", m.count, m.total_value] for m in months]
    return CsvTable(f"fiscal-por-mes-{_slug(period)}.csv", ["Mês", "NFS-e", "Valor"], rows)


def lag_bins_csv(bins: Sequence[LagBin], period: Period) -> CsvTable:
    rows = [[b.low, b.high, b.count, b.value] for b in bins]
    header = ["Prazo de (dias)", "Prazo até (dias, exclusive)", "Ordens cobertas", "Valor"]
    return CsvTable(f"fiscal-distribuicao-prazo-{_slug(period)}.csv", header, rows)


def groups_csv(dimension: str, groups: Sequence[Group], period: Period) -> CsvTable:
    slug = {"customer": "cliente", "service_type": "tipo", "team": "equipe", "month": "mes"}
    rows = [_group_cells(dimension, g)[1:] for g in groups]
    name = f"fiscal-por-{slug[dimension]}-{_slug(period)}.csv"
    return CsvTable(name, EFFICIENCY_HEADER[1:], rows)
