"""The look every Fatura PDF shares (invoice, reports): colours, the letterhead with the
company at the left and the document's title at the right, and the page footer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

BRAND = colors.HexColor("#0b5394")
MUTED = colors.HexColor("#5f6b7a")
LINE = colors.HexColor("#c9d2dc")


def esc(text: str) -> str:
    """Text for a ReportLab paragraph (its mini-HTML)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def letterhead(
    right: Sequence[Flowable],
    *,
    width: float,
    company_style: ParagraphStyle,
    small_style: ParagraphStyle,
    split: float = 0.62,
    padding: float = 8,
) -> Table:
    """The company (name, CNPJ, address, e-mail) at the left, ``right`` at the right, a brand
    line below."""
    company = settings.FATURA_COMPANY
    left = [
        Paragraph(esc(company["name"]), company_style),
        Paragraph(f"CNPJ {esc(company['document'])}", small_style),
        Paragraph(esc(company["address"]), small_style),
        Paragraph(esc(company["email"]), small_style),
    ]
    table = Table([[left, list(right)]], colWidths=[width * split, width * (1 - split)])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 1.2, BRAND),
                ("BOTTOMPADDING", (0, 0), (-1, 0), padding),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def draw_footer(canvas: Any, doc: Any, *, extra: str = "") -> None:
    """Company and CNPJ at the bottom left (plus ``extra``), the page number at the right."""
    company = settings.FATURA_COMPANY
    canvas.saveState()
    canvas.setFont("Helvetica", 7.5)
    canvas.setFillColor(MUTED)
    text = f"{company['name']} · CNPJ {company['document']}" + (f" · {extra}" if extra else "")
    canvas.drawString(doc.leftMargin, 12 * mm, text)
    canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, 12 * mm, f"Página {doc.page}")
    canvas.restoreState()
