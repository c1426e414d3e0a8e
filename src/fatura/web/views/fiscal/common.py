"""What the fiscal pages share: the period and filters read from the query string (with the
quick picks and the filter menus), and the tabs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from fatura.core import clock
from fatura.fiscal.kpi import Filters, Period
from fatura.fiscal.listing import FilterChoices, filter_choices, months_between
from fatura.fiscal.report_exports import days_text, percent_text
from fatura.web.forms_fiscal import FiscalFilterForm
from fatura.web.views.common import parse_int

FILTER_NAMES = ("cliente", "tipo", "equipe", "mes")


@dataclass
class Asked:
    form: FiscalFilterForm
    period: Period
    filters: Filters
    choices: FilterChoices
    query: str  # the query string as asked, for the export links

    @property
    def filtered(self) -> bool:
        f = self.filters
        return bool(f.customer_ids or f.service_types or f.teams or f.months)


def asked(request: HttpRequest) -> Asked:
    choices = filter_choices()
    data = request.GET if any(k in request.GET for k in ("inicio", "fim", *FILTER_NAMES)) else None
    form = FiscalFilterForm(data, choices, today=clock.today())
    params = request.GET.copy()
    params.pop("page", None)
    return Asked(form, form.period(), form.filters(), choices, params.urlencode())


def backlog_filters(a: Asked) -> Filters:
    """The backlog is as of now: no period and no month of issue."""
    f = a.filters
    return Filters(f.customer_ids, f.service_types, f.teams)


def _with(request: HttpRequest, **values: Any) -> str:
    params: QueryDict = request.GET.copy()
    for key in ("page", "mes"):
        params.pop(key, None)
    for key, value in values.items():
        params[key] = value
    return "?" + params.urlencode()


def quick_picks(request: HttpRequest, period: Period) -> list[dict[str, Any]]:
    """This month, last month, this quarter, this year (to today), keeping the other filters."""
    today = clock.today()
    month = today.replace(day=1)
    last_end = month - dt.timedelta(days=1)
    quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    picks = [
        ("month", _("Este mês"), month, today),
        ("last-month", _("Mês passado"), last_end.replace(day=1), last_end),
        ("quarter", _("Este trimestre"), quarter, today),
        ("year", _("Este ano"), today.replace(month=1, day=1), today),
    ]
    return [
        {
            "key": key,
            "label": label,
            "url": _with(request, inicio=f"{start:%d/%m/%Y}", fim=f"{end:%d/%m/%Y}"),
            "current": (start, end) == (period.start, period.end),
        }
        for key, label, start, end in picks
    ]


def _summary(selected: list[str], everything: str) -> str:
    if not selected:
        return everything
    if len(selected) == 1:
        return selected[0]
    return _("%(count)s selecionados") % {"count": len(selected)}


def filter_menus(a: Asked) -> list[dict[str, Any]]:
    """One menu of checkboxes per filter (customer, service type, team, month of issue)."""
    f = a.filters
    customers = [(str(pk), name, pk in f.customer_ids) for pk, name in a.choices.customers]
    types = [(t, t, t in f.service_types) for t in a.choices.service_types]
    teams = [(t, t, t in f.teams) for t in a.choices.teams]
    months = [
        (m, f"{m[5:]}/{m[:4]}", m in f.months) for m in months_between(a.period.start, a.period.end)
    ]
    menus = [
        ("cliente", _("Cliente"), customers, _("Todos")),
        ("tipo", _("Tipo de serviço"), types, _("Todos")),
        ("equipe", _("Equipe"), teams, _("Todas")),
        ("mes", _("Mês de emissão"), months, _("Todos")),
    ]
    return [
        {
            "name": name,
            "label": label,
            "options": options,
            "summary": _summary([text for _v, text, on in options if on], everything),
            "active": any(on for _v, _t, on in options),
        }
        for name, label, options, everything in menus
    ]


def list_filters(request: HttpRequest, statuses: list[str]) -> dict[str, Any]:
    """The filters of the service-order and NFS-e lists: status (one of ``statuses``), customer
    and a search text, from the query string."""
    status = request.GET.get("situacao", "")
    return {
        "status": status if status in statuses else "",
        "customer_id": parse_int(request.GET.get("cliente")),
        "search": request.GET.get("busca", "")[:60],
    }


def days_label(days: float | None) -> str:
    """``4,8 dias`` (1 decimal) or ``—``."""
    return "—" if days is None else _("%(days)s dias") % {"days": days_text(days)}


def percent_label(rate: float | None) -> str:
    return percent_text(rate)
