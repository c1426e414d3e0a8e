"""The "Como pagar" block of the invoice PDF: per open installment, the PIX QR code with its
"copia e cola" and the boleto's linha digitável (receivables.payment_instructions)."""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, Spacer, Table, TableStyle

from fatura.core.money import format_brl
from fatura.core.pdf_layout import LINE, esc
from fatura.receivables.models import Invoice
from fatura.receivables.payment_instructions import payment_instructions

QR_SIZE = 32 * mm


def _wrap(text: str, every: int = 60) -> str:
    """A long unbroken code split so ReportLab can wrap it (the reader copies the text)."""
    return "<br/>".join(esc(text[i : i + every]) for i in range(0, len(text), every))


def payment_flowables(invoice: Invoice, width: float, styles: dict[str, Any]) -> list[Any]:
    instructions = payment_instructions(invoice)
    if not instructions:
        return []
    story: list[Any] = [Paragraph("<b>Como pagar</b>", styles["normal"]), Spacer(1, 2 * mm)]
    for item in instructions:
        text: list[Any] = []
        head = f"Parcela {item.installment_number} — " if len(instructions) > 1 else ""
        due = f", vencimento {item.due_date:%d/%m/%Y}" if item.due_date else ""
        text.append(Paragraph(f"<b>{head}{format_brl(item.amount)}{due}</b>", styles["cell"]))
        if item.pix_payload:
            text.append(Paragraph("PIX copia e cola:", styles["label"]))
            text.append(Paragraph(_wrap(item.pix_payload), styles["small"]))
        if item.boleto_line:
            text.append(Paragraph("Boleto — linha digitável:", styles["label"]))
            text.append(Paragraph(esc(item.boleto_line), styles["cell"]))
        qr: Any = ""
        if item.pix_qr_png:
            qr = Image(io.BytesIO(item.pix_qr_png), width=QR_SIZE, height=QR_SIZE)
        block = Table([[qr, text]], colWidths=[QR_SIZE + 4 * mm, width - QR_SIZE - 4 * mm])
        block.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BOX", (0, 0), (-1, -1), 0.6, LINE),
                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        story += [block, Spacer(1, 3 * mm)]
    return story
