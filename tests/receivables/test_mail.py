"""The invoice PDF of an e-mail is rendered when a backend serializes the message, once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import mail

from fatura.receivables import mail as invoice_mail


def _counting(calls: list[str]) -> Callable[[Any], bytes]:
    def render(invoice: Any) -> bytes:
        calls.append(invoice.number)
        return b"%PDF-1.4 test"

    return render


def test_a_backend_that_never_serializes_renders_no_pdf(books, settings, monkeypatch):
    invoice = books.sent(amount="500.00")
    calls: list[str] = []
    monkeypatch.setattr(invoice_mail, "invoice_pdf", _counting(calls))
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    invoice_mail.send_invoice_email(invoice)
    invoice_mail.send_reminder_email(invoice, level=1)
    assert calls == []


def test_a_serializing_backend_gets_the_pdf_attached_once(books, monkeypatch):
    invoice = books.sent(amount="500.00")
    calls: list[str] = []
    monkeypatch.setattr(invoice_mail, "invoice_pdf", _counting(calls))
    mail.outbox.clear()
    invoice_mail.send_reminder_email(invoice, level=1)
    [message] = mail.outbox
    message.message()  # serialized again (e.g. a retry): the PDF is not rendered twice
    assert calls == [invoice.number]
    assert message.attachments == [
        (f"fatura-{invoice.number}.pdf", b"%PDF-1.4 test", "application/pdf")
    ]
    assert b"fatura-" in message.message().as_bytes()
