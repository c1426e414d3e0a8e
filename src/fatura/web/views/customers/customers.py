from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fatura.core.errors import DomainError
from fatura.customers.selectors import customer_list
from fatura.customers.services import customer_create
from fatura.customers.terms import payment_term_labels, payment_term_options
from fatura.web.csv_export import csv_response
from fatura.web.forms import CustomerForm
from fatura.web.views.common import add_domain_errors, form_status, page, paginate

PER_PAGE = 50


def _render(
    request: HttpRequest, form: CustomerForm, error: DomainError | None = None
) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    choices, labels = payment_term_options()  # one read for the form's select and the table
    cast(forms.ChoiceField, form.fields["payment_terms"]).choices = choices
    context = {
        "page_obj": paginate(request, customer_list(search=search), PER_PAGE),
        "search": search,
        "form": form,
        "error": error,
        "terms": labels,
    }
    return render(request, "web/customers/list.html", context, status=form_status(form, error))


@page
def customers(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request, CustomerForm())
    form = CustomerForm(request.POST)
    if not form.is_valid():
        return _render(request, form)
    try:
        customer = customer_create(by=request.user, **form.cleaned_data)
    except DomainError as exc:
        add_domain_errors(form, exc)
        return _render(request, form, exc)
    messages.success(request, _("Cliente %(name)s cadastrado.") % {"name": customer.name})
    return redirect("web:customers")


@page
def customers_csv(request: HttpRequest) -> StreamingHttpResponse:
    search = request.GET.get("q", "").strip()
    terms = payment_term_labels()
    rows = (
        (
            c.name,
            c.document_display,
            c.document_type,
            c.email,
            c.segment,
            c.region,
            c.country,
            c.business_unit,
            terms.get(c.payment_terms, c.payment_terms),
            c.get_delivery_display(),
            c.created_at,
        )
        for c in customer_list(search=search).iterator()
    )
    header = [
        _("Nome"),
        _("CPF/CNPJ"),
        _("Tipo"),
        _("E-mail"),
        _("Segmento"),
        _("Região"),
        _("País"),
        _("Unidade de negócio"),
        _("Condição de pagamento"),
        _("Envio da fatura"),
        _("Cadastrado em"),
    ]
    return csv_response("clientes.csv", header, rows)
