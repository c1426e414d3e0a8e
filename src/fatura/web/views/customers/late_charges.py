"""Encargos por atraso of a customer (/clientes/<id>/encargos/): the fine and the monthly
interest charged on what it pays late (receivables.late_charges, docs/decisions/0024), the
installation's defaults when it has none, and the form that changes them (Financeiro)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fatura.core.errors import DomainError
from fatura.core.roles import Capability, can, require
from fatura.customers.models import Customer
from fatura.customers.selectors import customer_get
from fatura.customers.services import customer_update
from fatura.web.forms import DecimalTextField
from fatura.web.views.common import add_domain_errors, form_status, page


class LateChargesForm(forms.Form):
    late_fine_percent = DecimalTextField(
        label=gettext_lazy("Multa por atraso (%)"),
        required=False,
        help_text=gettext_lazy("De 0 a 20, cobrada uma vez. Em branco: o padrão da instalação."),
    )
    late_interest_monthly_percent = DecimalTextField(
        label=gettext_lazy("Juros de mora ao mês (%)"),
        required=False,
        help_text=gettext_lazy("De 0 a 10, simples, por dia de atraso (mês de 30 dias)."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        return {name: (data.get(name) or None) for name in self.fields}  # empty: the default


def _initial(customer: Customer) -> dict[str, Any]:
    def shown(value: Decimal | None) -> str:
        return "" if value is None else f"{value:.2f}".replace(".", ",")

    return {
        "late_fine_percent": shown(customer.late_fine_percent),
        "late_interest_monthly_percent": shown(customer.late_interest_monthly_percent),
    }


def _render(
    request: HttpRequest,
    customer: Customer,
    form: LateChargesForm,
    error: DomainError | None = None,
) -> HttpResponse:
    context = {
        "customer": customer,
        "form": form,
        "error": error,
        "default_fine": Decimal(str(settings.FATURA_LATE_FINE_PERCENT)),
        "default_interest": Decimal(str(settings.FATURA_LATE_INTEREST_MONTHLY_PERCENT)),
        "can_change": can(request.user, Capability.MANAGE_CUSTOMERS),
    }
    return render(
        request, "web/customers/late_charges.html", context, status=form_status(form, error)
    )


@page
def customer_late_charges(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_get(customer_id)
    if request.method != "POST":
        return _render(request, customer, LateChargesForm(initial=_initial(customer)))
    require(request.user, Capability.MANAGE_CUSTOMERS)
    form = LateChargesForm(request.POST)
    if not form.is_valid():
        return _render(request, customer, form)
    try:
        customer_update(by=request.user, customer_id=customer.pk, **form.cleaned_data)
    except DomainError as exc:
        add_domain_errors(form, exc)
        return _render(request, customer, form, exc)
    messages.success(
        request, _("Encargos por atraso de %(name)s atualizados.") % {"name": customer.name}
    )
    return redirect("web:customer_late_charges", customer_id=customer.pk)
