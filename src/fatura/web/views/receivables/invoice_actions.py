"""The actions of an invoice's page (/faturas/<número>/acoes/<ação>/): exactly those its state
allows (``receivables.domain.allowed_actions``) and the user's role may do. GET gives the small
form (inline with htmx, a page without it); POST calls the service. Success re-renders the
invoice's live part with the result; a 409/422/403 of the service stays next to the form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from fatura.core.errors import DomainError, NotFound
from fatura.core.roles import require
from fatura.receivables.models import Invoice
from fatura.receivables.selectors import invoice_detail, invoice_get
from fatura.web.views.common import add_domain_errors, form_status, is_htmx, page
from fatura.web.views.receivables.action_specs import SPECS, ActionSpec
from fatura.web.views.receivables.invoice_page import invoice_context


def _render_form(
    request: HttpRequest,
    invoice: Invoice,
    spec: ActionSpec,
    form: forms.Form,
    error: DomainError | None = None,
) -> HttpResponse:
    context = {"invoice": invoice, "spec": spec, "form": form, "error": error}
    template = (
        "web/receivables/_action_form.html" if is_htmx(request) else "web/receivables/action.html"
    )
    return render(request, template, context, status=form_status(form, error))


def _done(request: HttpRequest, invoice: Invoice, message: str, goto: str | None) -> HttpResponse:
    if goto is not None:  # another invoice (a converted proforma): go there
        messages.success(request, message)
        url = reverse("web:invoice_detail", args=[goto])
        if is_htmx(request):
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return redirect(url)
    if not is_htmx(request):
        messages.success(request, message)
        return redirect("web:invoice_detail", number=invoice.number)
    context = invoice_context(invoice_detail(invoice.number), request.user)
    context["result"] = message
    response = render(request, "web/receivables/_invoice_live.html", context)
    response["HX-Retarget"] = "#invoice-live"
    response["HX-Reswap"] = "outerHTML"
    return response


@page
def invoice_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    spec = SPECS.get(action)
    if spec is None:
        raise NotFound(_("Ação desconhecida: %(action)s.") % {"action": action})
    require(request.user, spec.capability)  # a role without it gets the 403 page, GET or POST
    invoice = invoice_get(number)
    if request.method != "POST":
        return _render_form(request, invoice, spec, spec.form(invoice, None))
    form = spec.form(invoice, request.POST)
    if not form.is_valid():
        return _render_form(request, invoice, spec, form)
    try:
        message, goto = spec.run(request.user, invoice, form.cleaned_data)
    except DomainError as exc:
        add_domain_errors(form, exc)
        return _render_form(request, invoice_get(number), spec, form, exc)
    return _done(request, invoice, message, goto)
