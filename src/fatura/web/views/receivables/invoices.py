"""Consultar faturas: the list (with the receivable's filters), an invoice's page with its
life and timeline, and its PDF."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fatura.core import clock
from fatura.receivables.models import (
    DeliveryStatus,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    PaymentStatus,
)
from fatura.receivables.payment_instructions import payment_instructions
from fatura.receivables.pdf import invoice_pdf
from fatura.receivables.selectors import invoice_detail as invoice_detail_read
from fatura.receivables.selectors import invoice_get, invoice_list
from fatura.web.csv_export import csv_response
from fatura.web.forms_receivables import InvoiceFilterForm
from fatura.web.views.common import page, paginate, parse_int, parse_month
from fatura.web.views.fiscal.invoice_nfse import nfse_panel_context
from fatura.web.views.receivables.invoice_page import PAYMENT_BADGES, STATUS_BADGES, invoice_context

PER_PAGE = 50


def _filtered(request: HttpRequest) -> tuple[QuerySet[Invoice], bool]:
    """The invoices the filters ask for, and whether any filter is set."""
    customer_id = parse_int(request.GET.get("cliente"))
    month = parse_month(request.GET.get("mes"))
    status = request.GET.get("situacao", "")
    payment = request.GET.get("pagamento", "")
    kind = request.GET.get("tipo", "")
    overdue = request.GET.get("vencidas") in {"on", "1", "true"}
    delivery = request.GET.get("envio", "")
    if delivery not in DeliveryStatus.values and delivery != "none":
        delivery = ""
    qs = invoice_list(
        customer_id=customer_id,
        month=month,
        status=status if status in InvoiceStatus.values else None,
        payment_status=payment if payment in PaymentStatus.values else None,
        kind=kind if kind in InvoiceKind.values else None,
        overdue_on=clock.today() if overdue else None,
        delivery=delivery or None,
    )
    active = bool(customer_id or month or status or payment or kind or overdue or delivery)
    return qs, active


@page
def invoices(request: HttpRequest) -> HttpResponse:
    qs, active = _filtered(request)
    context = {
        "page_obj": paginate(request, qs, PER_PAGE),
        "filters_active": active,
        "filter_form": InvoiceFilterForm(request.GET),
        "status_badges": STATUS_BADGES,
        "payment_badges": PAYMENT_BADGES,
        "today": clock.today(),
    }
    return render(request, "web/invoices/list.html", context)


@page
def invoice_detail(request: HttpRequest, number: str) -> HttpResponse:
    invoice = invoice_detail_read(number)
    context = invoice_context(invoice, request.user)
    context["payment_instructions"] = payment_instructions(invoice)
    context.update(nfse_panel_context(invoice, request.user))
    return render(request, "web/invoices/detail.html", context)


@page
def invoice_pdf_view(request: HttpRequest, number: str) -> HttpResponse:
    invoice = invoice_get(number)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="fatura-{invoice.number}.pdf"'
    return response


@page
def invoices_csv(request: HttpRequest) -> StreamingHttpResponse:
    qs, _active = _filtered(request)
    rows = (
        (
            i.number,
            i.customer.name,
            i.customer.document_display,
            i.period,
            i.issue_date,
            i.total_due,
            i.total_charged,
            i.result_center,
            i.ticket,
            i.get_kind_display(),
            i.get_status_display(),
            i.get_payment_status_display(),
            i.get_delivery_display() if i.delivery else "",
            i.delivery_error,
        )
        for i in qs.iterator()
    )
    header = [
        _("Número"),
        _("Cliente"),
        _("CPF/CNPJ"),
        _("Mês de referência"),
        _("Data de emissão"),
        _("Total devido (R$)"),
        _("Total cobrado (R$)"),
        _("Centro de resultado"),
        _("Chamado"),
        _("Tipo"),
        _("Situação"),
        _("Pagamento"),
        _("Envio por e-mail"),
        _("Erro do envio"),
    ]
    return csv_response("faturas.csv", header, rows)
