"""PIX and boleto where the customer reads the invoice: the page, the e-mail, the PDF
(receivables' payment-instructions port, filled by banking)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from fatura.receivables.payment_instructions import payment_instructions

pytestmark = pytest.mark.django_db


def test_the_invoice_page_shows_qr_copia_e_cola_and_line(books: Any, fin_user: Any) -> None:
    invoice = books.sent(amount="1500.00")
    client = Client()
    client.force_login(fin_user)
    html = client.get(reverse("web:invoice_detail", args=[invoice.number])).content.decode()
    [item] = payment_instructions(invoice)
    assert 'id="invoice-payment-instructions"' in html and "Como pagar" in html
    assert "<svg" in html and 'aria-label="QR Code PIX"' in html
    assert f'value="{item.pix_payload}"' in html
    assert f'value="{item.boleto_line}"' in html
    # keyboard: real buttons tied to labelled fields
    assert '<button type="button" class="button button-secondary" data-copy="pix-code-1"' in html
    assert '<label for="boleto-line-1">' in html
    assert "web/copy.js" in html


def test_the_page_of_a_paid_invoice_says_there_is_nothing_to_pay(books: Any, fin_user: Any) -> None:
    invoice = books.sent(amount="100.00")
    books.pay(invoice, "100.00")
    client = Client()
    client.force_login(fin_user)
    html = client.get(reverse("web:invoice_detail", args=[invoice.number])).content.decode()
    assert 'id="no-payment-instructions"' in html


def test_the_invoice_email_carries_pix_and_boleto(books: Any) -> None:
    mail.outbox.clear()
    invoice = books.sent(amount="1500.00")
    [message] = [m for m in mail.outbox if invoice.number in m.subject]
    [item] = payment_instructions(books.reload(invoice))
    assert "Como pagar:" in message.body
    assert f"PIX copia e cola: {item.pix_payload}" in message.body
    assert f"Boleto, linha digitável: {item.boleto_line}" in message.body
