"""Remessa de boletos: choose open invoices and download the CNAB 240 remittance that registers
their boletos at the bank (the upload to the bank is the user's); earlier remittances to
download again. And the boleto PDF of an invoice."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fatura.banking.config import boleto_account
from fatura.banking.instruments import invoice_boleto
from fatura.banking.pdf import boleto_pdf
from fatura.banking.selectors import payable_invoices, remittance_get, remittance_list
from fatura.banking.services import remittance_create
from fatura.core.errors import DomainError
from fatura.receivables.selectors import invoice_get
from fatura.web.views.common import page, paginate, parse_int

PER_PAGE = 50


def _file(content: str, bank: str, number: int) -> HttpResponse:
    response = HttpResponse(content.encode("ascii"), content_type="text/plain; charset=us-ascii")
    response["Content-Disposition"] = f'attachment; filename="remessa-{bank}-{number:06d}.rem"'
    return response


@page
def remittances_page(request: HttpRequest) -> HttpResponse:
    error: DomainError | None = None
    chosen: list[str] = []
    if request.method == "POST":
        chosen = request.POST.getlist("fatura")
        try:
            remittance = remittance_create(by=request.user, invoice_numbers=chosen)
        except DomainError as exc:
            error = exc
        else:
            return _file(remittance.content, remittance.bank_code, remittance.number)
    context: dict[str, Any] = {
        "configured": boleto_account() is not None,
        "page_obj": paginate(request, payable_invoices(), PER_PAGE),
        "remittances": remittance_list(limit=10),
        "chosen": set(chosen),
        "error": error,
    }
    return render(
        request, "web/banking/remittances.html", context, status=error.status if error else 200
    )


@page
def remittance_download(request: HttpRequest, number: int) -> HttpResponse:
    remittance = remittance_get(number)
    return _file(remittance.content, remittance.bank_code, remittance.number)


@page
def boleto_pdf_view(request: HttpRequest, number: str) -> HttpResponse:
    invoice = invoice_get(number)
    installment = parse_int(request.GET.get("parcela"))
    response = HttpResponse(
        boleto_pdf(invoice, invoice_boleto(invoice, installment)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="boleto-{invoice.number}.pdf"'
    return response
