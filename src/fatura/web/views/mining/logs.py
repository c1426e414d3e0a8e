"""Mineração: choose a log (Fatura's own, live, or an imported one), import a log, and look at
its process map and variants (the KPI dashboard is in :mod:`.kpis`).

Reading Fatura's log takes most of a page's time (about 0.7 s for the demo's 28 thousand
events; mining it, a few milliseconds), so what a page shows is cached under the log's
*stamp*: for an imported log its id and import time, for Fatura's own the number and last id of
its invoice events (the log is append-only, so a new event changes the stamp).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlencode

from django import forms
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fatura.core.errors import DomainError, InvalidInput, NotFound
from fatura.eventlog.activities import label as activity_label
from fatura.mining.imports import log_import_request
from fatura.mining.log import EventLog
from fatura.mining.models import LogFormat, MinedLog
from fatura.mining.selectors import (
    INVOICE_PREFIX,
    OWN_LOG,
    case_filter,
    filter_options,
    mined_log_as_of,
    mined_log_get,
    mined_log_read,
    mined_logs_by_state,
    own_invoice_log,
    own_log_stats,
)
from fatura.web.csv_export import csv_response
from fatura.web.views.common import add_domain_errors, page, paginate, parse_int
from fatura.web.views.mining import data as mining_data
from fatura.web.views.mining import map_drawing

CACHE_SECONDS = 3600
IMPORTS_SHOWN = 10  # imports queued, running or failed listed on the index
CASE_LIST = mining_data.CASE_LIST_SIZE
DEFAULT_PATHS = 30  # percent of the edges shown at first: the map of a real log stays readable
T = TypeVar("T")
QUICK_FILTERS = (
    ("only-late", "days_overdue>0", gettext_lazy("Só faturas atrasadas")),
    ("not-on-time", "is_paid_on_time=false", gettext_lazy("Pagas fora do prazo")),
)


# --- which log ---------------------------------------------------------------------------


@dataclass
class LogRef:
    key: str  # "fatura" or the MinedLog id, as in the URL
    name: str
    stamp: str
    mined: MinedLog | None = None
    events: int = 0
    _log: EventLog | None = None
    where: tuple[str, ...] = ()  # the case filters (docs/mining.md), from ?filtro=…
    _full: EventLog | None = None

    @property
    def own(self) -> bool:
        return self.mined is None

    @property
    def empty(self) -> bool:
        return self.events == 0

    def full_log(self) -> EventLog:
        """The whole event log, read once per request (only when the cache lacks it)."""
        if self._full is None:
            if self.mined is None:
                self._full = own_invoice_log()
            else:
                self._full = mined_log_read(self.mined)
        return self._full

    def log(self) -> EventLog:
        """The cases the filters keep (the whole log without filters)."""
        if self._log is None:
            full = self.full_log()
            as_of = None if self.mined is None else mined_log_as_of(self.mined)
            chosen = case_filter(self.where, full, as_of=as_of)
            selected = chosen.select(full) if chosen else full
            if selected is None:
                message = _("Nenhum caso atende aos filtros: %(filters)s") % {
                    "filters": " E ".join(self.where)
                }
                raise InvalidInput(message, errors=[{"field": "filtro", "message": message}])
            self._log = selected
        return self._log

    @property
    def filter_query(self) -> str:
        return urlencode([("filtro", w) for w in self.where])

    def filter_chips(self) -> list[dict[str, str]]:
        """Each filter with the query string that removes it."""
        return [
            {
                "text": w,
                "remove": urlencode([("filtro", o) for j, o in enumerate(self.where) if j != i]),
            }
            for i, w in enumerate(self.where)
        ]

    def case_url(self, case: str) -> str:
        if self.own and case.startswith(INVOICE_PREFIX):
            return reverse("web:invoice_detail", args=[case])
        return ""


def log_ref(key: str, request: HttpRequest | None = None) -> LogRef:
    """The log of the URL, with the case filters of ``?filtro=`` (blank ones ignored)."""
    where: tuple[str, ...] = ()
    if request is not None:
        where = tuple(w.strip() for w in request.GET.getlist("filtro") if w.strip())
        case_filter(where)  # the syntax now: a 422 page naming the bad filter
    chosen = hashlib.sha1(json.dumps(where).encode()).hexdigest()[:16] if where else "all"
    if key == OWN_LOG:
        facts = own_log_stats()
        return LogRef(
            OWN_LOG,
            _("Fatura (ao vivo)"),
            f"own:{facts['events']}:{facts['last']}:{chosen}",
            events=int(facts["events"] or 0),
            where=where,
        )
    log_id = parse_int(key)
    if log_id is None:
        raise NotFound(_("Log de eventos não encontrado: %(key)s") % {"key": key})
    mined = mined_log_get(id=log_id)
    stamp = f"log:{mined.pk}:{mined.imported_at.timestamp()}:{chosen}"
    return LogRef(str(mined.pk), mined.name, stamp, mined=mined, events=mined.rows, where=where)


def cached(ref: LogRef, what: str, params: Any, compute: Callable[[], T]) -> T:
    digest = hashlib.sha1(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()
    key = f"mining:v1:{ref.stamp}:{what}:{digest}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    return found


def _base_context(ref: LogRef, current: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if not ref.empty:
        unfiltered = LogRef(ref.key, ref.name, ref.stamp.rsplit(":", 1)[0], mined=ref.mined)
        options = cached(unfiltered, "filter-options", {}, lambda: filter_options(ref.full_log()))
    return {
        "ref": ref,
        "current": current,
        "filter_options": options,
        "filter_chips": ref.filter_chips(),
        "filter_query": ref.filter_query,
        # one click to "only late invoices" / "paid late" (derived attributes, decision 0036)
        "quick_filters": [
            {
                "id": key,
                "text": text,
                "active": condition in ref.where,
                "query": urlencode([("filtro", w) for w in (*ref.where, condition)]),
            }
            for key, condition, text in QUICK_FILTERS
        ],
    }


# --- index and import ----------------------------------------------------------------------


class LogImportForm(forms.Form):
    arquivo = forms.FileField(
        label=gettext_lazy("Arquivo do log"),
        help_text=gettext_lazy(
            "XES, CSV, Parquet ou OCEL 2.0 (.jsonocel / .json / .xmlocel / .xml); ou um extrato "
            "do Oracle Fusion AR ou do NetSuite: a pasta de CSVs compactada em .zip."
        ),
    )
    nome = forms.CharField(label=gettext_lazy("Nome"), max_length=200)
    formato = forms.ChoiceField(
        label=gettext_lazy("Formato"),
        choices=[("auto", gettext_lazy("Pelo nome do arquivo")), *LogFormat.choices],
        initial="auto",
    )
    tipo_objeto = forms.CharField(
        label=gettext_lazy("Tipo de objeto (OCEL)"),
        required=False,
        max_length=100,
        help_text=gettext_lazy(
            "Obrigatório para OCEL: o log é achatado por este tipo (ex.: invoice)."
        ),
    )
    sistema = forms.CharField(
        label=gettext_lazy("Sistema de origem"), required=False, max_length=100
    )
    data_base = forms.DateField(
        label=gettext_lazy("Posição em (opcional)"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        help_text=gettext_lazy(
            "dd/mm/aaaa: o log como estava no fim deste dia; eventos posteriores são ignorados "
            "e as faturas em aberto são medidas nesta data."
        ),
    )
    usuarios_automacao = forms.CharField(
        label=gettext_lazy("Usuários de automação (opcional)"),
        required=False,
        max_length=500,
        help_text=gettext_lazy(
            "Separados por vírgula; seus eventos contam como automáticos, além de SYSTEM "
            "(maiúsculas e minúsculas tanto faz)."
        ),
    )


def _index(
    request: HttpRequest, form: LogImportForm, status: int = 200, **extra: Any
) -> HttpResponse:
    own = own_log_stats()
    logs, imports = mined_logs_by_state()
    context = {
        "own": own,
        "logs": logs,
        "imports": imports[:IMPORTS_SHOWN],
        "form": form,
        **extra,
    }
    return render(request, "web/mining/index.html", context, status=status)


@page
def index(request: HttpRequest) -> HttpResponse:
    return _index(request, LogImportForm())


@page
@require_POST
def log_upload(request: HttpRequest) -> HttpResponse:
    form = LogImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _index(request, form, status=422)
    upload = form.cleaned_data["arquivo"]
    try:
        mined = log_import_request(
            by=request.user,
            filename=upload.name or "log",
            chunks=upload.chunks(),
            name=form.cleaned_data["nome"],
            fmt=form.cleaned_data["formato"],
            object_type=form.cleaned_data["tipo_objeto"] or None,
            source_system=form.cleaned_data["sistema"] or None,
            as_of=day.isoformat() if (day := form.cleaned_data["data_base"]) else None,
            automation_users=form.cleaned_data["usuarios_automacao"].split(","),
        )
    except DomainError as exc:
        aliases = {"name": "nome", "object_type": "tipo_objeto", "format": "formato"}
        aliases |= {"as_of": "data_base"}
        add_domain_errors(form, exc, aliases={**aliases, "file": "arquivo"})
        return _index(request, form, status=exc.status, error=exc)
    return redirect("web:mining_import", log_id=mined.pk)  # the worker imports it


# --- process map ---------------------------------------------------------------------------


def _percent(text: str | None, default: int) -> int:
    value = parse_int(text)
    return default if value is None else min(100, max(1, value))


@dataclass(frozen=True)
class MapParams:
    activities: int
    paths: int
    mode: str  # "frequency" or "time"

    @classmethod
    def of(cls, request: HttpRequest) -> MapParams:
        mode = "time" if request.GET.get("vista") == "tempo" else "frequency"
        return cls(
            _percent(request.GET.get("atividades"), 100),
            _percent(request.GET.get("caminhos"), DEFAULT_PATHS),
            mode,
        )

    def query(self, **extra: str) -> str:
        values = {
            "atividades": self.activities,
            "caminhos": self.paths,
            "vista": "tempo" if self.mode == "time" else "frequencia",
            **extra,
        }
        return urlencode(values)


def _map(ref: LogRef) -> mining_data.MapData:
    return cached(ref, "map", {}, lambda: mining_data.map_data(ref.log()))


def _case_list(ref: LogRef, request: HttpRequest) -> mining_data.CaseList | None:
    activity, source, target = (request.GET.get(k) for k in ("atividade", "de", "para"))
    if activity:
        asked: dict[str, Any] = {"activity": activity}
        found = cached(
            ref, "cases", asked, lambda: mining_data.cases_with_activity(ref.log(), activity)
        )
    elif source and target:
        asked = {"source": source, "target": target}
        found = cached(
            ref, "cases", asked, lambda: mining_data.cases_with_edge(ref.log(), source, target)
        )
    else:
        return None
    if found is None:
        raise NotFound(_("Atividade ou caminho que não existe neste log."))
    return found


def _cases_context(ref: LogRef, found: mining_data.CaseList | None) -> list[dict[str, str]]:
    if found is None:
        return []
    return [{"case": c, "url": ref.case_url(c)} for c in found.cases]


def _selected(request: HttpRequest) -> tuple[str, ...]:
    activity, source, target = (request.GET.get(k, "") for k in ("atividade", "de", "para"))
    if activity:
        return (activity,)
    return (source, target) if source and target else ()


def _cases_title(found: mining_data.CaseList | None) -> str:
    if found is None:
        return ""
    return " → ".join(activity_label(part) for part in found.title.split(" → "))


@page
def process_map(request: HttpRequest, log_key: str) -> HttpResponse:
    ref = log_ref(log_key, request)
    params = MapParams.of(request)
    context = _base_context(ref, "map")
    context["params"] = params
    if not ref.empty:
        data = _map(ref)
        shown = map_drawing.select(data, params.activities, params.paths)
        base = reverse("web:mining_map", args=[ref.key])

        def href(**asked: str) -> str:
            keys = {"activity": "atividade", "source": "de", "target": "para"}
            extra = {keys[k]: v for k, v in asked.items()}
            return f"{base}?{_with(params.query(**extra), ref)}#casos"

        found = _case_list(ref, request)
        context.update(
            cases_title=_cases_title(found),
            data=data,
            shown=shown,
            svg=map_drawing.process_map_svg(
                data, shown, mode=params.mode, href=href, selected=_selected(request)
            ),
            found=found,
            case_rows=_cases_context(ref, found),
            query=_with(params.query(), ref),
            query_time=_with(params.query(vista="tempo"), ref),
            query_frequency=_with(params.query(vista="frequencia"), ref),
        )
    return render(request, "web/mining/map.html", context)


def _with(query: str, ref: LogRef) -> str:
    return f"{query}&{ref.filter_query}" if ref.where else query


@page
def map_csv(request: HttpRequest, log_key: str) -> StreamingHttpResponse:
    ref = log_ref(log_key, request)
    params = MapParams.of(request)
    edges: list[map_drawing.MapEdge] = []
    if not ref.empty:
        shown = map_drawing.select(_map(ref), params.activities, params.paths)
        edges = [e for e in shown.edges if map_drawing.START not in (e.source, e.target)]
        edges = [e for e in edges if map_drawing.END not in (e.source, e.target)]

    def rows() -> Iterator[tuple[object, ...]]:
        for e in edges:
            mean = None if e.mean_seconds is None else round(e.mean_seconds / 86400, 4)
            yield (e.source, e.target, e.count, _decimal(mean))

    header = [_("De"), _("Para"), _("Vezes"), _("Tempo médio (dias)")]
    return csv_response(f"mapa-{ref.key}.csv", header, rows())


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@page
def map_svg(request: HttpRequest, log_key: str) -> HttpResponse:
    ref = log_ref(log_key, request)
    params = MapParams.of(request)
    svg = ""
    if not ref.empty:
        data = _map(ref)
        svg = map_drawing.process_map_svg(
            data, map_drawing.select(data, params.activities, params.paths), mode=params.mode
        )
    if not svg:
        raise NotFound(_("Este log não tem eventos: não há mapa para baixar."))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mapa-{ref.key}.svg"'
    return response


# --- variants ------------------------------------------------------------------------------

VARIANTS_PER_PAGE = 25


def _variants(ref: LogRef) -> list[mining_data.VariantRow]:
    return cached(ref, "variants", {}, lambda: mining_data.variant_rows(ref.log()))


def _variant_row(row: mining_data.VariantRow) -> dict[str, Any]:
    return {
        "rank": row.rank,
        "cases": row.cases,
        "share_text": f"{100 * row.share:.1f}%".replace(".", ","),
        "duration_text": map_drawing.duration_text(row.mean_seconds),
        "activities": row.activities,
    }


@page
def variants(request: HttpRequest, log_key: str) -> HttpResponse:
    ref = log_ref(log_key, request)
    context = _base_context(ref, "variants")
    if not ref.empty:
        rows = _variants(ref)
        chosen = parse_int(request.GET.get("variante"))
        found = None
        if chosen is not None:
            found = cached(
                ref,
                "variant-cases",
                {"rank": chosen},
                lambda: mining_data.cases_of_variant(ref.log(), chosen),
            )
            if found is None:
                raise NotFound(_("Variante %(rank)s não existe neste log.") % {"rank": chosen})
        page_obj = paginate(request, rows, VARIANTS_PER_PAGE)
        context.update(
            page_obj=page_obj,
            rows=[_variant_row(row) for row in page_obj.object_list],
            cases_title=_("variante #%(rank)s") % {"rank": chosen},
            total=len(rows),
            chosen=chosen,
            found=found,
            case_rows=_cases_context(ref, found),
        )
    return render(request, "web/mining/variants.html", context)


@page
def variants_csv(request: HttpRequest, log_key: str) -> StreamingHttpResponse:
    ref = log_ref(log_key, request)
    rows = [] if ref.empty else _variants(ref)

    def lines() -> Iterator[tuple[object, ...]]:
        for row in rows:
            yield (
                row.rank,
                row.cases,
                _decimal(round(100 * row.share, 2)),
                _decimal(round(row.mean_seconds / 86400, 4)),
                len(row.activities),
                " → ".join(row.activities),
            )

    header = [
        _("Variante"),
        _("Casos"),
        _("Participação (%)"),
        _("Duração média (dias)"),
        _("Etapas"),
        _("Atividades"),
    ]
    return csv_response(f"variantes-{ref.key}.csv", header, lines())
