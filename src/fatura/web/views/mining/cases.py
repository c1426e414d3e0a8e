"""Mineração → Faturas: the per-invoice derived attributes of a log (DSO, pago em dia, dias em
atraso, retrabalho, ciclo, da fatura ao recebimento, contabilização) as a table with sort and
the log's case filters (``?filtro=``, which may name a derived attribute: "só atrasadas" is
``days_overdue>0``), exported as CSV (pt-BR) or Parquet (docs/decisions/0036).

The table is computed once per log stamp, filters and sort, and cached like the other mining
pages (:func:`.logs.cached`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pyarrow as pa
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fatura.mining import case_rows
from fatura.mining.selectors import case_filter, mined_log_as_of
from fatura.web.csv_export import csv_response
from fatura.web.views.common import page
from fatura.web.views.mining import map_drawing
from fatura.web.views.mining.logs import LogRef, _base_context, cached, log_ref

PER_PAGE = 50
LATE = "days_overdue>0"  # "só faturas atrasadas": past the due date, paid late or still open
# column -> label, kind (text, brl, date, days, whole, flag)
COLUMNS: dict[str, tuple[Any, str]] = {
    "case_id": (gettext_lazy("Fatura"), "text"),
    "customer": (gettext_lazy("Cliente"), "text"),
    "segment": (gettext_lazy("Segmento"), "text"),
    "amount": (gettext_lazy("Valor"), "brl"),
    "invoice_at": (gettext_lazy("Emissão"), "date"),
    "due_at": (gettext_lazy("Vencimento"), "date"),
    "paid_at": (gettext_lazy("Pagamento"), "date"),
    "dso_days": (gettext_lazy("DSO"), "days"),
    "is_paid_on_time": (gettext_lazy("Pago em dia"), "flag"),
    "days_overdue": (gettext_lazy("Dias em atraso"), "whole"),
    "is_rework": (gettext_lazy("Retrabalho"), "flag"),
    "cycle_time_days": (gettext_lazy("Ciclo"), "days"),
    "invoice_to_cash_days": (gettext_lazy("Da fatura ao recebimento"), "days"),
    "posting_lag_days": (gettext_lazy("Contabilização"), "days"),
    "disputed": (gettext_lazy("Contestada"), "flag"),
    "written_off": (gettext_lazy("Baixada"), "flag"),
}


def _sort(request: HttpRequest) -> tuple[str, bool]:
    key = request.GET.get("ordem", "")
    key = key if key in case_rows.SORTABLE else case_rows.DEFAULT_SORT
    return key, request.GET.get("sentido") == "desc"


def _table(ref: LogRef, sort: str, descending: bool) -> pa.Table:
    def compute() -> pa.Table:
        full = ref.full_log()
        as_of = mined_log_as_of(ref.mined) if ref.mined is not None else None
        chosen = case_filter(ref.where, full, as_of=as_of)
        zone = (ref.mined.options or {}).get("zone") if ref.mined is not None else None
        return case_rows.cases_table(
            full, chosen, sort=sort, descending=descending, as_of=as_of, zone=zone
        )

    return cached(ref, "case-table", {"sort": sort, "desc": descending}, compute)


def _flag(value: bool | None) -> str:
    if value is None:
        return "—"
    return _("Sim") if value else _("Não")


def _cell(kind: str, value: Any) -> Any:
    if value is None:
        return "—" if kind in ("days", "whole", "flag") else ""
    if kind == "days":
        return map_drawing.duration_text(float(value) * 86400)
    if kind == "flag":
        return _flag(value)
    return value


def _row(row: dict[str, Any], ref: LogRef) -> dict[str, Any]:
    cells = [
        {"key": key, "kind": kind, "value": _cell(kind, row.get(key))}
        for key, (_label, kind) in COLUMNS.items()
    ]
    late = (row.get("days_overdue") or 0) > 0
    return {
        "case": row["case_id"],
        "url": ref.case_url(row["case_id"]),
        "cells": cells,
        "late": late,
    }


def _headers(request: HttpRequest, sort: str, descending: bool) -> list[dict[str, Any]]:
    out = []
    for key, (label, kind) in COLUMNS.items():
        active = key == sort
        query = request.GET.copy()
        query["ordem"] = key
        query["sentido"] = "asc" if active and descending else ("desc" if active else "asc")
        query.pop("page", None)
        out.append(
            {
                "key": key,
                "label": str(label),
                "numeric": kind in ("brl", "days", "whole"),
                "href": "?" + query.urlencode(),
                "aria_sort": ("descending" if descending else "ascending") if active else "none",
                "arrow": ("▼" if descending else "▲") if active else "",
            }
        )
    return out


@page
def case_list(request: HttpRequest, log_key: str) -> HttpResponse:
    ref = log_ref(log_key, request)
    sort, descending = _sort(request)
    context = _base_context(ref, "cases")
    context.update(
        headers=_headers(request, sort, descending),
        late_active=LATE in ref.where,
        export_query=request.GET.urlencode(),
    )
    if not ref.empty:
        table = _table(ref, sort, descending)
        page_obj = Paginator(range(table.num_rows), PER_PAGE).get_page(request.GET.get("page"))
        start = page_obj.start_index() - 1 if table.num_rows else 0
        context.update(
            page_obj=page_obj,
            total=table.num_rows,
            rows=[_row(r, ref) for r in case_rows.rows(table, start, PER_PAGE)],
        )
    return render(request, "web/mining/cases.html", context)


def _csv_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "days":
        return Decimal(str(round(float(value), 4)))
    if kind == "flag":
        return _flag(value)
    if kind == "date" and isinstance(value, dt.datetime):
        return value
    return value


@page
def case_csv(request: HttpRequest, log_key: str) -> StreamingHttpResponse:
    """The whole table (every kept case, the page's sort) as CSV: pt-BR (semicolon, comma
    decimals, dd/mm/aaaa), durations in days."""
    ref = log_ref(log_key, request)
    sort, descending = _sort(request)
    table = None if ref.empty else _table(ref, sort, descending)

    def lines() -> Iterator[tuple[object, ...]]:
        if table is None:
            return
        for row in case_rows.iter_rows(table):
            yield tuple(_csv_value(kind, row.get(key)) for key, (_l, kind) in COLUMNS.items())

    header = [
        f"{label} ({_('dias')})" if kind == "days" else str(label)
        for label, kind in COLUMNS.values()
    ]
    return csv_response(f"faturas-{ref.key}.csv", header, lines())


@page
def case_parquet(request: HttpRequest, log_key: str) -> HttpResponse:
    """The whole table as Parquet (every column of fatura.mining.case_table, its own types)."""
    ref = log_ref(log_key, request)
    sort, descending = _sort(request)
    if ref.empty:
        from fatura.mining.case_table import COLUMNS as ALL

        table = pa.table({name: pa.nulls(0) for name in ALL})
    else:
        table = _table(ref, sort, descending)
    response = HttpResponse(
        case_rows.parquet_bytes(table), content_type="application/vnd.apache.parquet"
    )
    response["Content-Disposition"] = f'attachment; filename="faturas-{ref.key}.parquet"'
    return response
