"""The "Como pagar" block of the invoice PDF (receivables.payment_pdf through the port)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from fatura.receivables.payment_instructions import payment_instructions
from fatura.receivables.pdf import invoice_pdf

pytestmark = pytest.mark.django_db


def test_the_invoice_pdf_carries_pix_and_boleto(books: Any) -> None:
    invoice = books.sent(amount="1500.00")
    [item] = payment_instructions(invoice)
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(invoice_pdf(invoice))).pages
    )
    assert "Como pagar" in text
    assert item.boleto_line in text
    assert item.pix_payload[:60] in text.replace("\n", "")
