"""The receivables reports as files: CSV (for Excel in Brazil, like every export of Fatura:
``;`` separator, UTF-8 with BOM, decimal comma, dd/mm/aaaa dates — ``web.csv_export``) and PDF
(ReportLab, like the invoice: company header, title, as-of date, table, totals).

Each report has ``<report>_csv(report) -> CsvTable`` and ``<report>_pdf(report) -> bytes``;
``CsvTable.response()`` and ``pdf_response()`` make the HTTP answers (API and pages alike).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fatura.core import clock
from fatura.core.csv_export import cell, csv_response
from fatura.core.money import format_brl, format_decimal_br
from fatura.core.pdf_layout import BRAND, LINE, MUTED, draw_footer, esc, letterhead
from fatura.receivables.domain import AGING_BUCKETS, AGING_LABELS, STATUS_LABELS, AgingRow
from fatura.receivables.models import CallOutcome, PaymentMethod
from fatura.receivables.selectors import (
    AgingReport,
    CustomerStatement,
    DsoReport,
    WorklistItem,
)

# --- CSV ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvTable:
    filename: str
    header: list[str]
    rows: list[list[Any]]

    def response(self) -> StreamingHttpResponse:
        return csv_response(self.filename, self.header, self.rows)


def _method(code: str) -> str:
    return str(PaymentMethod(code).label) if code in PaymentMethod.values else code


def _outcome(code: str) -> str:
    return str(CallOutcome(code).label) if code in CallOutcome.values else code


def _aging_cells(row: AgingRow) -> list[Any]:
    return [row.label, row.invoices, *(row.buckets[b] for b in AGING_BUCKETS), row.total]


def aging_csv(report: AgingReport) -> CsvTable:
    header = [report.group_label, "Faturas", *(AGING_LABELS[b] for b in AGING_BUCKETS), "Total"]
    rows = [_aging_cells(row) for row in report.rows] + [_aging_cells(report.total)]
    return CsvTable(f"aging-{report.as_of:%Y-%m-%d}-{report.group_by}.csv", header, rows)


STATEMENT_ITEMS = [
    "Fatura",
    "Emissão",
    "Vencimento",
    "Total",
    "Saldo",
    "Dias em atraso",
    "Situação",
]
STATEMENT_PAYMENTS = [
    "Recebido em",
    "Valor",
    "Forma",
    "Referência",
    "Aplicado",
    "Não aplicado",
    "Estornado",
]


def _statement_totals(statement: CustomerStatement) -> list[tuple[str, Decimal]]:
    return [
        ("Total em aberto", statement.open_total),
        ("Vencido", statement.overdue_total),
        ("Pagamentos não aplicados", statement.unapplied_payments),
        ("Créditos de notas de crédito", statement.credit_note_excess),
        ("Crédito disponível", statement.credit_available),
        ("Saldo líquido", statement.net_due),
    ]


def statement_csv(statement: CustomerStatement) -> CsvTable:
    """Open items, then the payments, then the totals: three blocks split by an empty line."""
    rows: list[list[Any]] = [
        [i.number, i.issue_date, i.due_date, i.total, i.balance, i.days_overdue,
         STATUS_LABELS.get(i.status, i.status)]
        for i in statement.items
    ]  # fmt: skip
    rows += [[], ["Pagamentos"], list(STATEMENT_PAYMENTS)]
    rows += [
        [p.received_at, p.amount, _method(p.method), p.reference, p.applied, p.unapplied,
         p.reversed]
        for p in statement.payments
    ]  # fmt: skip
    rows += [[], *([label, value] for label, value in _statement_totals(statement))]
    name = f"extrato-{statement.customer.document}-{statement.as_of:%Y-%m-%d}.csv"
    return CsvTable(name, list(STATEMENT_ITEMS), rows)


DSO_HEADER = ["Início", "Fim", "Dias", "Contas a receber no fim", "Vendas a prazo", "DSO (dias)"]


def dso_csv(report: DsoReport) -> CsvTable:
    row = [report.start, report.end, report.days, report.receivables, report.credit_sales,
           report.dso]  # fmt: skip
    return CsvTable(f"dso-{report.start:%Y-%m-%d}-{report.end:%Y-%m-%d}.csv", DSO_HEADER, [row])


WORKLIST_HEADER = [
    "Fatura",
    "Cliente",
    "Cobrador",
    "Vencimento",
    "Dias em atraso",
    "Saldo",
    "Prioridade",
    "Ligação agendada",
    "Última ligação",
    "Resultado",
    "Promessa para",
]


def _worklist_cells(item: WorklistItem) -> list[Any]:
    return [
        item.number,
        item.customer_name,
        item.collector,
        item.due_date,
        item.days_overdue,
        item.balance,
        item.priority,
        item.call_task_due,
        item.last_call_at,
        _outcome(item.last_call_outcome),
        item.promise_date,
    ]


def worklist_csv(items: Sequence[WorklistItem], *, today: dt.date) -> CsvTable:
    rows = [_worklist_cells(item) for item in items]
    return CsvTable(f"cobranca-{today:%Y-%m-%d}.csv", WORKLIST_HEADER, rows)


# --- PDF ------------------------------------------------------------------------------------


@dataclass
class Block:
    """One table of a report PDF; ``widths`` are fractions of the usable width."""

    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    widths: Sequence[float]
    numeric: frozenset[int] = frozenset()  # right-aligned columns
    total: Sequence[Any] | None = None
    heading: str = ""
    empty: str = "Nenhum item."
    wrap: frozenset[int] = field(default_factory=lambda: frozenset({0}))


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "company": ParagraphStyle("company", parent=base["Title"], fontSize=14, leading=17,
                                  textColor=BRAND, alignment=0, spaceAfter=1),
        "small": ParagraphStyle("small", parent=base["Normal"], fontSize=8, leading=10,
                                textColor=MUTED),
        "title": ParagraphStyle("title", parent=base["Normal"], fontSize=15, leading=18,
                                alignment=TA_RIGHT, fontName="Helvetica-Bold"),
        "right": ParagraphStyle("right", parent=base["Normal"], fontSize=9, leading=12,
                                alignment=TA_RIGHT),
        "heading": ParagraphStyle("heading", parent=base["Normal"], fontSize=10.5, leading=13,
                                  fontName="Helvetica-Bold", textColor=BRAND, spaceAfter=3),
        "cell": ParagraphStyle("cell", parent=base["Normal"], fontSize=8.5, leading=10),
        "head": ParagraphStyle("head", parent=base["Normal"], fontSize=8, leading=9.5,
                               fontName="Helvetica-Bold", textColor=colors.white),
        "head_right": ParagraphStyle("head_right", fontSize=8, leading=9.5, alignment=TA_RIGHT,
                                     fontName="Helvetica-Bold", textColor=colors.white),
    }  # fmt: skip


_esc = esc


def _text(value: Any) -> str:
    """A cell as pt-BR readers see it in the PDF: amounts ``R$ 1.234,56``, dates dd/mm/aaaa."""
    if isinstance(value, Decimal) and value.as_tuple().exponent == -2:
        return format_brl(value)
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%d/%m/%Y %H:%M}"
    return cell(value)


def _footer(canvas: Any, doc: Any) -> None:
    issued = timezone.localtime(clock.now())
    draw_footer(canvas, doc, extra=f"emitido em {issued:%d/%m/%Y %H:%M}")


def _table(block: Block, width: float, s: dict[str, ParagraphStyle]) -> Table:
    def row_of(values: Sequence[Any]) -> list[Any]:
        return [
            Paragraph(_esc(_text(v)), s["cell"]) if i in block.wrap else _text(v)
            for i, v in enumerate(values)
        ]

    head = [
        Paragraph(_esc(h), s["head_right" if i in block.numeric else "head"])
        for i, h in enumerate(block.header)
    ]
    rows: list[list[Any]] = [head, *(row_of(r) for r in block.rows)]
    if block.total is not None:
        rows.append([_text(v) for v in block.total])
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("BACKGROUND", (0, 0), (-1, 0), BRAND),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8.5),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f6f9")]),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, LINE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    style += [("ALIGN", (c, 0), (c, -1), "RIGHT") for c in block.numeric]
    if block.total is not None:
        style += [
            ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8.5),
            ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#e4ecf5")),
            ("LINEABOVE", (0, -1), (-1, -1), 1, BRAND),
        ]
    table = Table(rows, colWidths=[width * w for w in block.widths], repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def report_pdf(
    *,
    title: str,
    lines: Sequence[str],
    blocks: Sequence[Block],
    summary: Sequence[tuple[str, Any]] = (),
    wide: bool = False,
) -> bytes:
    """A report on A4 (landscape when ``wide``): the company at the left, the title and its
    lines (as-of date, grouping…) at the right, then each table and a summary of totals."""
    s = _styles()
    company = settings.FATURA_COMPANY
    buffer = io.BytesIO()
    pagesize = landscape(A4) if wide else A4
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=20 * mm,
        title=title,
        author=company["name"],
    )
    width = doc.width
    header = letterhead(
        [
            Paragraph(_esc(title), s["title"]),
            *(Paragraph(_esc(line), s["right"]) for line in lines),
        ],
        width=width,
        company_style=s["company"],
        small_style=s["small"],
        split=0.5,
        padding=6,
    )
    story: list[Flowable] = [header, Spacer(1, 6 * mm)]
    for block in blocks:
        if block.heading:
            story.append(Paragraph(_esc(block.heading), s["heading"]))
        if block.rows or block.total is not None:
            story.append(_table(block, width, s))
        else:
            story.append(Paragraph(_esc(block.empty), s["small"]))
        story.append(Spacer(1, 5 * mm))
    if summary:
        totals = Table(
            [[label, _text(value)] for label, value in summary],
            colWidths=[width * 0.3, width * 0.2],
            hAlign="RIGHT",
        )
        totals.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), "Helvetica", 9.5),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                    ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 11),
                    ("TEXTCOLOR", (0, -1), (-1, -1), BRAND),
                    ("LINEABOVE", (0, -1), (-1, -1), 1, BRAND),
                ]
            )
        )
        story.append(totals)
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _as_of(day: dt.date) -> str:
    return f"Posição em {day:%d/%m/%Y}"


def aging_pdf(report: AgingReport) -> bytes:
    table = aging_csv(report)
    return report_pdf(
        title="Aging de contas a receber",
        lines=[_as_of(report.as_of), f"Agrupado por: {report.group_label}"],
        blocks=[
            Block(
                table.header,
                table.rows[:-1],
                [0.26, 0.07, 0.11, 0.11, 0.11, 0.11, 0.11, 0.12],
                numeric=frozenset(range(1, 8)),
                total=table.rows[-1],
                empty="Nada em aberto nesta data.",
            )
        ],
        wide=True,
    )


def statement_pdf(statement: CustomerStatement) -> bytes:
    customer = statement.customer
    return report_pdf(
        title="Extrato do cliente",
        lines=[customer.name, f"CPF/CNPJ {customer.document_display}", _as_of(statement.as_of)],
        blocks=[
            Block(
                STATEMENT_ITEMS,
                [[i.number, i.issue_date, i.due_date, i.total, i.balance, i.days_overdue,
                  STATUS_LABELS.get(i.status, i.status)] for i in statement.items],
                [0.16, 0.12, 0.12, 0.15, 0.15, 0.11, 0.19],
                numeric=frozenset({3, 4, 5}),
                heading="Faturas em aberto",
                empty="Nenhuma fatura em aberto.",
            ),
            Block(
                STATEMENT_PAYMENTS,
                [[p.received_at, p.amount, _method(p.method), p.reference, p.applied,
                  p.unapplied, p.reversed] for p in statement.payments],
                [0.13, 0.15, 0.13, 0.17, 0.15, 0.15, 0.12],
                numeric=frozenset({1, 4, 5}),
                heading="Pagamentos",
                empty="Nenhum pagamento.",
                wrap=frozenset({3}),
            ),
        ],
        summary=_statement_totals(statement),
    )  # fmt: skip


def dso_pdf(report: DsoReport) -> bytes:
    dso = "—" if report.dso is None else f"{cell(report.dso)} dias"
    return report_pdf(
        title="Prazo médio de recebimento (DSO)",
        lines=[f"Período de {report.start:%d/%m/%Y} a {report.end:%d/%m/%Y}"],
        blocks=[
            Block(
                ["Contas a receber no fim", "Vendas a prazo no período", "Dias no período"],
                [[report.receivables, report.credit_sales, report.days]],
                [0.34, 0.34, 0.32],
                numeric=frozenset({0, 1, 2}),
                wrap=frozenset(),
            )
        ],
        summary=[
            ("Fórmula", "a receber ÷ vendas × dias"),
            ("DSO", dso),
        ],
    )


def _worklist_pdf_cells(item: WorklistItem) -> list[Any]:
    cells = _worklist_cells(item)
    cells[6] = format_decimal_br(item.priority, 2)  # R$ × days: a rank, not an amount
    return cells


def worklist_pdf(items: Sequence[WorklistItem], *, today: dt.date, collector: str = "") -> bytes:
    lines = [f"Ligações de {today:%d/%m/%Y}"]
    if collector:
        lines.append(f"Cobrador: {collector}")
    return report_pdf(
        title="Lista de cobrança",
        lines=lines,
        blocks=[
            Block(
                WORKLIST_HEADER,
                [_worklist_pdf_cells(item) for item in items],
                [0.09, 0.14, 0.07, 0.085, 0.055, 0.09, 0.09, 0.075, 0.11, 0.115, 0.075],
                numeric=frozenset({4, 5, 6}),
                wrap=frozenset({1, 9}),
                empty="Nada a cobrar hoje.",
            )
        ],
        summary=[
            ("Faturas", str(len(items))),
            ("Saldo a cobrar", sum((i.balance for i in items), Decimal("0.00"))),
        ],
        wide=True,
    )
