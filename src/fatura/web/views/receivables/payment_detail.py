"""A payment's page: its allocations, and applying the credit left, posting and reversing it
(Financeiro). Each change is posted with htmx and re-renders the page's live part; a refused
one stays next to its form with the service's message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fatura.core import clock
from fatura.core.errors import DomainError
from fatura.core.money import format_brl
from fatura.core.roles import Capability, can, require
from fatura.receivables import payments as payment_services
from fatura.receivables.models import Payment
from fatura.receivables.selectors import payment_get
from fatura.web.forms_receivables import PostForm, ReverseForm
from fatura.web.views.common import add_domain_errors, is_htmx, page
from fatura.web.views.receivables.payments import allocation_errors, allocations_of, open_rows


def _detail_context(request: HttpRequest, payment: Payment, **forms_: Any) -> dict[str, Any]:
    allocations = list(payment.allocations.all())  # from receivables' payment_get
    may = can(request.user, Capability.RECORD_PAYMENTS) and not payment.is_reversed
    apply_rows = forms_.pop("apply_rows", None)
    if apply_rows is None and may and payment.unapplied > 0:
        apply_rows = open_rows(payment.customer_id)
    return {
        "payment": payment,
        "allocations": allocations,
        "may_change": may,
        "apply_rows": apply_rows or [],
        "available_cents": int(payment.unapplied * 100),  # for the "pay all" helper
        "post_form": forms_.pop("post_form", None)
        or PostForm(initial={"posted_at": clock.today()}),
        "reverse_form": forms_.pop("reverse_form", None) or ReverseForm(),
        **forms_,
    }


def _render_detail(
    request: HttpRequest, payment: Payment, status: int = 200, **extra: Any
) -> HttpResponse:
    context = _detail_context(request, payment, **extra)
    return render(request, "web/receivables/payment_detail.html", context, status=status)


@page
def payment_detail(request: HttpRequest, payment_id: int) -> HttpResponse:
    return _render_detail(request, payment_get(payment_id))


def _changed(request: HttpRequest, payment_id: int, message: str) -> HttpResponse:
    if not is_htmx(request):
        messages.success(request, message)
        return redirect("web:payment_detail", payment_id=payment_id)
    context = _detail_context(request, payment_get(payment_id))
    context["result"] = message
    response = render(request, "web/receivables/_payment_live.html", context)
    response["HX-Retarget"] = "#payment-live"
    response["HX-Reswap"] = "outerHTML"
    return response


def _failed(
    request: HttpRequest, payment_id: int, part: str, form: forms.Form | None, **extra: Any
) -> HttpResponse:
    """A refused change: the form again with its errors; inline (htmx) or the whole page."""
    error = extra.get(f"{part}_error")
    status = error.status if error is not None else 422
    if form is not None:
        extra[f"{part}_form"] = form
    if is_htmx(request):
        context = _detail_context(request, payment_get(payment_id), **extra)
        return render(request, f"web/receivables/_payment_{part}.html", context, status=status)
    return _render_detail(request, payment_get(payment_id), status=status, **extra)


@page
def payment_apply(request: HttpRequest, payment_id: int) -> HttpResponse:
    require(request.user, Capability.RECORD_PAYMENTS)
    payment = payment_get(payment_id)
    if request.method != "POST":
        return redirect("web:payment_detail", payment_id=payment_id)
    rows = open_rows(payment.customer_id, request.POST)
    try:
        done = payment_services.payment_apply(
            by=request.user, payment_id=payment_id, allocations=allocations_of(rows)
        )
    except DomainError as exc:
        general = allocation_errors(rows, exc)
        return _failed(
            request, payment_id, "apply", None, apply_rows=rows, apply_error=exc,
            apply_general=general,
        )  # fmt: skip
    return _changed(
        request,
        payment_id,
        _("Crédito aplicado: %(applied)s no total; restam %(left)s.")
        % {"applied": format_brl(done.applied), "left": format_brl(done.unapplied)},
    )


@page
def payment_post(request: HttpRequest, payment_id: int) -> HttpResponse:
    require(request.user, Capability.RECORD_PAYMENTS)
    if request.method != "POST":
        return redirect("web:payment_detail", payment_id=payment_id)
    form = PostForm(request.POST)
    if not form.is_valid():
        return _failed(request, payment_id, "post", form)
    try:
        done = payment_services.payment_post(
            by=request.user, payment_id=payment_id, posted_at=form.cleaned_data["posted_at"]
        )
    except DomainError as exc:
        add_domain_errors(form, exc)
        return _failed(request, payment_id, "post", form, post_error=exc)
    assert done.posted_at is not None
    return _changed(
        request,
        payment_id,
        _("Pagamento contabilizado em %(day)s.") % {"day": done.posted_at.strftime("%d/%m/%Y")},
    )


@page
def payment_reverse(request: HttpRequest, payment_id: int) -> HttpResponse:
    require(request.user, Capability.RECORD_PAYMENTS)
    if request.method != "POST":
        return redirect("web:payment_detail", payment_id=payment_id)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        return _failed(request, payment_id, "reverse", form)
    try:
        payment_services.payment_reverse(
            by=request.user,
            payment_id=payment_id,
            reason=form.cleaned_data["reason"],
            date=form.cleaned_data["date"],
        )
    except DomainError as exc:
        add_domain_errors(form, exc)
        return _failed(request, payment_id, "reverse", form, reverse_error=exc)
    return _changed(
        request,
        payment_id,
        _("Pagamento estornado: as alocações foram desfeitas e as faturas reabertas."),
    )
