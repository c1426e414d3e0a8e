"""Cobrança: the collector's worklist (what to call today, by expected loss:
``forecast.worklist``), logging a call inline,
and the dunning strategies per customer segment (Financeiro edits, Operação reads)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fatura.core import clock
from fatura.core.errors import DomainError
from fatura.core.roles import Capability, can, require
from fatura.customers.selectors import collectors, collects_for_anyone, customer_segments
from fatura.forecast.worklist import worklist_by_expected_loss
from fatura.receivables import report_exports
from fatura.receivables.collections import (
    DEFAULT_LEVELS,
    LevelIn,
    dunning_strategy_save,
    invoice_call,
)
from fatura.receivables.ledger import collector_worklist
from fatura.receivables.models import CallOutcome, DunningAction
from fatura.receivables.selectors import (
    dunning_strategies,
    dunning_strategy_for,
    invoice_get,
)
from fatura.web.forms import decimal_from_input
from fatura.web.forms_receivables import CallForm
from fatura.web.views.common import add_domain_errors, form_status, is_htmx, page, paginate
from fatura.web.views.receivables.invoice_page import STATUS_BADGES

PER_PAGE = 50


# --- the worklist ------------------------------------------------------------------------


def _collector(request: HttpRequest) -> tuple[int | None, str]:
    """``?cobrador=`` : an id, ``todos`` (everyone), or by default the user himself when he
    collects for any customer (else everyone)."""
    asked = request.GET.get("cobrador", "")
    if asked.isdigit():
        return int(asked), asked
    if asked == "todos":
        return None, asked
    mine = collects_for_anyone(request.user.pk)
    return (request.user.pk, str(request.user.pk)) if mine else (None, "todos")


@page
def worklist(request: HttpRequest) -> HttpResponse:
    collector_id, chosen = _collector(request)
    today = clock.today()
    items = worklist_by_expected_loss(
        collector_worklist(collector_id=collector_id, today=today), today=today
    )
    context = {
        "page_obj": paginate(request, items, PER_PAGE),
        "collectors": collectors(),
        "chosen": chosen,
        "today": today,
        "total": sum((i.balance for i in items), Decimal("0.00")),
        "tasks": sum(1 for i in items if i.has_call_task),
        "outcomes": dict(CallOutcome.choices),
        "status_badges": STATUS_BADGES,
        "may_call": can(request.user, Capability.LOG_COLLECTION),
    }
    return render(request, "web/receivables/worklist.html", context)


@page
def worklist_csv(request: HttpRequest) -> StreamingHttpResponse:
    collector_id, _chosen = _collector(request)
    today = clock.today()
    items = worklist_by_expected_loss(
        collector_worklist(collector_id=collector_id, today=today), today=today
    )
    return report_exports.worklist_csv(items, today=today).response()


@page
def worklist_call(request: HttpRequest, number: str) -> HttpResponse:
    """GET: the call form of one worklist row; POST: log it (the row shows the result)."""
    require(request.user, Capability.LOG_COLLECTION)
    invoice = invoice_get(number)
    form = CallForm(request.POST if request.method == "POST" else None, auto_id=f"call-{number}-%s")
    context: dict[str, Any] = {"invoice": invoice, "form": form, "error": None}
    partial = "web/receivables/_call_form.html"
    template = partial if is_htmx(request) else "web/receivables/call.html"
    if request.method != "POST" or not form.is_valid():
        return render(request, template, context, status=form_status(form, None))
    data = form.cleaned_data
    try:
        call = invoice_call(
            by=request.user, number=number, outcome=data["outcome"],
            promise_date=data["promise_date"], note=data["note"],
        )  # fmt: skip
    except DomainError as exc:
        add_domain_errors(form, exc)
        context["error"] = exc
        return render(request, template, context, status=exc.status)
    message = _("Ligação registrada para %(number)s: %(outcome)s.") % {
        "number": number,
        "outcome": call.get_outcome_display(),
    }
    if not is_htmx(request):
        messages.success(request, message)
        return redirect("web:worklist")
    context = {"invoice": invoice, "call": call, "message": message}
    return render(request, "web/receivables/_call_done.html", context)


# --- dunning strategies ------------------------------------------------------------------


@dataclass
class LevelRow:
    days_after_due: str = ""
    action: str = ""
    min_balance: str = ""
    error: str = ""


@page
def strategies(request: HttpRequest) -> HttpResponse:
    configured = {s.segment: s for s in dunning_strategies()}
    default = configured.get("")
    rows = [
        {"segment": segment, "strategy": configured.get(segment)}
        for segment in sorted(set(customer_segments()) | (set(configured) - {""}), key=str.lower)
    ]
    context = {
        "default": default,
        "builtin": [(n, d, DunningAction(a).label) for n, (d, a) in enumerate(DEFAULT_LEVELS, 1)],
        "rows": rows,
        "may_edit": can(request.user, Capability.MANAGE_COLLECTIONS),
    }
    return render(request, "web/receivables/strategies.html", context)


def _level_rows(data: Any) -> list[LevelRow]:
    days = data.getlist("level_days")
    actions = data.getlist("level_action")
    minimums = data.getlist("level_min_balance")
    rows = []
    for i in range(max(len(days), len(actions), len(minimums))):
        row = LevelRow(
            days[i] if i < len(days) else "",
            actions[i] if i < len(actions) else "",
            minimums[i] if i < len(minimums) else "",
        )
        if row.days_after_due.strip() or row.action:
            rows.append(row)
    return rows


def _parse_levels(rows: list[LevelRow]) -> list[LevelIn] | None:
    """Typed levels, or None after putting each unreadable value's message on its row."""
    levels = []
    for row in rows:
        try:
            days = int(row.days_after_due.strip())
            if days < 0:
                raise ValueError
        except ValueError:
            row.error = _("Dias após o vencimento: um número inteiro, zero ou mais.")
            continue
        try:
            minimum = Decimal(decimal_from_input(row.min_balance) or "0")
        except InvalidOperation:
            row.error = _("Saldo mínimo: um valor em reais, ex.: 100,00.")
            continue
        levels.append(LevelIn(days, row.action, minimum))
    return None if any(r.error for r in rows) else levels


