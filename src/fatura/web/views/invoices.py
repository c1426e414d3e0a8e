"""Consultar faturas: the list, an invoice's page with its timeline, and its PDF."""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fatura.billing.events import charge_case_id
from fatura.billing.pdf import invoice_pdf
from fatura.billing.selectors import invoice_get, invoice_list
from fatura.core.months import Month
from fatura.eventlog.models import Event
from fatura.eventlog.selectors import event_list
from fatura.web.csv_export import csv_response
from fatura.web.forms import ListFilterForm
from fatura.web.views.common import page, paginate, parse_int, parse_month

PER_PAGE = 50


def _filters(request: HttpRequest) -> tuple[int | None, Month | None]:
    return parse_int(request.GET.get("cliente")), parse_month(request.GET.get("mes"))


@page
def invoices(request: HttpRequest) -> HttpResponse:
    customer_id, month = _filters(request)
    context = {
        "page_obj": paginate(request, invoice_list(customer_id=customer_id, month=month), PER_PAGE),
        "filter_customer": customer_id,
        "filter_month": month,
        "filter_form": ListFilterForm(request.GET),
    }
    return render(request, "web/invoices/list.html", context)


def invoice_timeline(invoice_number: str, customer_document: str, month: Month) -> list[Event]:
    """The invoice's own events and those of the charge it came from (consumption,
    finalization), in the order they happened."""
    events = list(event_list(case_id=invoice_number)) + list(
        event_list(case_id=charge_case_id(customer_document, month))
    )
    return sorted(events, key=lambda e: (e.timestamp, e.pk))


@page
def invoice_detail(request: HttpRequest, number: str) -> HttpResponse:
    invoice = invoice_get(number)
    lines = list(invoice.lines.all())
    prefetch_related_objects(lines, "price_version")  # the price used: one query for all lines
    context = {
        "invoice": invoice,
        "lines": lines,
        "timeline": invoice_timeline(invoice.number, invoice.customer.document, invoice.period),
    }
    return render(request, "web/invoices/detail.html", context)


@page
def invoice_pdf_view(request: HttpRequest, number: str) -> HttpResponse:
    invoice = invoice_get(number)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="fatura-{invoice.number}.pdf"'
    return response


@page
def invoices_csv(request: HttpRequest) -> StreamingHttpResponse:
    customer_id, month = _filters(request)
    rows = (
        (
            i.number,
            i.customer.name,
            i.customer.document_display,
            i.period,
            i.issue_date,
            i.total_due,
            i.total_charged,
            i.charge.result_center if i.charge else "",
            i.charge.ticket if i.charge else "",
        )
        for i in invoice_list(customer_id=customer_id, month=month).iterator()
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
    ]
    return csv_response("faturas.csv", header, rows)
