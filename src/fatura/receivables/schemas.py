"""Schemas of the receivables API: direct invoices, the bodies of invoice actions, payments
and the invoice timeline. Amounts come in as decimal strings or JSON numbers and reach the
services as text (``parse_amount`` makes them ``Decimal``); they go out as "0.00" strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, PlainSerializer

from fatura.core.schemas import (
    DateIn,
    Id,
    InvoiceNumber,
    MoneyOut,
    PositiveAmountIn,
    PriceOut,
    QuantityOut,
    SignedAmountIn,
    decimal_in,
    text_in,
)
from fatura.customers.schemas import PaymentTermCode, WithholdingCode
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


class InstallmentOut(Schema):
    number: int
    due_date: dt.date
    amount: MoneyOut
    balance: MoneyOut = Field(
        description="O que a parcela ainda deve: pagamentos e créditos quitam a parcela em "
        "aberto mais antiga primeiro (docs/decisions/0023)."
    )


class PendingAdjustmentOut(Schema):
    id: int
    amount: MoneyOut
    reason: str
    requested_by: str
    requested_at: dt.datetime


# The values of receivables.vocabulary's InvoiceKind, InvoiceStatus and PaymentStatus (a test
# pins that they agree; their labels are the vocabulary's, in the reader's language).
InvoiceKindCode = Literal["usage", "simple", "recurring", "proforma"]
InvoiceStatusCode = Literal[
    "draft",
    "completed",
    "pending_approval",
    "approved",
    "sent",
    "overdue",
    "disputed",
    "closed",
    "written_off",
    "converted",
]
PaymentStatusCode = Literal["unpaid", "partially_paid", "paid", "overpaid"]


DeliveryFilter = Literal["none", "queued", "sending", "delivered", "failed", "held"]
"""``GET /invoices?delivery=``: the invoices in that delivery status (none: no automatic one)."""


class DeliveryOut(Schema):
    status: Literal["", "queued", "sending", "delivered", "failed", "held"] = Field(
        description="Vazio: sem envio automático (envio manual); queued: na fila; sending: "
        "enviando; delivered: enviada por e-mail; failed: falhou (veja last_error); held: "
        "acima do limite de aprovação, sai quando aprovada."
    )
    attempts: int
    last_error: str
    retry_at: dt.datetime | None = Field(
        description="Quando o envio será tentado de novo automaticamente (nulo: não será)."
    )


class WithholdingOut(Schema):
    """A tax the customer withholds from the invoice (issue 13): its code, rate (%) and amount."""

    tax: WithholdingCode
    rate: Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str)]
    amount: MoneyOut


class InvoiceOut(Schema):
    invoice_number: str
    number: str
    kind: InvoiceKindCode
    customer_id: int
    customer_name: str
    month: str
    issue_date: dt.date
    total_due: MoneyOut
    total_charged: MoneyOut
    total: MoneyOut
    balance: MoneyOut
    withholdings: list[WithholdingOut] = Field(
        description="Retenções do cliente (ISS, IRRF, PIS, COFINS, CSLL, INSS) já descontadas."
    )
    net_total: MoneyOut = Field(description="Total cobrado menos as retenções: o que se recebe.")
    status: InvoiceStatusCode
    payment_status: PaymentStatusCode
    payment_terms: str
    due_date: dt.date | None
    discount_until: dt.date | None
    amount_applied: MoneyOut
    amount_credited: MoneyOut
    amount_debited: MoneyOut
    amount_discounted: MoneyOut
    amount_written_off: MoneyOut
    amount_overpaid: MoneyOut
    amount_late_charged: MoneyOut = Field(
        description="Encargos por atraso (multa e juros) lançados, menos os dispensados e os "
        "estornados; já fazem parte de amount_debited / amount_credited e do saldo."
    )
    due_if_paid_today: MoneyOut = Field(
        description="O que quita a fatura se paga hoje: o saldo mais a multa e os juros de mora "
        "que o pagamento do principal vencido lançaria hoje (igual ao saldo sem atraso ou sem "
        "encargos contratados)."
    )
    delivery: DeliveryOut = Field(
        description="O e-mail da fatura (envio automático ou “Enviar”): situação, tentativas, "
        "último erro e a próxima tentativa automática."
    )
    dunning_level: int
    open_disputes: int
    allowed_actions: list[str]
    converted_to: str | None
    result_center: str
    ticket: str
    lines: list[InvoiceLineOut]
    installments: list[InstallmentOut] = Field(
        description="As parcelas, cada uma com seu vencimento (ao menos uma; due_date da "
        "fatura é o da parcela em aberto mais antiga)."
    )
    pending_adjustment: PendingAdjustmentOut | None = Field(
        None,
        description=(
            "Um débito que levaria o total acima do limite de aprovação: só vale depois de "
            "aprovado por outro usuário do Financeiro (POST /invoices/{number}/approve-adjustment"
            " ou reject-adjustment)."
        ),
    )


# Codes, as the models' choices define them (tests/core/test_bounded_input.py pins that the
# lists agree): a client learns them from the OpenAPI document.
DirectInvoiceKind = Literal["simple", "recurring", "proforma"]
Frequency = Literal["monthly", "yearly"]
CallOutcomeCode = Literal["reached", "promise_to_pay", "no_answer", "wrong_contact"]
DisputeReasonCode = Literal[
    "preco_incorreto", "divergencia_quantidade", "produto_danificado", "fatura_duplicada", "outro"
]
ResolutionCode = Literal["credit_note", "adjustment", "rejected"]
PaymentMethodCode = Literal["pix", "boleto", "transferencia", "cartao", "cheque"]

# Quantities fit DecimalField(18, 6), unit prices (14, 4); both above zero. The schema says so;
# issue.parse_lines checks them and reports every bad field with its line.
LineQuantityIn = Annotated[
    str, decimal_in(max_digits=18, places=6, positive=True, example="10.5", checked=False)
]
LinePriceIn = Annotated[
    str,
    decimal_in(
        max_digits=14,
        places=4,
        positive=True,
        description="Preço unitário, até 4 casas.",
        example="12.50",
        checked=False,
    ),
]
Reason = Annotated[str, text_in(300, required=True)]
Note = Annotated[str, text_in(300)]


class InvoiceLineIn(Schema):
    description: Annotated[str, text_in(200, required=True, checked=False)]
    quantity: LineQuantityIn
    unit_price: LinePriceIn = Field(description="Preço unitário, até 4 casas.")


class RecurrenceIn(Schema):
    frequency: Frequency = Field(description="monthly | yearly")
    end: DateIn | None = Field(None, description="Última emissão (opcional).")


class InvoiceIn(Schema):
    customer_id: Id
    kind: DirectInvoiceKind = Field(description="simple | recurring | proforma")
    issue_date: DateIn
    payment_terms: PaymentTermCode | None = Field(
        None,
        description="Código de uma condição de pagamento ativa (GET /payment-terms, ex.: "
        "NET30, 30/60/90); padrão: a do cliente.",
    )
    description: Annotated[str, text_in(200)] = ""
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=1000)
    recurrence: RecurrenceIn | None = None


class RejectIn(Schema):
    reason: Reason


class CallIn(Schema):
    outcome: CallOutcomeCode = Field(
        description="reached | promise_to_pay | no_answer | wrong_contact"
    )
    promise_date: DateIn | None = None
    note: Note = ""


class DisputeIn(Schema):
    reason: DisputeReasonCode = Field(
        description=(
            "preco_incorreto | divergencia_quantidade | produto_danificado | "
            "fatura_duplicada | outro"
        )
    )
    amount: PositiveAmountIn
    note: Note = ""


class ResolveDisputeIn(Schema):
    resolution: ResolutionCode = Field(description="credit_note | adjustment | rejected")
    dispute_id: Id | None = Field(None, description="Padrão: a disputa aberta mais antiga.")
    amount: PositiveAmountIn | None = Field(None, description="Padrão: o valor contestado.")
    note: Note = ""


DOCUMENT_DATE = (
    "Data do documento (AAAA-MM-DD); padrão: hoje. Não antes da emissão da fatura nem no "
    'futuro (422); num mês fechado, 409. Os relatórios "na data" usam esta data.'
)


class CreditNoteIn(Schema):
    amount: PositiveAmountIn
    reason: Reason
    date: DateIn | None = Field(None, description=DOCUMENT_DATE)


class AdjustIn(Schema):
    amount: SignedAmountIn = Field(
        description="Com sinal: positivo aumenta o devido, negativo reduz."
    )
    reason: Reason
    date: DateIn | None = Field(None, description=DOCUMENT_DATE)


class LateChargesWaiveIn(Schema):
    amount: PositiveAmountIn | None = Field(
        None, description="Padrão: todos os encargos por atraso em aberto."
    )
    reason: Reason
    date: DateIn | None = Field(None, description=DOCUMENT_DATE)


class WriteOffIn(Schema):
    reason: Reason
    date: DateIn | None = Field(None, description=DOCUMENT_DATE)


# --- payments -----------------------------------------------------------------------------


class AllocationIn(Schema):
    invoice_number: InvoiceNumber
    amount: PositiveAmountIn


class PaymentIn(Schema):
    customer_id: Id
    amount: PositiveAmountIn
    received_at: DateIn
    method: PaymentMethodCode = Field(description="pix | boleto | transferencia | cartao | cheque")
    reference: Annotated[str, text_in(80)] = ""
    idempotency_key: Annotated[str, text_in(80)] | None = Field(
        None,
        description=(
            "Repetir a chave com o mesmo conteúdo devolve o primeiro pagamento (200); com "
            "outro conteúdo (cliente, valor, alocações...), 409."
        ),
    )
    posted_at: DateIn | None = None
    allocations: list[AllocationIn] = Field(default=[], max_length=1000)


class PaymentApplyIn(Schema):
    allocations: list[AllocationIn] = Field(min_length=1, max_length=1000)


class PaymentPostIn(Schema):
    posted_at: DateIn


class PaymentReverseIn(Schema):
    reason: Annotated[str, text_in(200)] = ""
    date: DateIn | None = Field(
        None,
        description=(
            "Data do estorno (AAAA-MM-DD); padrão: hoje. Não antes do recebimento nem no "
            "futuro (422); num mês fechado, 409."
        ),
    )


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
    reversal_date: dt.date | None = Field(description="data do estorno (null: não estornado)")
    allocations: list[AllocationOut]


# --- timeline -----------------------------------------------------------------------------


class CreditNoteOut(Schema):
    number: str
    amount: MoneyOut
    excess: MoneyOut
    reason: str
    dispute_id: int | None
    date: dt.date = Field(description="data do documento")
    created_at: dt.datetime = Field(description="quando foi lançada")
    created_by: str


class AdjustmentOut(Schema):
    number: str
    amount: MoneyOut
    reason: str
    kind: Literal["manual", "late_charge", "late_charge_waiver", "late_charge_reversal"] = Field(
        "manual",
        description="manual | late_charge (encargos por atraso) | late_charge_waiver "
        "(dispensa) | late_charge_reversal (estorno com o pagamento)",
    )
    dispute_id: int | None
    date: dt.date = Field(description="data do documento")
    created_at: dt.datetime = Field(description="quando foi lançado")
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
    status: InvoiceStatusCode
    payment_status: PaymentStatusCode
    balance: MoneyOut
    events: list[EventOut]
    credit_notes: list[CreditNoteOut]
    adjustments: list[AdjustmentOut]
    disputes: list[DisputeOut]
    payments: list[PaymentAppliedOut]