@page
def strategy_edit(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.MANAGE_COLLECTIONS)
    source = request.POST if request.method == "POST" else request.GET
    segment = source.get("segmento", "").strip()
    strategy = dunning_strategy_for(segment)
    error: DomainError | None = None
    if request.method == "POST":
        name = request.POST.get("name", "")
        rows = _level_rows(request.POST)
        levels = _parse_levels(rows)
        if levels is not None:
            try:
                dunning_strategy_save(by=request.user, segment=segment, name=name, levels=levels)
            except DomainError as exc:
                error = exc
                for e in exc.errors:
                    if isinstance(e.get("line"), int) and 0 < e["line"] <= len(rows):
                        rows[e["line"] - 1].error = str(e.get("message", ""))
            else:
                label = segment or _("padrão")
                messages.success(request, _("Régua %(segment)s salva.") % {"segment": label})
                return redirect("web:dunning_strategies")
        status = error.status if error else 422
    else:
        name = strategy.name if strategy else (segment or _("Padrão"))
        if strategy is not None:
            rows = [
                LevelRow(str(lv.days_after_due), lv.action, format(lv.min_balance, "f"))
                for lv in strategy.levels.all()
            ]
        else:
            rows = [LevelRow(str(d), a, "") for d, a in DEFAULT_LEVELS]
        status = 200
    rows += [LevelRow()]  # one empty row to add a level
    context = {
        "segment": segment,
        "name": name,
        "rows": rows,
        "actions": DunningAction.choices,
        "error": error,
        "invalid": status != 200,
    }
    return render(request, "web/receivables/strategy_edit.html", context, status=status)
