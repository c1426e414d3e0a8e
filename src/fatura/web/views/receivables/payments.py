"""Pagamentos: the list (with CSV), recording a payment with its allocations to the customer's
open invoices, and a payment's page (apply the credit left, post, reverse)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fatura.core import clock
from fatura.core.errors import DomainError
from fatura.core.money import format_brl
from fatura.core.roles import Capability, require
from fatura.customers.selectors import customer_get
from fatura.receivables import payments as payment_services
from fatura.receivables.models import Invoice, Payment
from fatura.receivables.selectors import invoices_open_for_payment, payment_list
from fatura.web.csv_export import csv_response
from fatura.web.forms import decimal_from_input
from fatura.web.forms_receivables import (
    PaymentFilterForm,
    PaymentForm,
    new_idempotency_key,
)
from fatura.web.views.common import add_domain_errors, form_status, page, paginate

PER_PAGE = 50


# --- the list ----------------------------------------------------------------------------


def _filtered(request: HttpRequest) -> tuple[QuerySet[Payment], PaymentFilterForm, bool]:
    form = PaymentFilterForm(request.GET)
    if not form.is_valid():  # a bad date: say so next to it, list everything
        return payment_list(allocations=False), form, True
    data = form.cleaned_data
    qs = payment_list(
        customer_id=data["cliente"] or None,
        method=data["forma"] or None,
        received_from=data["de"] or None,
        received_until=data["ate"] or None,
        unapplied_only=bool(data["nao_aplicado"]),
        allocations=False,
    )
    return qs, form, any(data.values())


@page
def payments(request: HttpRequest) -> HttpResponse:
    qs, form, active = _filtered(request)
    context = {"page_obj": paginate(request, qs, PER_PAGE), "filter_form": form, "active": active}
    return render(request, "web/receivables/payments.html", context)


@page
def payments_csv(request: HttpRequest) -> StreamingHttpResponse:
    qs, _form, _active = _filtered(request)
    rows = (
        (
            p.pk,
            p.customer.name,
            p.customer.document_display,
            p.received_at,
            p.get_method_display(),
            p.reference,
            p.amount,
            p.applied,
            p.unapplied,
            p.posted_at,
            p.reversed_at,
        )
        for p in qs.iterator()
    )
    header = [
        _("Pagamento"),
        _("Cliente"),
        _("CPF/CNPJ"),
        _("Recebido em"),
        _("Forma"),
        _("Referência"),
        _("Valor (R$)"),
        _("Aplicado (R$)"),
        _("Não aplicado (R$)"),
        _("Contabilizado em"),
        _("Estornado em"),
    ]
    return csv_response("pagamentos.csv", header, rows)


# --- allocations to open invoices ---------------------------------------------------------


@dataclass
class OpenRow:
    invoice: Invoice
    amount: str = ""
    error: str = ""

    @property
    def balance_cents(self) -> int:
        return int(self.invoice.balance * 100)


def open_invoices(customer_id: int | None) -> list[Invoice]:
    """What the customer still owes, oldest due date first (the order "pay all" fills)."""
    if not customer_id:
        return []
    return invoices_open_for_payment(customer_id)


def open_rows(customer_id: int | None, data: Any = None, prefill: str = "") -> list[OpenRow]:
    typed = {}
    if data is not None:
        typed = dict(zip(data.getlist("alloc_invoice"), data.getlist("alloc_amount"), strict=False))
    rows = [OpenRow(i, typed.get(i.number, "")) for i in open_invoices(customer_id)]
    for row in rows:  # "Registrar pagamento" from an invoice's page: that invoice, in full
        if prefill and row.invoice.number == prefill and not row.amount:
            row.amount = format(row.invoice.balance, "f").replace(".", ",")
    return rows


def allocations_of(rows: list[OpenRow], data: Any = None) -> list[dict[str, str]]:
    """The amounts typed on the open invoices' rows, then those posted for invoices no longer
    open (a double submit: the first one settled them), so that a retry with the form's
    idempotency key asks for what the first submit asked."""
    wanted = [
        {"invoice_number": r.invoice.number, "amount": decimal_from_input(r.amount)}
        for r in rows
        if r.amount.strip()
    ]
    if data is not None:
        shown = {r.invoice.number for r in rows}
        posted = zip(data.getlist("alloc_invoice"), data.getlist("alloc_amount"), strict=False)
        wanted += [
            {"invoice_number": number, "amount": decimal_from_input(amount)}
            for number, amount in posted
            if number not in shown and amount.strip()
        ]
    return wanted


def allocation_errors(rows: list[OpenRow], exc: DomainError) -> str:
    """Put the service's errors on their rows; what belongs to no row is returned."""
    asked = [r for r in rows if r.amount.strip()]
    general = ""
    for error in exc.errors:
        position = error.get("line")
        name = str(error.get("field", ""))
        if position is None and name.startswith("allocations["):
            position = int(name.split("[", 1)[1].split("]", 1)[0])
        if isinstance(position, int) and 0 < position <= len(asked):
            asked[position - 1].error = str(error.get("message", ""))
        elif name == "allocations":
            general = exc.message
    return general


