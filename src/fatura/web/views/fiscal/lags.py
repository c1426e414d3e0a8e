"""Fiscal → Prazos esperados: the expected days from an order's completion to its NFS-e,
global, per service type, per customer or per customer and type (the most specific wins).
Everyone reads them; only Financeiro sets or deletes (the services say so)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fatura.core.errors import DomainError
from fatura.customers.selectors import customer_get
from fatura.fiscal import listing, services
from fatura.fiscal.models import ExpectedLag
from fatura.fiscal.report_exports import expected_text
from fatura.web.forms_fiscal import ExpectedLagForm
from fatura.web.views.common import add_domain_errors, form_status, page


def scope_label(lag: ExpectedLag) -> str:
    if lag.customer_id and lag.service_type:
        return _("Cliente %(customer)s, tipo %(type)s") % {
            "customer": lag.customer.name if lag.customer else lag.customer_id,
            "type": lag.service_type,
        }
    if lag.customer_id:
        return _("Cliente %(customer)s") % {
            "customer": lag.customer.name if lag.customer else lag.customer_id
        }
    if lag.service_type:
        return _("Tipo de serviço %(type)s") % {"type": lag.service_type}
    return _("Global (todas as ordens)")


def _render(
    request: HttpRequest, form: ExpectedLagForm | None = None, error: DomainError | None = None
) -> HttpResponse:
    form = form or ExpectedLagForm()
    lags = listing.expected_lag_list()
    context = {
        "current": "lags",
        "form": form,
        "error": error,
        "lags": [(lag, scope_label(lag), expected_text(lag.days)) for lag in lags],
        "has_global": any(not lag.customer_id and not lag.service_type for lag in lags),
        "default_days": expected_text(listing.default_expected_days()),
        "service_types": listing.filter_choices().service_types,
    }
    return render(request, "web/fiscal/lags.html", context, status=form_status(form, error))


@page
def lags(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request)
    form = ExpectedLagForm(request.POST)
    if not form.is_valid():
        return _render(request, form)
    data = form.cleaned_data
    try:
        lag = services.expected_lag_set(
            by=request.user,
            days=data["days"],
            service_type=data["service_type"],
            customer=customer_get(data["customer"]) if data["customer"] else None,
        )
    except DomainError as exc:
        add_domain_errors(form, exc)
        return _render(request, form, exc)
    messages.success(
        request,
        _("Prazo esperado salvo: %(scope)s, %(days)s dia(s).")
        % {"scope": scope_label(lag), "days": expected_text(lag.days)},
    )
    return redirect(reverse("web:fiscal_lags"))


@require_POST
@page
def lag_delete(request: HttpRequest, lag_id: int) -> HttpResponse:
    lag = listing.expected_lag_get(lag_id)
    label = scope_label(lag)
    try:
        services.expected_lag_delete(by=request.user, lag=lag)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("web:fiscal_lags"))
    messages.success(request, _("Prazo esperado excluído: %(scope)s.") % {"scope": label})
    return redirect(reverse("web:fiscal_lags"))
