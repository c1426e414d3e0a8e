"""The receivables reports as files (aging, customer statement, DSO, collector worklist): CSV
and PDF in the frame every report shares (:mod:`fatura.core.reports`).

Each report has ``<report>_csv(report) -> CsvTable`` and ``<report>_pdf(report) -> bytes``;
``CsvTable.response()`` and ``pdf_response()`` make the HTTP answers (API and pages alike).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from fatura.core.csv_export import cell
from fatura.core.money import format_decimal_br
from fatura.core.reports import Block, CsvTable, report_pdf
from fatura.core.reports import pdf_response as pdf_response  # the pages' import (web.views)
from fatura.receivables.domain import AGING_BUCKETS, AGING_LABELS, AgingRow
from fatura.receivables.ledger import (
    AgingReport,
    CustomerStatement,
    DsoReport,
    StatementItem,
    WorklistItem,
)
from fatura.receivables.models import CallOutcome, PaymentMethod
from fatura.receivables.vocabulary import InvoiceStatus, label_of

# --- CSV ------------------------------------------------------------------------------------


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


def _item_number(item: StatementItem) -> str:
    """The invoice's number, with the installment of an invoice in installments (2/3)."""
    return f"{item.number} ({item.installment})" if item.installment else item.number


def statement_csv(statement: CustomerStatement) -> CsvTable:
    """Open items, then the payments, then the totals: three blocks split by an empty line."""
    rows: list[list[Any]] = [
        [_item_number(i), i.issue_date, i.due_date, i.total, i.balance, i.days_overdue,
         label_of(InvoiceStatus, i.status)]
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
                [[_item_number(i), i.issue_date, i.due_date, i.total, i.balance,
                  i.days_overdue, label_of(InvoiceStatus, i.status)] for i in statement.items],
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
