"""The boleto PDF: the payer's receipt and the "ficha de compensação" with the linha digitável
and the barcode as Interleaved 2 of 5 (FEBRABAN: 44 digits, narrow:wide 1:3, 13 mm high)."""

from __future__ import annotations

import io

from django.conf import settings
from reportlab.graphics.barcode.common import I2of5
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from fatura.banking.boleto import BANK_NAMES, Boleto, printed_nosso_numero
from fatura.banking.config import boleto_account
from fatura.core.money import format_brl
from fatura.receivables.models import Invoice

NARROW_BAR = 0.33 * mm  # thinnest bar FEBRABAN allows is 0.25 mm; 0.33 reads on any scanner
BAR_HEIGHT = 13 * mm


def barcode_drawing(code: str) -> I2of5:
    return I2of5(
        code,
        barWidth=NARROW_BAR,
        ratio=3,
        barHeight=BAR_HEIGHT,
        checksum=0,
        bearers=0,
        quiet=0,
        lquiet=0,
        rquiet=0,
    )


def _box(canvas: Canvas, x: float, y: float, w: float, h: float, label: str, value: str) -> None:
    canvas.rect(x, y, w, h)
    canvas.setFont("Helvetica", 6)
    canvas.drawString(x + 1.5 * mm, y + h - 2.6 * mm, label)
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawString(x + 1.5 * mm, y + 1.6 * mm, value)


def boleto_pdf(invoice: Invoice, slip: Boleto) -> bytes:
    account = boleto_account()
    company = settings.FATURA_COMPANY
    agency_account = ""
    if account is not None:
        agency_account = f"{account.agency} / {account.account}"
        if account.account_digit:
            agency_account += f"-{account.account_digit}"
    nosso = printed_nosso_numero(account, slip.nosso_numero) if account else slip.nosso_numero
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    canvas.setTitle(f"Boleto {invoice.number}")
    width, height = A4
    left, full = 12 * mm, width - 24 * mm
    bank_label = f"{BANK_NAMES.get(slip.bank, slip.bank)}  |  {slip.bank}"

    def section(top: float, title: str, with_line: bool) -> float:
        canvas.setFont("Helvetica-Bold", 11)
        canvas.drawString(left, top, bank_label)
        if with_line:
            canvas.setFont("Helvetica-Bold", 10.5)
            canvas.drawRightString(left + full, top, slip.digitable_line)
        canvas.setFont("Helvetica", 7)
        canvas.drawRightString(left + full, top + 5 * mm, title)
        row = 10 * mm
        y = top - 2 * mm - row
        _box(
            canvas,
            left,
            y,
            full * 0.7,
            row,
            "Local de pagamento",
            "Pagável em qualquer banco até o vencimento",
        )
        _box(
            canvas, left + full * 0.7, y, full * 0.3, row, "Vencimento", f"{slip.due_date:%d/%m/%Y}"
        )
        y -= row
        _box(
            canvas,
            left,
            y,
            full * 0.7,
            row,
            "Beneficiário",
            f"{company['name']} — CNPJ {company['document']}",
        )
        _box(
            canvas,
            left + full * 0.7,
            y,
            full * 0.3,
            row,
            "Agência / Código do beneficiário",
            agency_account,
        )
        y -= row
        _box(canvas, left, y, full * 0.35, row, "Número do documento", invoice.number)
        _box(
            canvas,
            left + full * 0.35,
            y,
            full * 0.35,
            row,
            "Data do documento",
            f"{invoice.issue_date:%d/%m/%Y}",
        )
        _box(canvas, left + full * 0.7, y, full * 0.3, row, "Nosso número", nosso)
        y -= row
        _box(
            canvas,
            left,
            y,
            full * 0.7,
            row,
            "Pagador",
            f"{invoice.customer.name} — {invoice.customer.document}",
        )
        _box(
            canvas,
            left + full * 0.7,
            y,
            full * 0.3,
            row,
            "(=) Valor do documento",
            format_brl(slip.amount),
        )
        return y

    # recibo do pagador
    y = section(height - 20 * mm, "Recibo do pagador", with_line=False)
    canvas.setDash(2, 2)
    canvas.line(left, y - 8 * mm, left + full, y - 8 * mm)
    canvas.setDash()
    # ficha de compensação
    y = section(y - 20 * mm, "Ficha de compensação", with_line=True)
    drawing = barcode_drawing(slip.barcode)
    drawing.drawOn(canvas, left, y - 4 * mm - BAR_HEIGHT)
    canvas.setFont("Helvetica", 7)
    canvas.drawString(left, y - 8 * mm - BAR_HEIGHT, "Autenticação mecânica — Ficha de Compensação")
    canvas.showPage()
    canvas.save()
    return out.getvalue()
