"""Reports as files, the frame every app's reports share: CSV for Excel in Brazil (``;``
separator, UTF-8 with BOM, decimal comma, dd/mm/aaaa dates — :mod:`fatura.core.csv_export`) and
PDF (ReportLab, like the invoice: company header, title, as-of date, tables, totals —
:mod:`fatura.core.pdf_layout`).

An app's report gives ``<report>_csv(report) -> CsvTable`` and ``<report>_pdf(report) -> bytes``
(built with :func:`report_pdf` from :class:`Block` tables); ``CsvTable.response()`` and
:func:`pdf_response` make the HTTP answers (API and pages alike).
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
from fatura.core.errors import InvalidInput
from fatura.core.money import format_brl
from fatura.core.pdf_layout import BRAND, LINE, MUTED, draw_footer, esc, letterhead

FORMATS = ("json", "csv", "pdf")


def report_format(value: str) -> str:
    """A report endpoint's ``format`` (json, csv or pdf); anything else is a 422 on ``format``."""
    if value not in FORMATS:
        raise InvalidInput(
            f"Formato inválido: {value!r}. Use {', '.join(FORMATS)}.",
            errors=[{"field": "format", "message": "inválido"}],
        )
    return value


# --- CSV ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvTable:
    filename: str
    header: list[str]
    rows: list[list[Any]]

    def response(self) -> StreamingHttpResponse:
        return csv_response(self.filename, self.header, self.rows)


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
