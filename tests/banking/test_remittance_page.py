"""The "Remessa de boletos" page and the invoice's boleto PDF page link."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fatura.banking.models import Remittance

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_lists_open_invoices_and_downloads_a_remittance(books: Any, fin_user: Any) -> None:
    first = books.sent(amount="1500.00")
    second = books.sent(amount="99.90")
    paid = books.sent(amount="10.00")
    books.pay(paid, "10.00")
    client = _client(fin_user)
    html = client.get(reverse("web:remittances")).content.decode()
    assert "Remessa de boletos" in html and 'id="remittances-empty"' in html
    assert f'value="{first.number}"' in html and f'value="{second.number}"' in html
    assert f'value="{paid.number}"' not in html
    assert f'<label for="include-{first.number}">' in html
    response = client.post(reverse("web:remittances"), {"fatura": [first.number, second.number]})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="remessa-341-000001.rem"'
    records = response.content.decode("ascii").split("\r\n")[:-1]
    assert len(records) == 8 and {len(r) for r in records} == {240}
    html = client.get(reverse("web:remittances")).content.decode()
    assert 'id="remittance-download-1"' in html
    again = client.get(reverse("web:remittance_download", args=[1]))
    assert again.content == response.content


def test_refusals_are_shown_on_the_page(books: Any, fin_user: Any, ops_user: Any) -> None:
    invoice = books.sent(amount="100.00")
    client = _client(fin_user)
    response = client.post(reverse("web:remittances"), {})
    assert response.status_code == 422 and 'id="remittance-error"' in response.content.decode()
    response = _client(ops_user).post(reverse("web:remittances"), {"fatura": [invoice.number]})
    assert response.status_code == 403
    assert not Remittance.objects.exists()
    assert client.get(reverse("web:remittance_download", args=[9])).status_code == 404


def test_not_configured(books: Any, fin_user: Any, settings: Any) -> None:
    settings.FATURA_BOLETO_BANK = ""
    books.sent(amount="100.00")
    html = _client(fin_user).get(reverse("web:remittances")).content.decode()
    assert 'id="remittance-not-configured"' in html


def test_boleto_pdf_from_the_invoice_page(books: Any, fin_user: Any) -> None:
    invoice = books.sent(amount="250.00")
    client = _client(fin_user)
    html = client.get(reverse("web:invoice_detail", args=[invoice.number])).content.decode()
    link = reverse("web:invoice_boleto_pdf", args=[invoice.number]) + "?parcela=1"
    assert f'href="{link}"' in html
    response = client.get(link)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
