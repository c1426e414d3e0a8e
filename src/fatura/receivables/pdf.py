"""The invoice PDF ("Emitir fatura"): company header, customer, number, month, lines, totals."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import translation
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fatura.core.money import format_brl, format_decimal_br, to_money
from fatura.core.months import Month
from fatura.core.pdf_layout import BRAND, LINE, MUTED, draw_footer, esc, letterhead
from fatura.customers.models import PaymentTerm
from fatura.receivables.installments import installment_balances
from fatura.receivables.models import Invoice
from fatura.receivables.payment_pdf import payment_flowables
from fatura.receivables.withholdings import net_total, withholding_rows


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "company": ParagraphStyle("company", parent=base["Title"], fontSize=15, leading=18,
                                  textColor=BRAND, alignment=0, spaceAfter=2),
        "small": ParagraphStyle("small", parent=base["Normal"], fontSize=8.5, leading=11,
                                textColor=MUTED),
        "normal": ParagraphStyle("normal", parent=base["Normal"], fontSize=9.5, leading=12),
        "label": ParagraphStyle("label", parent=base["Normal"], fontSize=7.5, leading=9,
                                textColor=MUTED),
        "title": ParagraphStyle("title", parent=base["Normal"], fontSize=17, leading=20,
                                alignment=TA_RIGHT, fontName="Helvetica-Bold"),
        "right": ParagraphStyle("right", parent=base["Normal"], fontSize=9.5, leading=12,
                                alignment=TA_RIGHT),
        "cell": ParagraphStyle("cell", parent=base["Normal"], fontSize=9, leading=11),
    }  # fmt: skip


_esc = esc


def _footer(canvas: Any, doc: Any) -> None:
    draw_footer(canvas, doc)


def _discount_text(invoice: Invoice) -> str:
    if not invoice.discount_percent or invoice.discount_until is None:
        return "—"
    percent = format_decimal_br(invoice.discount_percent)
    discount = to_money(invoice.total_charged * invoice.discount_percent / Decimal(100))
    return f"{percent}% ({format_brl(discount)}) se pago até {invoice.discount_until:%d/%m/%Y}"


def _installments_table(invoice: Invoice, width: float) -> Table | None:
    """The installments (parcelas) with their due dates, when there is more than one."""
    if invoice.installment_count <= 1 or invoice.kind == "proforma":
        return None
    rows: list[list[object]] = [["Parcela", "Vencimento", "Valor", "Em aberto"]]
    parts = installment_balances(invoice)
    for part in parts:
        rows.append(
            [
                f"{part.number}/{len(parts)}",
                f"{part.due_date:%d/%m/%Y}",
                format_brl(part.amount),
                format_brl(part.balance),
            ]
        )
    table = Table(rows, colWidths=[width * w for w in (0.15, 0.2, 0.2, 0.2)], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("BACKGROUND", (0, 0), (-1, 0), BRAND),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, -1), (-1, -1), 0.6, LINE),
            ]
        )
    )
    return table


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as the customer receives it: a pt-BR document whatever language the
    request or the worker's thread has active (labels such as the payment terms are lazy)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _invoice_pdf(invoice)


def _invoice_pdf(invoice: Invoice) -> bytes:
    s = _styles()
    company = settings.FATURA_COMPANY
    customer = invoice.customer
    month = Month.of(invoice.month)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=20 * mm,
        title=f"Fatura {invoice.number}",
        author=company["name"],
        subject=f"Fatura {invoice.number} — {customer.name} — {month.label_pt()}",
    )
    width = doc.width
    header = letterhead(
        [
            Paragraph("PROFORMA" if invoice.kind == "proforma" else "FATURA", s["title"]),
            Paragraph(f"Nº <b>{_esc(invoice.number)}</b>", s["right"]),
            Paragraph(f"Emissão: {invoice.issue_date:%d/%m/%Y}", s["right"]),
            Paragraph(f"Referência: {month.label_pt()}", s["right"]),
            Paragraph(
                f"<b>Vencimento: {invoice.due_date:%d/%m/%Y}</b>"
                + (" (próxima parcela)" if invoice.installment_count > 1 else "")
                if invoice.due_date and invoice.kind != "proforma"
                else "",
                s["right"],
            ),
        ],
        width=width,
        company_style=s["company"],
        small_style=s["small"],
    )
    code = invoice.payment_terms or customer.payment_terms
    found = PaymentTerm.objects.filter(code=code).values_list("label", flat=True).first()
    terms = f"{code} — {found}" if found else code
    usage = invoice.is_usage
    parties = Table(
        [
            [
                Paragraph("CLIENTE", s["label"]),
                Paragraph("CPF/CNPJ", s["label"]),
                Paragraph("CONDIÇÃO DE PAGAMENTO", s["label"]),
            ],
            [
                Paragraph(f"<b>{_esc(customer.name)}</b>", s["normal"]),
                Paragraph(customer.document_display, s["normal"]),
                Paragraph(_esc(str(terms)), s["normal"]),
            ],
            [
                Paragraph("E-MAIL", s["label"]),
                Paragraph("CENTRO DE RESULTADO" if usage else "DESCRIÇÃO", s["label"]),
                Paragraph("CHAMADO" if usage else "DESCONTO POR ANTECIPAÇÃO", s["label"]),
            ],
            [
                Paragraph(_esc(customer.email or "—"), s["normal"]),
                Paragraph(
                    _esc(invoice.result_center if usage else (invoice.description or "—")),
                    s["normal"],
                ),
                Paragraph(_esc(invoice.ticket if usage else _discount_text(invoice)), s["normal"]),
            ],
        ],
        colWidths=[width * 0.46, width * 0.27, width * 0.27],
    )
    parties.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, LINE),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f6f8fa")),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 7),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    invoice_lines = list(invoice.lines.all().order_by("position"))
    usage = any(line.billing_item_id for line in invoice_lines)

    def price(value: Decimal) -> str:
        if value == round(value, 2):
            return format_brl(value)
        return "R$ " + format_decimal_br(value)

    if usage:
        rows: list[list[object]] = [
            ["Item", "Produto", "Unid.", "Quantidade", "Preço unitário", "Valor"]
        ]
        widths = [0.27, 0.2, 0.09, 0.14, 0.15, 0.15]
    else:
        rows = [["Descrição", "Quantidade", "Preço unitário", "Valor"]]
        widths = [0.52, 0.14, 0.17, 0.17]
    for line in invoice_lines:
        described = [Paragraph(_esc(line.item_name), s["cell"])]
        if usage:
            described += [Paragraph(_esc(line.product), s["cell"]), line.unit]
        rows.append(
            [
                *described,
                format_decimal_br(line.quantity),
                price(line.unit_price),
                format_brl(line.amount),
            ]
        )
    first_number_column = 3 if usage else 1
    lines = Table(rows, colWidths=[width * w for w in widths], repeatRows=1)
    lines.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("BACKGROUND", (0, 0), (-1, 0), BRAND),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
                ("ALIGN", (first_number_column, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f6f9")]),
                ("LINEBELOW", (0, -1), (-1, -1), 0.6, LINE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    adjustment = invoice.total_charged - invoice.total_due
    if usage or adjustment:
        total_rows = [["Total devido", format_brl(invoice.total_due)]]
        if adjustment:
            total_rows.append(["Ajuste", format_brl(adjustment)])
        total_rows.append(["Total cobrado", format_brl(invoice.total_charged)])
    else:
        total_rows = [["Total", format_brl(invoice.total_charged)]]
    for item in withholding_rows(invoice):  # the customer's retentions, then the net
        rate = format_decimal_br(item["rate"])
        total_rows.append([f"{item['label']} ({rate}%)", f"− {format_brl(item['amount'])}"])
    if invoice.amount_withheld:
        total_rows.append(["Líquido a receber", format_brl(net_total(invoice))])
    totals = Table(total_rows, colWidths=[width * 0.2, width * 0.18], hAlign="RIGHT")
    totals.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 10),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 12),
                ("TEXTCOLOR", (0, -1), (-1, -1), BRAND),
                ("LINEABOVE", (0, -1), (-1, -1), 1, BRAND),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    story = [
        header,
        Spacer(1, 8 * mm),
        parties,
        Spacer(1, 7 * mm),
        lines,
        Spacer(1, 5 * mm),
        totals,
        Spacer(1, 10 * mm),
    ]
    schedule = _installments_table(invoice, width)
    if schedule is not None:
        story += [Paragraph("<b>Parcelas</b>", s["normal"]), Spacer(1, 2 * mm), schedule]
        story += [Spacer(1, 6 * mm)]
    story += payment_flowables(invoice, width, s)  # "Como pagar": PIX and boleto (the port)
    story += [
        Paragraph(
            "Valores em reais (BRL). Cada linha é quantidade × preço unitário, arredondada ao "
            "centavo; o total devido é a soma das linhas.",
            s["small"],
        ),
    ]
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()
