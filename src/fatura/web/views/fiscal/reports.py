"""Fiscal reports: Relatório de Faturamento Pós-Serviço (each NFS-e with its service orders),
Relatório de Eficiência de Faturamento (lag by customer, service type, team and month) and the
backlog (orders past their expected lag, value at risk). Each as a page (paginated), CSV and
PDF of the whole report (``fatura.fiscal.report_exports``), for the same period and filters."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fatura.core.documents import format_document
from fatura.core.reports import pdf_response
from fatura.fiscal import delays, kpi, listing, selectors
from fatura.fiscal import report_exports as exports
from fatura.web.views.common import page, paginate
from fatura.web.views.fiscal.common import (
    Asked,
    asked,
    backlog_filters,
    days_label,
    filter_menus,
    percent_label,
    quick_picks,
)

# dimension -> (heading, column)
SECTIONS = {
    "customer": (_("Por cliente"), _("Cliente")),
    "service_type": (_("Por tipo de serviço"), _("Tipo de serviço")),
    "team": (_("Por equipe"), _("Equipe")),
    "month": (_("Por mês de emissão"), _("Mês de emissão")),
    "delay_reason": (_("Por motivo do atraso"), _("Motivo do atraso")),
}
NFSE_PER_PAGE = 25
DELAY_KIND_LABELS = {
    "internal": _("Atraso interno"),
    "customer": _("A pedido do cliente"),
    "none": _("Sem motivo"),
}
ROWS_PER_PAGE = 50


def _base(request: HttpRequest, a: Asked, current: str) -> dict[str, Any]:
    return {
        "current": current,
        "form": a.form,
        "period": a.period,
        "query": a.query,
        "filtered": a.filtered,
        "picks": quick_picks(request, a.period),
        "menus": filter_menus(a),
    }


def _status(a: Asked) -> int:
    return 422 if a.form.is_bound and a.form.errors else 200


def _summary(result: kpi.NfseKpi) -> dict[str, Any]:
    return {
        "kpi": result,
        "avg": days_label(result.avg_lag_days),
        "median": days_label(result.median_lag_days),
        "p90": days_label(result.p90_lag_days),
        "within": percent_label(result.within_expected_rate),
        "avg_short": exports.days_text(result.avg_lag_days),
        "median_short": exports.days_text(result.median_lag_days),
        "p90_short": exports.days_text(result.p90_lag_days),
    }


def _slug(period: kpi.Period) -> str:
    return f"{period.start:%Y-%m-%d}-a-{period.end:%Y-%m-%d}"


# --- Pós-Serviço ---------------------------------------------------------------------------


@page
def post_service(request: HttpRequest) -> HttpResponse:
    a = asked(request)
    notes = listing.post_service(a.period, a.filters)
    result = selectors.nfse_after_billing(a.period, filters=a.filters)
    page_obj = paginate(request, notes, NFSE_PER_PAGE)
    context = {
        **_base(request, a, "post_service"),
        "page_obj": page_obj,
        "notes": [
            (
                note,
                format_document(note.customer_document),
                [
                    (line, exports.days_text(line.lag_days, 2), DELAY_KIND_LABELS[line.delay_kind])
                    for line in note.lines
                ],
            )
            for note in page_obj.object_list
        ],
        "summary": _summary(result),
        "nfse_total": listing.nfse_count(),
    }
    return render(request, "web/fiscal/post_service.html", context, status=_status(a))


@page
def post_service_csv(request: HttpRequest) -> StreamingHttpResponse:
    a = asked(request)
    return exports.post_service_csv(listing.post_service(a.period, a.filters), a.period).response()


@page
def post_service_pdf(request: HttpRequest) -> HttpResponse:
    a = asked(request)
    notes = listing.post_service(a.period, a.filters)
    result = selectors.nfse_after_billing(a.period, filters=a.filters)
    content = exports.post_service_pdf(notes, result, a.filters)
    return pdf_response(content, f"faturamento-pos-servico-{_slug(a.period)}.pdf")


# --- Eficiência ----------------------------------------------------------------------------


def _efficiency_rows(dimension: str, groups: list[kpi.Group]) -> list[dict[str, Any]]:
    return [
        {
            "label": f"{g.key[5:]}/{g.key[:4]}" if dimension == "month" else g.label,
            "key": format_document(g.key) if dimension == "customer" else g.key,
            "group": g,
            "avg": exports.days_text(g.avg_lag_days),
            "median": exports.days_text(g.median_lag_days),
            "p90": exports.days_text(g.p90_lag_days),
            "within": percent_label(g.within_expected_rate),
        }
        for g in groups
    ]


@page
def efficiency(request: HttpRequest) -> HttpResponse:
    a = asked(request)
    report = listing.breakdown(a.period, a.filters)
    customers = paginate(request, _efficiency_rows("customer", report.groups["customer"]),
                         ROWS_PER_PAGE)  # fmt: skip
    sections = [
        ("customer", *SECTIONS["customer"], customers.object_list),
        *(
            (d, *SECTIONS[d], _efficiency_rows(d, report.groups[d]))
            for d in ("service_type", "team", "month", "delay_reason")
        ),
    ]
    context = {
        **_base(request, a, "efficiency"),
        "summary": _summary(report.kpi),
        "sections": sections,
        "page_obj": customers,
        "nfse_total": listing.nfse_count(),
    }
    return render(request, "web/fiscal/efficiency.html", context, status=_status(a))


@page
def efficiency_csv(request: HttpRequest) -> StreamingHttpResponse:
    a = asked(request)
    return exports.efficiency_csv(listing.breakdown(a.period, a.filters)).response()


@page
def efficiency_pdf(request: HttpRequest) -> HttpResponse:
    a = asked(request)
    content = exports.efficiency_pdf(listing.breakdown(a.period, a.filters), a.filters)
    return pdf_response(content, f"eficiencia-faturamento-{_slug(a.period)}.pdf")


# --- Pendências ----------------------------------------------------------------------------


@page
def backlog(request: HttpRequest) -> HttpResponse:
    a = asked(request)
    report = listing.backlog(filters=backlog_filters(a))
    page_obj = paginate(request, report.rows, ROWS_PER_PAGE)
    context = {
        **_base(request, a, "backlog"),
        "backlog": report,
        "by_delay_kind": [
            (
                DELAY_KIND_LABELS[split.kind],
                split,
                exports.days_text(split.avg_days_late) if split.avg_days_late is not None else "—",
            )
            for split in report.by_delay_kind
        ],
        "delay_reasons": delays.delay_reason_list(active_only=True),
        "page_obj": page_obj,
        "rows": [
            (
                row,
                exports.days_text(row.days_late),
                exports.days_text(row.days_waiting),
                exports.expected_text(row.expected_days),
            )
            for row in page_obj.object_list
        ],
    }
    return render(request, "web/fiscal/backlog.html", context, status=_status(a))


@page
def backlog_csv(request: HttpRequest) -> StreamingHttpResponse:
    a = asked(request)
    return exports.backlog_csv(listing.backlog(filters=backlog_filters(a))).response()


@page
def backlog_pdf(request: HttpRequest) -> HttpResponse:
    a = asked(request)
    filters = backlog_filters(a)
    report = listing.backlog(filters=filters)
    content = exports.backlog_pdf(report, filters)
    day = timezone.localdate(report.as_of)
    return pdf_response(content, f"pendencias-nfse-{day:%Y-%m-%d}.pdf")