# --- recording a payment ------------------------------------------------------------------


def _render_new(
    request: HttpRequest,
    form: PaymentForm,
    rows: list[OpenRow],
    error: DomainError | None = None,
    allocations_error: str = "",
) -> HttpResponse:
    context = {"form": form, "rows": rows, "error": error, "allocations_error": allocations_error}
    return render(
        request, "web/receivables/payment_new.html", context, status=form_status(form, error)
    )


@page
def payment_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.RECORD_PAYMENTS)
    if request.method != "POST":
        customer = request.GET.get("cliente", "")
        customer_id = int(customer) if customer.isdigit() else None
        initial = {
            "customer": customer_id,
            "received_at": clock.today(),
            "idempotency_key": new_idempotency_key(),
        }
        rows = open_rows(customer_id, prefill=request.GET.get("fatura", ""))
        prefilled = [r.amount for r in rows if r.amount]
        if prefilled:
            initial["amount"] = prefilled[0]
        return _render_new(request, PaymentForm(initial=initial), rows)
    form = PaymentForm(request.POST)
    customer_id = form.data.get("customer", "")
    rows = open_rows(int(customer_id) if str(customer_id).isdigit() else None, request.POST)
    if not form.is_valid():
        return _render_new(request, form, rows)
    data = form.cleaned_data
    try:
        result = payment_services.payment_record(
            by=request.user,
            customer=customer_get(data["customer"]),
            amount=data["amount"],
            received_at=data["received_at"],
            method=data["method"],
            reference=data["reference"],
            idempotency_key=data["idempotency_key"] or None,
            allocations=allocations_of(rows, request.POST),
            posted_at=data["posted_at"],
        )
    except DomainError as exc:
        general = allocation_errors(rows, exc)
        fields = [e for e in exc.errors if "line" not in e and e.get("field") in form.fields]
        add_domain_errors(form, DomainError(exc.message, errors=fields))
        return _render_new(request, form, rows, exc, general)
    payment = result.payment
    if result.created:
        messages.success(
            request,
            _("Pagamento nº %(id)s registrado: %(applied)s aplicado, %(left)s como crédito.")
            % {
                "id": payment.pk,
                "applied": format_brl(payment.applied),
                "left": format_brl(payment.unapplied),
            },
        )
    else:
        messages.info(
            request,
            _("Este pagamento já tinha sido registrado (nº %(id)s); nada foi gravado de novo.")
            % {"id": payment.pk},
        )
    return redirect("web:payment_detail", payment_id=payment.pk)


@page
def payment_open_invoices(request: HttpRequest) -> HttpResponse:
    """The open invoices table for the customer chosen (htmx, when the customer changes)."""
    customer = request.GET.get("customer") or request.GET.get("cliente") or ""
    rows = open_rows(int(customer) if customer.isdigit() else None)
    context = {"rows": rows, "customer_chosen": customer.isdigit()}
    return render(request, "web/receivables/_open_invoices.html", context)
