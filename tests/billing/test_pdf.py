"""The invoice PDF: its extracted text carries the header, customer, number, month, lines and
totals, formatted for pt-BR readers."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from pypdf import PdfReader

from fatura.receivables.pdf import invoice_pdf
from fatura.receivables.selectors import invoice_get
from tests.factories import CustomerFactory
from tests.scenarios import billing_item, finalize, record


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def invoice(fin_user):
    customer = CustomerFactory(
        name="ACME Serviços Ltda",
        document="11222333000181",
        email="financeiro@acme.example",
        payment_terms="NET60",
    )
    storage = billing_item("Armazenamento", price="0.3333", product="Cloud", unit="GB")
    support = billing_item("Suporte premium", price="1234.56", product="Serviços", unit="hora")
    record(fin_user, customer, storage, "1500.5")
    record(fin_user, customer, support, "2")
    invoice = finalize(fin_user, customer, total_charged="2900.00", result_center="CR-77")
    return invoice_get(invoice.number)


def test_pdf_text_has_every_required_value(invoice, settings):
    text = _text(invoice_pdf(invoice))
    company = settings.FATURA_COMPANY
    expected = [
        company["name"],  # header
        f"CNPJ {company['document']}",
        "FATURA",
        "FAT-00000001",  # number
        "Emissão: 05/05/2026",
        "Referência: abril/2026",  # month
        "ACME Serviços Ltda",  # customer
        "11.222.333/0001-81",
        "financeiro@acme.example",
        "Líquido 60",
        "CR-77",
        "CH-1",
        # lines: item, product, unit, quantity, unit price, amount
        "Armazenamento",
        "Cloud",
        "1.500,5",
        "R$ 0,3333",
        "R$ 500,12",
        "Suporte premium",
        "R$ 1.234,56",
        "R$ 2.469,12",
        # totals: due 500,12 + 2.469,12; charged differs, so the adjustment shows
        "Total devido",
        "R$ 2.969,24",
        "Ajuste",
        "-R$ 69,24",
        "Total cobrado",
        "R$ 2.900,00",
    ]
    missing = [value for value in expected if value not in text]
    assert missing == [], text


def test_pdf_is_a_pdf_with_its_title(invoice):
    pdf = invoice_pdf(invoice)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None and reader.metadata.title == "Fatura FAT-00000001"
    assert len(reader.pages) == 1


def test_no_adjustment_line_when_charged_equals_due(fin_user):
    customer = CustomerFactory()
    record(fin_user, customer, billing_item(price="10.00"), "3")
    text = _text(invoice_pdf(invoice_get(finalize(fin_user, customer).number)))
    assert "Ajuste" not in text
    assert text.count("R$ 30,00") >= 3  # the line, the total due and the total charged


def test_api_serves_the_pdf(invoice, ops_api):
    response = ops_api.get(f"/invoices/{invoice.number}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="fatura-FAT-00000001.pdf"'
    text = _text(response.content)
    assert "FAT-00000001" in text and "R$ 2.900,00" in text


def test_the_pdf_is_pt_br_whatever_language_is_active(invoice):
    with translation.override("en"):
        text = _text(invoice_pdf(invoice))
    assert "Líquido 60" in text
    assert "Net 60" not in text
