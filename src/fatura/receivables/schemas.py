"""Schemas of the receivables API: direct invoices, the bodies of invoice actions, payments
and the invoice timeline. Amounts come in as decimal strings or JSON numbers and reach the
services as text (``parse_amount`` makes them ``Decimal``); they go out as "0.00" strings."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from fatura.core.schemas import AmountIn, MoneyOut, PriceOut, QuantityIn, QuantityOut
from fatura.eventlog.api import EventOut

# --- invoices -----------------------------------------------------------------------------


class InvoiceLineOut(Schema):
    billing_item_id: int | None
    item_name: str
    product: str
    unit: str
    quantity: QuantityOut
    unit_price: PriceOut
    price_version_id: int | None
    amount: MoneyOut


class InvoiceOut(Schema):
    invoice_number: str
    number: str
    kind: str
    customer_id: int
    customer_name: str
    month: str
    issue_date: dt.date
    total_due: MoneyOut
    total_charged: MoneyOut
    total: MoneyOut
    balance: MoneyOut
    status: str
    payment_status: str
    payment_terms: str
    due_date: dt.date | None
    discount_until: dt.date | None
    amount_applied: MoneyOut
    amount_credited: MoneyOut
    amount_debited: MoneyOut
    amount_discounted: MoneyOut
    amount_written_off: MoneyOut
    amount_overpaid: MoneyOut
    dunning_level: int
    open_disputes: int
    allowed_actions: list[str]
    converted_to: str | None
    result_center: str
    ticket: str
    lines: list[InvoiceLineOut]


class InvoiceLineIn(Schema):
    description: str
    quantity: QuantityIn
    unit_price: QuantityIn = Field(description="Preço unitário, até 4 casas.")


class RecurrenceIn(Schema):
    frequency: str = Field(description="monthly | yearly")
    end: dt.date | None = Field(None, description="Última emissão (opcional).")


class InvoiceIn(Schema):
    customer_id: int
    kind: str = Field(description="simple | recurring | proforma")
    issue_date: dt.date
    payment_terms: str | None = Field(
        None, description="NET30, NET60, DUE_ON_RECEIPT, 2_10_NET30; padrão: o do cliente."
    )
    description: str = ""
    lines: list[InvoiceLineIn]
    recurrence: RecurrenceIn | None = None


class RejectIn(Schema):
    reason: str


class CallIn(Schema):
    outcome: str = Field(description="reached | promise_to_pay | no_answer | wrong_contact")
    promise_date: dt.date | None = None
    note: str = ""


class DisputeIn(Schema):
    reason: str = Field(
        description=(
            "preco_incorreto | divergencia_quantidade | produto_danificado | "
            "fatura_duplicada | outro"
        )
    )
    amount: AmountIn
    note: str = ""


class ResolveDisputeIn(Schema):
    resolution: str = Field(description="credit_note | adjustment | rejected")
    dispute_id: int | None = Field(None, description="Padrão: a disputa aberta mais antiga.")
    amount: AmountIn | None = Field(None, description="Padrão: o valor contestado.")
    note: str = ""


class CreditNoteIn(Schema):
    amount: AmountIn
    reason: str


class AdjustIn(Schema):
    amount: AmountIn = Field(description="Com sinal: positivo aumenta o devido, negativo reduz.")
    reason: str


class WriteOffIn(Schema):
    reason: str


# --- payments -----------------------------------------------------------------------------


class AllocationIn(Schema):
    invoice_number: str
    amount: AmountIn


class PaymentIn(Schema):
    customer_id: int
    amount: AmountIn
    received_at: dt.date
    method: str = Field(description="pix | boleto | transferencia | cartao | cheque")
    reference: str = ""
    idempotency_key: str | None = Field(
        None,
        max_length=80,
        description=(
            "Repetir a chave com o mesmo conteúdo devolve o primeiro pagamento (200); com "
            "outro conteúdo (cliente, valor, alocações...), 409."
        ),
    )
    posted_at: dt.date | None = None
    allocations: list[AllocationIn] = []


class PaymentApplyIn(Schema):
    allocations: list[AllocationIn]


class PaymentPostIn(Schema):
    posted_at: dt.date


class PaymentReverseIn(Schema):
    reason: str = ""


class AllocationOut(Schema):
    invoice_number: str
    amount: MoneyOut
    discount: MoneyOut


class PaymentOut(Schema):
    id: int
    customer_id: int
    amount: MoneyOut
    applied: MoneyOut
    unapplied: MoneyOut
    received_at: dt.date
    posted_at: dt.date | None
    method: str
    reference: str
    reversed: bool
    allocations: list[AllocationOut]


# --- timeline -----------------------------------------------------------------------------


class CreditNoteOut(Schema):
    number: str
    amount: MoneyOut
    excess: MoneyOut
    reason: str
    dispute_id: int | None
    created_at: dt.datetime
    created_by: str


class AdjustmentOut(Schema):
    number: str
    amount: MoneyOut
    reason: str
    dispute_id: int | None
    created_at: dt.datetime
    created_by: str


class DisputeOut(Schema):
    id: int
    reason: str
    amount: MoneyOut
    note: str
    is_open: bool
    opened_at: dt.datetime
    opened_by: str
    resolution: str
    resolved_at: dt.datetime | None
    resolved_by: str | None


class PaymentAppliedOut(Schema):
    payment_id: int
    method: str
    reference: str
    received_at: dt.date
    amount: MoneyOut
    discount: MoneyOut
    applied_at: dt.datetime
    reversed_at: dt.datetime | None


class TimelineOut(Schema):
    number: str
    status: str
    payment_status: str
    balance: MoneyOut
    events: list[EventOut]
    credit_notes: list[CreditNoteOut]
    adjustments: list[AdjustmentOut]
    disputes: list[DisputeOut]
    payments: list[PaymentAppliedOut]
