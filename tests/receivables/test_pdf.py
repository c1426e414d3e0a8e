"""The PDF of a direct invoice: description lines, one total, due date and discount window."""

from __future__ import annotations

import io

from pypdf import PdfReader

from fatura.receivables.pdf import invoice_pdf


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_direct_invoice_pdf(books):
    invoice = books.draft(amount="1299.90", terms="2_10_NET30", description="Suporte anual")
    text = " ".join(pdf_text(invoice_pdf(invoice)).split())
    assert "FATURA" in text and invoice.number in text
    assert "Consultoria" in text and "Descrição" in text
    assert "Total R$ 1.299,90" in text and "Total cobrado" not in text
    assert f"Vencimento: {invoice.due_date:%d/%m/%Y}" in text
    assert "2% (R$ 26,00) se pago até 15/05/2026" in text
    assert "Suporte anual" in text


def test_proforma_pdf_says_proforma_without_due_date(books):
    proforma = books.draft(kind="proforma", amount="10.00")
    text = " ".join(pdf_text(invoice_pdf(proforma)).split())
    assert "PROFORMA" in text and proforma.number in text
    assert "Vencimento" not in text
