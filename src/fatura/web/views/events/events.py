"""Eventos: the event log, newest first, and one case's timeline."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fatura.eventlog.activities import LABELS
from fatura.eventlog.selectors import attributes_json, event_list, typed_attributes
from fatura.web.csv_export import csv_response
from fatura.web.views.common import page, paginate

PER_PAGE = 50


def _filters(request: HttpRequest) -> tuple[str | None, str | None]:
    case_id = request.GET.get("caso", "").strip() or None
    activity = request.GET.get("atividade", "").strip() or None
    return case_id, activity


def _activities() -> list[tuple[str, str]]:
    return sorted(((name, str(text)) for name, text in LABELS.items()), key=lambda a: a[1])


@page
def events(request: HttpRequest) -> HttpResponse:
    case_id, activity = _filters(request)
    newest_first = event_list(case_id=case_id, activity=activity, newest_first=True)
    context = {
        "page_obj": paginate(request, newest_first, PER_PAGE),
        "case_id": case_id or "",
        "activity": activity or "",
        "activities": _activities(),
    }
    return render(request, "web/events/list.html", context)


@page
def event_case(request: HttpRequest, case_id: str) -> HttpResponse:
    timeline = list(event_list(case_id=case_id))
    for event in timeline:
        event.typed = typed_attributes(event)  # type: ignore[attr-defined]
    context = {"case_id": case_id, "timeline": timeline}
    return render(request, "web/events/case.html", context)


@page
def events_csv(request: HttpRequest) -> StreamingHttpResponse:
    case_id, activity = _filters(request)
    rows = (
        (
            e.timestamp,
            e.case_id,
            e.activity,
            LABELS.get(e.activity, e.activity),
            e.user,
            e.is_automated,
            e.source_system,
            attributes_json(e),
        )
        for e in event_list(case_id=case_id, activity=activity, newest_first=True).iterator(
            chunk_size=2000
        )
    )
    header = [
        _("Data e hora"),
        _("Caso"),
        _("Atividade"),
        _("Atividade (descrição)"),
        _("Usuário"),
        _("Automático"),
        _("Sistema de origem"),
        _("Atributos"),
    ]
    return csv_response("eventos.csv", header, rows)
