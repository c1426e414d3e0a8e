"""Fechamento de meses: the months and their state; Financeiro closes an ended month (no entry
dated in it is accepted afterwards) or reopens a closed one (``receivables.periods``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fatura.core.errors import InvalidInput
from fatura.core.months import Month
from fatura.core.roles import Capability, can, require
from fatura.receivables import periods as period_services
from fatura.web.views.common import page


@page
def periods(request: HttpRequest) -> HttpResponse:
    rows = period_services.periods_list()
    return render(
        request,
        "web/receivables/periods.html",
        {
            "rows": rows,
            "closed": sum(1 for row in rows if row.closed),
            "may_close": can(request.user, Capability.CLOSE_PERIODS),
        },
    )


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError:
        raise InvalidInput(
            _("Mês inválido: %(month)s.") % {"month": text},
            errors=[{"field": "month", "message": "inválido"}],
        ) from None


@page
def period_close(request: HttpRequest, month: str) -> HttpResponse:
    require(request.user, Capability.CLOSE_PERIODS)
    if request.method != "POST":
        return redirect("web:periods")
    closing = _month(month)
    period_services.period_close(by=request.user, month=closing)
    messages.success(
        request,
        _("Mês %(month)s fechado: nenhum lançamento datado nele será aceito.")
        % {"month": closing.label_pt()},
    )
    return redirect("web:periods")


@page
def period_reopen(request: HttpRequest, month: str) -> HttpResponse:
    require(request.user, Capability.CLOSE_PERIODS)
    if request.method != "POST":
        return redirect("web:periods")
    opening = _month(month)
    period_services.period_reopen(by=request.user, month=opening)
    messages.success(
        request,
        _("Mês %(month)s reaberto (registrado no log de eventos).") % {"month": opening.label_pt()},
    )
    return redirect("web:periods")
