"""E-mail to customers: the invoice with its PDF, and payment reminders (Django's mail, SMTP
in production; ``FATURA_EMAIL_BACKEND`` picks another backend, e.g. files for the demo)."""

from __future__ import annotations

from collections.abc import Callable
from email.mime.base import MIMEBase
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage

from fatura.core.errors import DomainError
from fatura.core.money import format_brl
from fatura.receivables.mail_attachments import Attachment, mail_attachments
from fatura.receivables.models import Invoice
from fatura.receivables.payment_instructions import payment_instructions_text
from fatura.receivables.pdf import invoice_pdf


class MailFailed(DomainError):  # noqa: N818
    status = 502


def _date(value: object) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"  # type: ignore[attr-defined]


class InvoiceEmail(EmailMessage):
    """An e-mail carrying the invoice PDF, rendered when a backend serializes the message
    (SMTP, files, locmem: then it is in ``attachments`` like any other) and not before: a
    backend that never serializes (dummy) or fails before it (no SMTP connection) renders
    nothing. Rendered once; later serializations reuse it. So is the body when it is given
    as ``write_body`` (the payment instructions in it issue the PIX/boleto identities), and so
    are the ``extra`` attachments (the DANFSe of the invoice's NFS-e, through the port
    :mod:`fatura.receivables.mail_attachments`)."""

    def __init__(
        self,
        *,
        invoice: Invoice,
        render: Callable[[Invoice], bytes],
        write_body: Callable[[], str] | None = None,
        extra: Callable[[Invoice], list[Attachment]] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._invoice: Invoice | None = invoice
        self._render = render
        self._write_body = write_body
        self._extra = extra

    def message(self) -> MIMEBase:
        if self._write_body is not None:
            write, self._write_body = self._write_body, None
            self.body = write()
        if self._invoice is not None:
            invoice, self._invoice = self._invoice, None
            self.attach(f"fatura-{invoice.number}.pdf", self._render(invoice), "application/pdf")
            for item in self._extra(invoice) if self._extra is not None else []:
                self.attach(item.filename, item.content, item.mimetype)
        return super().message()


def _send(message: EmailMessage, invoice: Invoice) -> None:
    try:
        message.send(fail_silently=False)
    except (SMTPException, OSError) as exc:
        raise MailFailed(
            f"Não foi possível enviar o e-mail da fatura {invoice.number} para "
            f"{invoice.customer.email}: {exc}. Nada foi alterado; tente de novo."
        ) from exc


def send_invoice_email(invoice: Invoice) -> None:
    company = settings.FATURA_COMPANY
    head = (
        f"Prezado(a) {invoice.customer.name},\n\n"
        f"Segue a fatura {invoice.number}, emitida em {_date(invoice.issue_date)}, "
        f"no valor de {format_brl(invoice.total_charged)}, com vencimento em "
        f"{_date(invoice.due_date)}.\n\n"
    )
    tail = f"Atenciosamente,\n{company['name']}\n{company['email']}\n"
    message = InvoiceEmail(
        invoice=invoice,
        render=invoice_pdf,
        write_body=lambda: f"{head}{payment_instructions_text(invoice)}{tail}",
        extra=mail_attachments,
        subject=f"Fatura {invoice.number} — {company['name']}",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invoice.customer.email],
    )
    _send(message, invoice)


def send_reminder_email(invoice: Invoice, *, level: int, second: bool = False) -> None:
    company = settings.FATURA_COMPANY
    which = "Segundo lembrete" if second else "Lembrete"
    head = (
        f"Prezado(a) {invoice.customer.name},\n\n"
        f"Não identificamos o pagamento da fatura {invoice.number}, vencida em "
        f"{_date(invoice.due_date)}. Saldo em aberto: {format_brl(invoice.balance)}.\n"
        "Se o pagamento já foi feito, por favor desconsidere esta mensagem.\n\n"
    )
    tail = f"Atenciosamente,\n{company['name']}\n{company['email']}\n"
    message = InvoiceEmail(
        invoice=invoice,
        render=invoice_pdf,
        write_body=lambda: f"{head}{payment_instructions_text(invoice)}{tail}",
        subject=f"{which}: fatura {invoice.number} em aberto",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invoice.customer.email] if invoice.customer.email else [],
    )
    if message.to:
        _send(message, invoice)
