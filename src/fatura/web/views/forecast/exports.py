"""The forecast's CSV files: the cash-flow table (per week, per group) and the predictions of
every open invoice with their reasons."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _

from fatura.core.csv_export import csv_response
from fatura.core.money import to_money
from fatura.forecast import outlook
from fatura.forecast.cash_flow import Bucket, GroupFlow
from fatura.web.views.common import page
from fatura.web.views.forecast.common import (
    GROUP_LABELS,
    WEEKS,
    group_choice,
    group_label,
    prediction_view,
)


def _cells(group: str, week: Any, bucket: Bucket) -> list[Any]:
    return [group, week, bucket.expected, bucket.p10, bucket.p50, bucket.p90, bucket.invoices]


def _flow_rows(label: str, flow: GroupFlow) -> Iterator[list[Any]]:
    for week in flow.weeks:
        yield _cells(label, week.start, week)
    yield _cells(label, _("depois"), flow.later)
    yield _cells(label, _("não esperado (perda prevista)"), flow.not_expected)


@page
def cash_flow_csv(request: HttpRequest) -> StreamingHttpResponse:
    chosen, group_by = group_choice(request)
    seen, flow = outlook.forecast(weeks=WEEKS, group_by=group_by)

    def rows() -> Iterator[list[Any]]:
        yield from _flow_rows(str(_("Total")), flow.total)
        for group in flow.groups:
            yield from _flow_rows(group_label(group.key, group_by), group)

    header = [
        str(GROUP_LABELS[chosen]),
        _("Semana (segunda-feira)"),
        _("Esperado (R$)"),
        _("P10 (R$)"),
        _("P50 (R$)"),
        _("P90 (R$)"),
        _("Faturas com data prevista na semana"),
    ]
    return csv_response(f"previsao-caixa-{chosen}-{seen.as_of:%Y-%m-%d}.csv", header, rows())


@page
def predictions_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every open invoice's prediction, with its reasons (explained here, all of them)."""
    seen = outlook.outlook(explain=True)
    owners = outlook.customer_names(seen.predictions, seen.facts)
    attributes = {
        row[0]: row[1:]
        for row in seen.facts.invoices.select(
            "invoice_id", "due_date", "segment", "business_unit"
        ).iter_rows()
    }

    def rows() -> Iterator[list[Any]]:
        for p in sorted(seen.predictions, key=lambda p: (p.expected_date, p.number)):
            view = prediction_view(p)
            due, segment, unit = attributes.get(p.invoice_id, (None, "", ""))
            yield [
                p.number,
                owners.get(p.invoice_id, (0, ""))[1],
                segment,
                unit,
                due,
                to_money(Decimal(p.open_cents) / 100),
                p.expected_date,
                p.p10_date,
                p.p90_date,
                view.late_percent,
                view.write_off_percent,
                view.basis_label,
                p.model_version or "",
                " | ".join(p.reasons),
            ]

    header = [
        _("Fatura"),
        _("Cliente"),
        _("Segmento"),
        _("Unidade de negócio"),
        _("Vencimento"),
        _("Saldo (R$)"),
        _("Data prevista (P50)"),
        _("P10"),
        _("P90"),
        _("Probabilidade de atraso (%)"),
        _("Probabilidade de perda (%)"),
        _("Base"),
        _("Versão do modelo"),
        _("Motivos"),
    ]
    return csv_response(f"previsoes-{seen.as_of:%Y-%m-%d}.csv", header, rows())
