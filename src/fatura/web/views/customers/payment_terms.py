"""Condições de pagamento (/clientes/condicoes-de-pagamento/): the terms with their
installments and discount, and the form that creates one or changes it (``?codigo=``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fatura.core.errors import DomainError, InvalidInput
from fatura.core.money import format_decimal_br
from fatura.core.roles import Capability, require
from fatura.core.terms import even_percents
from fatura.customers.models import PaymentTerm
from fatura.customers.terms import (
    payment_term_create,
    payment_term_list,
    payment_term_update,
    term_label,
)
from fatura.web.forms import DecimalTextField, decimal_from_input
from fatura.web.views.common import add_domain_errors, form_status, page


class PaymentTermForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Código"),
        max_length=20,
        help_text=gettext_lazy("Ex.: NET30, 30/60/90. Não muda depois de criado."),
    )
    label = forms.CharField(label=gettext_lazy("Descrição"), max_length=80)
    days = forms.CharField(
        label=gettext_lazy("Dias das parcelas após a emissão"),
        max_length=100,
        help_text=gettext_lazy("Separados por “/”: 30 (uma parcela) ou 30/60/90 (três)."),
    )
    percents = forms.CharField(
        label=gettext_lazy("Percentual de cada parcela"),
        max_length=120,
        required=False,
        help_text=gettext_lazy(
            "Separados por “/”, somando 100, até 4 casas (ex.: 50/30/20). Em branco: partes "
            "iguais (um terço: 33,3333), a última com o centavo do arredondamento."
        ),
    )
    discount_percent = DecimalTextField(
        label=gettext_lazy("Desconto por antecipação (%)"), required=False
    )
    discount_days = forms.IntegerField(
        label=gettext_lazy("Dias do desconto"), required=False, min_value=0, max_value=730
    )
    active = forms.BooleanField(
        label=gettext_lazy("Ativa (oferecida a clientes e faturas)"), required=False, initial=True
    )


def _numbers(text: str, field: str) -> list[str]:
    parts = [p.strip() for p in (text or "").replace(";", "/").split("/")]
    parts = [p for p in parts if p]
    if not parts:
        raise InvalidInput(
            _("Informe ao menos uma parcela."),
            errors=[{"field": field, "message": _("obrigatório")}],
        )
    return parts


def _installments(days_text: str, percents_text: str) -> list[dict[str, Any]]:
    try:
        days = [int(d) for d in _numbers(days_text, "days")]
    except ValueError:
        raise InvalidInput(
            _("Dias das parcelas: números inteiros separados por “/”."),
            errors=[{"field": "days", "message": _("números inteiros separados por “/”")}],
        ) from None
    if percents_text.strip():
        try:
            percents = [Decimal(decimal_from_input(p)) for p in _numbers(percents_text, "percents")]
        except InvalidOperation:
            percents = []
        if len(percents) != len(days):
            raise InvalidInput(
                _("Informe um percentual para cada parcela."),
                errors=[{"field": "percents", "message": _("um por parcela")}],
            )
    else:
        percents = even_percents(len(days)) if 0 < len(days) <= 12 else [Decimal(0)] * len(days)
    return [{"days": d, "percent": p} for d, p in zip(days, percents, strict=True)]


_ALIASES = {"installments": "days", "percent": "percents"}


def _initial(term: PaymentTerm) -> dict[str, Any]:
    return {
        "code": term.code,
        "label": term.label,
        "days": "/".join(str(i["days"]) for i in term.installments),
        "percents": "/".join(
            format_decimal_br(Decimal(str(i["percent"]))) for i in term.installments
        ),
        "discount_percent": format_decimal_br(term.discount_percent)
        if term.discount_percent
        else "",
        "discount_days": term.discount_days or None,
        "active": term.active,
    }


def _rows() -> list[dict[str, Any]]:
    return [
        {
            "term": t,
            "label": term_label(t.label),
            "schedule": " · ".join(
                f"{i['days']} d — {format_decimal_br(Decimal(str(i['percent'])))}%"
                for i in t.installments
            ),
            "discount": (
                f"{format_decimal_br(t.discount_percent)}% / {t.discount_days} d"
                if t.discount_percent
                else ""
            ),
        }
        for t in payment_term_list()
    ]


def _render(
    request: HttpRequest,
    form: PaymentTermForm,
    editing: PaymentTerm | None,
    error: DomainError | None = None,
) -> HttpResponse:
    context = {"rows": _rows(), "form": form, "editing": editing, "error": error}
    return render(
        request, "web/customers/payment_terms.html", context, status=form_status(form, error)
    )


@page
def payment_terms(request: HttpRequest) -> HttpResponse:
    """GET: the terms and the form (empty, or the term of ``?codigo=``). POST: create or
    change it; the service's errors next to their fields."""
    code = request.GET.get("codigo", "").strip()
    editing = PaymentTerm.objects.filter(code=code).first() if code else None
    if request.method != "POST":
        form = PaymentTermForm(initial=_initial(editing) if editing else None)
        if editing:
            form.fields["code"].disabled = True
        return _render(request, form, editing)
    require(request.user, Capability.MANAGE_CUSTOMERS)
    form = PaymentTermForm(request.POST)
    if editing:
        form.fields["code"].disabled = True
        form.fields["code"].initial = editing.code
    if not form.is_valid():
        return _render(request, form, editing)
    data = form.cleaned_data
    try:
        installments = _installments(data["days"], data["percents"])
        common = {
            "label": data["label"],
            "installments": installments,
            "discount_percent": data["discount_percent"] or "0",
            "discount_days": data["discount_days"] or 0,
            "active": bool(data["active"]),
        }
        if editing:
            term = payment_term_update(by=request.user, code=editing.code, **common)
        else:
            term = payment_term_create(by=request.user, code=data["code"], **common)
    except DomainError as exc:
        add_domain_errors(form, exc, _ALIASES)
        return _render(request, form, editing, exc)
    messages.success(request, _("Condição de pagamento %(code)s salva.") % {"code": term.code})
    return redirect("web:payment_terms")
