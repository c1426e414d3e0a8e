"""/invoices/{number}/pix, /invoices/{number}/boleto, /invoices/{number}/boleto.pdf,
/remittances: the invoice's payment instruments (the invoice itself is receivables')."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Router
from pydantic import Field

from fatura.banking.instruments import invoice_boleto, invoice_pix
from fatura.banking.pdf import boleto_pdf
from fatura.banking.schemas import BoletoOut, PixOut, RemittanceIn
from fatura.banking.services import remittance_create
from fatura.core.roles import Capability, require
from fatura.core.schemas import InvoiceNumber
from fatura.receivables.selectors import invoice_get

router = Router(tags=["banking"])

Installment = Annotated[
    int | None, Field(ge=1, le=360, description="Parcela (padrão: a primeira em aberto).")
]


@router.get("/invoices/{number}/pix", response=PixOut)
def pix_get(
    request: HttpRequest, number: InvoiceNumber, installment: Installment = None
) -> dict[str, object]:
    """The static PIX BR Code of the invoice (or installment) balance: 409 when the invoice is
    not open for payment or PIX is not configured."""
    require(request.user, Capability.VIEW)
    pix = invoice_pix(invoice_get(number), installment)
    return {
        "payload": pix.payload,
        "txid": pix.txid,
        "amount": pix.amount,
        "installment": pix.installment_number,
    }


@router.get("/invoices/{number}/boleto", response=BoletoOut)
def boleto_get(
    request: HttpRequest, number: InvoiceNumber, installment: Installment = None
) -> dict[str, object]:
    """The boleto of the invoice (or installment): nosso número, barcode, linha digitável."""
    require(request.user, Capability.VIEW)
    slip = invoice_boleto(invoice_get(number), installment)
    return {
        "bank": slip.bank,
        "nosso_numero": slip.nosso_numero,
        "barcode": slip.barcode,
        "digitable_line": slip.digitable_line,
        "due_date": slip.due_date,
        "amount": slip.amount,
        "installment": slip.installment_number,
    }


@router.get("/invoices/{number}/boleto.pdf", response={200: None})
def boleto_pdf_get(
    request: HttpRequest, number: InvoiceNumber, installment: Installment = None
) -> HttpResponse:
    require(request.user, Capability.VIEW)
    invoice = invoice_get(number)
    slip = invoice_boleto(invoice, installment)
    response = HttpResponse(boleto_pdf(invoice, slip), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="boleto-{invoice.number}.pdf"'
    return response


@router.post("/remittances", response={201: None})
def remittance_post(request: HttpRequest, payload: RemittanceIn) -> HttpResponse:
    """A CNAB 240 remittance file (FEBRABAN v10, cobrança) registering the boletos of the
    invoices; the user uploads it to the bank. 422 for an unknown invoice, 409 for one that is
    not open for payment (closed, paid, draft)."""
    remittance = remittance_create(by=request.user, invoice_numbers=payload.invoice_numbers)
    response = HttpResponse(
        remittance.content.encode("ascii"), content_type="text/plain; charset=us-ascii", status=201
    )
    response["Content-Disposition"] = (
        f'attachment; filename="remessa-{remittance.bank_code}-{remittance.number:06d}.rem"'
    )
    return response
