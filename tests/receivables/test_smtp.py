"""Sending an invoice through real SMTP: a local server (aiosmtpd) started by the test receives
the message, and we read what a customer would get: the addressee, the subject with the
number, the pt-BR body with the amount in reais, and the PDF attached. With the server down
the send is a 502 and nothing changes."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from io import BytesIO
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from pypdf import PdfReader

from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.receivables import services
from fatura.receivables.mail import MailFailed
from tests.receivables.builders import Books


class Inbox:
    """aiosmtpd handler: keeps every message it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(e.content, policy=policy.default)  # type: ignore[misc]
            for e in self.envelopes
        ]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_settings(settings: Any, books: Books) -> Any:
    """Django's real SMTP backend (``books`` had set locmem)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    return settings


@pytest.fixture
def smtp_server(smtp_settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    smtp_settings.EMAIL_PORT = port
    try:
        yield inbox
    finally:
        controller.stop()


def _completed(books: Books, amount: str) -> Any:
    invoice = books.draft(amount=amount)
    services.invoice_complete(by=books.user, number=invoice.number)
    return invoice


def test_invoice_sent_by_smtp_arrives_with_the_pdf(books: Books, smtp_server: Inbox) -> None:
    invoice = _completed(books, "1234.56")

    sent = services.invoice_send(by=books.user, number=invoice.number)

    assert sent.status == "sent"
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == [invoice.customer.email]
    [message] = smtp_server.messages()
    assert message["To"] == invoice.customer.email
    assert invoice.number in message["Subject"]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert f"Prezado(a) {invoice.customer.name}" in text
    assert f"Segue a fatura {invoice.number}" in text
    assert "no valor de R$ 1.234,56" in text
    assert f"vencimento em {invoice.due_date:%d/%m/%Y}" in text
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"fatura-{invoice.number}.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF")
    pages = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert invoice.number in pages
    sent_event = Event.objects.get(case_id=invoice.number, activity=activities.INVOICE_SENT)
    assert sent_event.attributes["email"] == invoice.customer.email


def test_smtp_server_down_is_502_the_invoice_stays_and_the_failure_shows(
    books: Books, smtp_settings: Any, fin_api: Any
) -> None:
    invoice = _completed(books, "300.00")
    smtp_settings.EMAIL_PORT = _free_port()  # nobody listens there

    with pytest.raises(MailFailed) as caught:
        services.invoice_send(by=books.user, number=invoice.number)
    assert caught.value.status == 502
    assert invoice.number in caught.value.message and "não foi enviada" in caught.value.message
    failed = books.reload(invoice)
    assert (failed.delivery, failed.delivery_attempts) == ("failed", 1)
    assert failed.delivery_error  # the SMTP error, shown on the page and in the API
    assert Event.objects.filter(
        case_id=invoice.number, activity=activities.INVOICE_DELIVERY_FAILED
    ).exists()

    response = fin_api.post(f"/invoices/{invoice.number}/send")
    assert response.status_code == 502, response.content
    assert "Não foi possível enviar o e-mail" in response.json()["detail"]

    invoice = books.reload(invoice)
    assert (invoice.status, invoice.sent_at) == ("completed", None)
    assert not Event.objects.filter(
        case_id=invoice.number, activity=activities.INVOICE_SENT
    ).exists()


def test_after_the_server_is_back_the_send_goes_through(books: Books, smtp_settings: Any) -> None:
    invoice = _completed(books, "80.00")
    port = _free_port()
    smtp_settings.EMAIL_PORT = port
    with pytest.raises(MailFailed):
        services.invoice_send(by=books.user, number=invoice.number)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        services.invoice_send(by=books.user, number=invoice.number)
    finally:
        controller.stop()

    assert len(inbox.envelopes) == 1
    assert books.reload(invoice).status == "sent"
    sent = Event.objects.filter(case_id=invoice.number, activity=activities.INVOICE_SENT)
    assert sent.count() == 1


def test_a_dunning_reminder_goes_out_by_smtp(books: Books, smtp_server: Inbox) -> None:
    from fatura.receivables import collections

    invoice = books.sent(amount="500.00")
    books.pay(invoice, "120.00")
    books.clock.advance(days=45)

    collections.dunning_run()

    # (a long encoded subject is folded: the decoded header may start with a space)
    subjects = [str(m["Subject"]).strip() for m in smtp_server.messages()]
    assert subjects[0] == f"Fatura {invoice.number} — {settings.FATURA_COMPANY['name']}"
    assert [s.split(":")[0] for s in subjects[1:]] == ["Lembrete", "Segundo lembrete"]
    assert all(invoice.number in s for s in subjects)
    body = smtp_server.messages()[1].get_body(preferencelist=("plain",))
    assert body is not None and "Saldo em aberto: R$ 380,00" in body.get_content()
