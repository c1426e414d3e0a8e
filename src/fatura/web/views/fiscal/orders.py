"""Fiscal → Ordens de serviço: the list (filters, pagination), the CSV import, a new order,
and completing, billing or cancelling one, each through ``fatura.fiscal`` services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fatura.core.errors import DomainError, InvalidInput, NotFound
from fatura.customers.selectors import customer_get
from fatura.fiscal import listing, services
from fatura.fiscal.imports import service_orders_import
from fatura.fiscal.models import ServiceOrderStatus
from fatura.receivables.selectors import invoice_get
from fatura.web.forms import ListFilterForm
from fatura.web.forms_fiscal import BillForm, CompleteForm, ServiceOrderForm
from fatura.web.views.common import add_domain_errors, form_status, page, paginate
from fatura.web.views.fiscal.common import list_filters
from fatura.web.views.fiscal.upload import example_document, upload

PER_PAGE = 50
ACCEPT = ".csv,text/csv"
EXAMPLE = (
    "number,customer_document,service_type,team,completed_at,billed_at,value\r\n"
    "OS-1001,{doc},Manutenção,Norte,10/03/2026 14:30,11/03/2026 09:00,1.250,00\r\n"
    "OS-1002,{doc},Instalação,Sul,2026-03-12T08:00:00-03:00,,480.00\r\n"
    "OS-1003,{doc},Manutenção,Sul,,,300\r\n"
)
STATUS_BADGES = {
    ServiceOrderStatus.OPEN: "badge-neutral",
    ServiceOrderStatus.COMPLETED: "badge-info",
    ServiceOrderStatus.BILLED: "badge-success",
    ServiceOrderStatus.CANCELLED: "badge-warning",
}


def _render(
    request: HttpRequest,
    form: ServiceOrderForm | None = None,
    error: DomainError | None = None,
    extra: dict[str, Any] | None = None,
    status: int | None = None,
) -> HttpResponse:
    form = form or ServiceOrderForm()
    asked = list_filters(request, ServiceOrderStatus.values)
    choices = listing.filter_choices()
    context = {
        "current": "orders",
        "form": form,
        "error": error,
        "page_obj": paginate(request, listing.service_order_list(**asked), PER_PAGE),
        "asked": asked,
        "filter_form": ListFilterForm(request.GET),
        "statuses": ServiceOrderStatus.choices,
        "badges": STATUS_BADGES,
        "service_types": choices.service_types,
        "teams": choices.teams,
        "accept": ACCEPT,
        **(extra or {}),
    }
    return render(
        request, "web/fiscal/orders.html", context, status=status or form_status(form, error)
    )


@page
def orders(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request)
    form = ServiceOrderForm(request.POST)
    if not form.is_valid():
        return _render(request, form)
    data = form.cleaned_data
    try:
        order = services.service_order_create(
            by=request.user,
            number=data["number"],
            customer=customer_get(data["customer"]),
            service_type=data["service_type"],
            team=data["team"],
            value=data["value"],
            completed_at=data["completed_at"],
        )
    except DomainError as exc:
        add_domain_errors(form, exc)
        return _render(request, form, exc)
    done = _("Ordem de serviço %(number)s registrada.")
    messages.success(request, done % {"number": order.number})
    return redirect(f"{reverse('web:fiscal_orders')}?busca={order.number}")


@require_POST
@page
def orders_import(request: HttpRequest) -> HttpResponse:
    return upload(
        request,
        service=service_orders_import,
        accept=ACCEPT,
        kind="orders",
        page_url=reverse("web:fiscal_orders"),
        full_page=lambda extra, status: _render(request, extra=extra, status=status),
    )


@page
def orders_example(request: HttpRequest) -> HttpResponse:
    document = example_document()
    response = HttpResponse(EXAMPLE.format(doc=document), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="exemplo-ordens-de-servico.csv"'
    return response


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("web:fiscal_orders")


def _invoice(number: str) -> Any:
    return invoice_get(number.strip()) if number.strip() else None


def _first_error(form: Any) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return _("Dados inválidos.")


@require_POST
@page
def order_action(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    """Complete (``concluir``), bill (``faturar``) or cancel (``cancelar``) one order."""
    order = listing.service_order_get(order_id)
    try:
        if action == "concluir":
            form: Any = CompleteForm(request.POST)
            if not form.is_valid():
                raise InvalidInput(_first_error(form))
            services.service_order_complete(
                by=request.user, order=order, completed_at=form.cleaned_data["completed_at"]
            )
            done = _("Ordem de serviço %(number)s concluída.")
        elif action == "faturar":
            form = BillForm(request.POST)
            if not form.is_valid():
                raise InvalidInput(_first_error(form))
            services.service_order_bill(
                by=request.user,
                order=order,
                invoice=_invoice(form.cleaned_data["invoice"]),
                billed_at=form.cleaned_data["billed_at"],
            )
            done = _("Ordem de serviço %(number)s faturada.")
        elif action == "cancelar":
            services.service_order_cancel(by=request.user, order=order)
            done = _("Ordem de serviço %(number)s cancelada.")
        else:
            raise NotFound(_("Ação desconhecida."))
    except DomainError as exc:
        messages.error(request, f"{order.number}: {exc.message}")
        return redirect(_back(request))
    messages.success(request, done % {"number": order.number})
    return redirect(_back(request))
