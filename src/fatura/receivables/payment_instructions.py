"""How the customer pays an invoice: the port through which a higher app (banking: PIX BR Code
and boleto) shows its payment instruments on receivables' invoice PDF, e-mail and page, without
receivables importing it (docs/decisions/0008, 0026, 0027). The provider registers in its
``AppConfig.ready``; without one (or for an invoice that is not open) there are no instructions.

``amounts_due`` is receivables' answer to "what is there to pay, by installment": the one read
the instruments' amounts follow (net of withholdings, per installment, with late charges as
those land in receivables).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import segno

from fatura.core import clock
from fatura.core.money import format_brl
from fatura.receivables import domain
from fatura.receivables.domain import RECEIVABLE
from fatura.receivables.installments import balances, schedule_of
from fatura.receivables.late_charges import late_rates
from fatura.receivables.models import Invoice, InvoiceKind


@dataclass(frozen=True)
class AmountDue:
    """One installment still to pay: its number (1 when the invoice has one due date), its due
    date and the amount to pay now."""

    installment_number: int
    due_date: dt.date | None
    amount: Decimal


def invoice_payable(invoice: Invoice) -> bool:
    """An invoice the customer can pay now: a receivable (not draft, proforma, closed, written
    off) with a balance."""
    return (
        invoice.kind != InvoiceKind.PROFORMA
        and invoice.status in RECEIVABLE
        and invoice.balance > 0
    )


def amounts_due(invoice: Invoice, today: dt.date | None = None) -> list[AmountDue]:
    """What is left to pay on ``invoice`` today, by open installment, oldest first (empty when
    not payable). The open principal (already net of withholdings, credits and payments) is
    spread over the schedule as ``installments`` does; each installment's amount is its open
    principal plus the fine and interest that paying it today would book
    (``domain.late_charges``, the customer's rates); the late charges already booked and still
    open go with the last installment (payments cover the principal first). With one open
    installment that is ``late_charges.due_if_paid_on``: what settles the invoice today.
    Needs ``invoice.customer``."""
    if not invoice_payable(invoice):
        return []
    day = today or clock.today()
    principal, late_open = domain.late_split(
        balance=invoice.balance, late_net=invoice.amount_late_charged
    )
    parts = [p for p in balances(schedule_of(invoice), principal) if p.balance > 0]
    if not parts:  # only late charges left (or no schedule): one amount, the balance
        return [AmountDue(1, invoice.due_date, invoice.balance)]
    fine, interest = late_rates(invoice.customer)
    found = []
    for part in parts:
        extra = domain.late_charges(
            [domain.LatePortion(part.balance, part.due_date)],
            paid_on=day,
            fine_percent=fine,
            interest_monthly_percent=interest,
        ).total
        found.append(AmountDue(part.number, part.due_date, part.balance + extra))
    last = found[-1]
    found[-1] = AmountDue(last.installment_number, last.due_date, last.amount + late_open)
    return found


@dataclass(frozen=True)
class PaymentInstruction:
    """How to pay one installment: the PIX "copia e cola" (its QR code as SVG and PNG drawn on
    demand) and/or the boleto's linha digitável. Empty when that instrument is not configured."""

    installment_number: int
    due_date: dt.date | None
    amount: Decimal
    pix_payload: str = ""
    pix_txid: str = ""
    boleto_bank: str = ""
    boleto_nosso_numero: str = ""
    boleto_line: str = ""
    boleto_barcode: str = ""

    @cached_property
    def pix_qr_svg(self) -> str:
        """The BR Code's QR code as inline SVG (segno, error correction M), drawn when asked:
        the e-mail text never needs it."""
        if not self.pix_payload:
            return ""
        out = io.BytesIO()
        qr = segno.make(self.pix_payload, error="m", micro=False)
        qr.save(out, kind="svg", scale=4, border=2, xmldecl=False, title="QR Code PIX")
        return out.getvalue().decode("utf-8")

    @cached_property
    def pix_qr_png(self) -> bytes:
        if not self.pix_payload:
            return b""
        out = io.BytesIO()
        segno.make(self.pix_payload, error="m", micro=False).save(
            out, kind="png", scale=6, border=2
        )
        return out.getvalue()


Provider = Callable[[Invoice], list[PaymentInstruction]]
_PROVIDERS: dict[str, Provider] = {}


def payment_instructions_register(name: str, provider: Provider) -> None:
    """Register (or replace: ``ready`` may run twice in tests) the app that issues instruments."""
    _PROVIDERS[name] = provider


def payment_instructions(invoice: Invoice) -> list[PaymentInstruction]:
    """The instructions of every registered provider for ``invoice`` (none when not payable)."""
    if not invoice_payable(invoice):
        return []
    found: list[PaymentInstruction] = []
    for name in sorted(_PROVIDERS):
        found.extend(_PROVIDERS[name](invoice))
    return found


def payment_instructions_text(invoice: Invoice) -> str:
    """The instructions as e-mail text (pt-BR), "" when there are none."""
    blocks: list[str] = []
    instructions = payment_instructions(invoice)
    for item in instructions:
        head = f"Parcela {item.installment_number}: " if len(instructions) > 1 else ""
        due = f", vencimento {item.due_date:%d/%m/%Y}" if item.due_date else ""
        lines = [f"{head}{format_brl(item.amount)}{due}"]
        if item.pix_payload:
            lines.append(f"PIX copia e cola: {item.pix_payload}")
        if item.boleto_line:
            lines.append(f"Boleto, linha digitável: {item.boleto_line}")
        blocks.append("\n".join(lines))
    if not blocks:
        return ""
    return "Como pagar:\n" + "\n\n".join(blocks) + "\n\n"
