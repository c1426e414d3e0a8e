from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fatura.catalog.selectors import billing_item_get
from fatura.core.errors import DomainError
from fatura.core.months import Month
from fatura.customers.selectors import customer_get
from fatura.usage.selectors import consumption_get, consumption_list
from fatura.usage.services import consumption_delete, consumption_record
from fatura.web.csv_export import csv_response
from fatura.web.forms import ConsumptionForm, ListFilterForm
from fatura.web.views.common import (
    add_domain_errors,
    current_month,
    form_status,
    page,
    paginate,
    parse_int,
    parse_month,
)

PER_PAGE = 50


def _filters(request: HttpRequest) -> tuple[int | None, Month | None]:
    return parse_int(request.GET.get("cliente")), parse_month(request.GET.get("mes"))


def _render(
    request: HttpRequest, form: ConsumptionForm, error: DomainError | None = None
) -> HttpResponse:
    customer_id, month = _filters(request)
    entries = consumption_list(customer_id=customer_id, month=month)
    context = {
        "form": form,
        "error": error,
        "page_obj": paginate(request, entries, PER_PAGE),
        "filter_customer": customer_id,
        "filter_month": month,
        "filter_form": ListFilterForm(request.GET),
    }
    return render(request, "web/consumption/list.html", context, status=form_status(form, error))


@page
def consumption(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        month = _filters(request)[1]
        initial: dict[str, object] = {"month": month or current_month().previous()}
        if request.GET.get("cliente"):
            initial["customer"] = request.GET["cliente"]
        return _render(request, ConsumptionForm(initial=initial))
    form = ConsumptionForm(request.POST)
    if not form.is_valid():
        return _render(request, form)
    data = form.cleaned_data
    try:
        entry = consumption_record(
            by=request.user,
            customer=customer_get(data["customer"]),
            month=data["month"],
            billing_item=billing_item_get(data["billing_item"]),
            quantity=data["quantity"],
        )
    except DomainError as exc:
        add_domain_errors(form, exc)
        return _render(request, form, exc)
    messages.success(
        request,
        _("Consumo lançado: %(customer)s, %(item)s, %(month)s.")
        % {
            "customer": entry.customer.name,
            "item": entry.billing_item.name,
            "month": entry.period.label_pt(),
        },
    )
    return redirect(f"{request.path}?cliente={entry.customer_id}&mes={entry.period}")


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("web:consumption")


@require_POST
@page
def consumption_remove(request: HttpRequest, consumption_id: int) -> HttpResponse:
    entry = consumption_get(consumption_id)
    try:
        consumption_delete(by=request.user, consumption=entry)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_back(request))
    messages.success(
        request,
        _("Lançamento excluído: %(customer)s, %(item)s, %(month)s.")
        % {
            "customer": entry.customer.name,
            "item": entry.billing_item.name,
            "month": entry.period.label_pt(),
        },
    )
    return redirect(_back(request))


@page
def consumption_csv(request: HttpRequest) -> StreamingHttpResponse:
    customer_id, month = _filters(request)
    sources = {"manual": _("Manual"), "volumetria": _("Volumetria")}
    rows = (
        (
            c.period,
            c.customer.name,
            c.customer.document_display,
            c.billing_item.name,
            c.billing_item.unit,
            c.quantity,
            sources.get(c.source, c.source),
            c.recorded_at,
        )
        for c in consumption_list(customer_id=customer_id, month=month).iterator()
    )
    header = [
        _("Mês"),
        _("Cliente"),
        _("CPF/CNPJ"),
        _("Item de cobrança"),
        _("Unidade"),
        _("Quantidade"),
        _("Origem"),
        _("Lançado em"),
    ]
    return csv_response("consumo.csv", header, rows)
