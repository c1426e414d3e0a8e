"""Withholdings on the pages (issue 13): the customer form takes them, the invoice page and its
PDF show gross, each withholding and the net."""

from __future__ import annotations

import io
from typing import Any

from django.test import Client
from pypdf import PdfReader

from fatura.customers.models import Customer
from tests.factories import financeiro
from tests.receivables.builders import Books
from tests.scenarios import frozen_clock
from tests.web.conftest import text

__all__ = ["frozen_clock"]


def _books(fin_user: Any, frozen_clock: Any, settings: Any) -> Books:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return Books(fin_user, financeiro("aprovador"), frozen_clock)


def test_the_customer_form_takes_the_withholdings(fin_client: Client) -> None:
    page = text(fin_client.get("/clientes/"))
    assert 'id="customer-withholdings"' in page and 'value="irrf"' in page
    response = fin_client.post(
        "/clientes/",
        {
            "name": "Tomador Público",
            "document": "11.222.333/0001-81",
            "country": "BR",
            "payment_terms": "NET30",
            "withholdings": ["irrf", "csll"],
        },
    )
    assert response.status_code == 302, text(response)[:2000]
    assert Customer.objects.get().withholdings == ["irrf", "csll"]


def test_the_invoice_page_and_pdf_show_gross_withholdings_and_net(
    fin_client: Client, fin_user: Any, frozen_clock: Any, settings: Any
) -> None:
    books = _books(fin_user, frozen_clock, settings)
    customer = books.customer(withholdings=["irrf", "pis", "cofins", "csll"])
    invoice = books.draft(customer, amount="10000.00")
    page = text(fin_client.get(f"/faturas/{invoice.number}/"))
    assert 'id="amount-total">R$ 10.000,00<' in page
    assert 'id="invoice-withholding-irrf"' in page and "− R$ 150,00" in page
    assert "− R$ 300,00" in page and "COFINS" in page
    assert 'id="invoice-net-total">R$ 9.385,00<' in page
    assert 'id="invoice-balance">R$ 9.385,00<' in page
    pdf = fin_client.get(f"/faturas/{invoice.number}/pdf/")
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "IRRF (1,5%)" in words or "IRRF (1,50%)" in words
    assert "Líquido a receber" in words and "9.385,00" in words


def test_without_withholdings_the_page_has_no_net_line(
    fin_client: Client, fin_user: Any, frozen_clock: Any, settings: Any
) -> None:
    books = _books(fin_user, frozen_clock, settings)
    invoice = books.draft(amount="100.00")
    assert 'id="invoice-net-total"' not in text(fin_client.get(f"/faturas/{invoice.number}/"))
