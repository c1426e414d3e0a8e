from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from fatura.core.schemas import Id, MoneyOut, MonthField, PriceOut, QuantityOut, decimal_in, text_in
from fatura.receivables.schemas import InvoiceOut

Label = Annotated[str, text_in(60, required=True)]  # result center, ticket


class ChargeLineOut(Schema):
    billing_item_id: int
    item_name: str
    product: str
    unit: str
    quantity: QuantityOut
    unit_price: PriceOut
    price_version_id: int
    amount: MoneyOut


# The values of billing.models.ChargeSituation (a test pins that they agree).
ChargeSituationCode = Literal["pending", "finalized"]


class ChargeOut(Schema):
    customer_id: int
    customer_name: str
    month: str
    total_due: MoneyOut
    status: ChargeSituationCode = Field(
        description="pending: a cobrar (calculada do consumo); finalized: cobrança finalizada."
    )
    problems: list[str]
    lines: list[ChargeLineOut]
    issue_date: dt.date | None = Field(None, description="Data de emissão da fatura.")
    total_charged: MoneyOut | None = Field(None, description="Valor cobrado.")
    invoice_number: str | None = None


class ChargeFinalizedOut(InvoiceOut):
    """The invoice issued for the charge; ``status`` is the charge's ("finalized"), GET
    /invoices/{number} gives the invoice's own."""

    status: Literal["finalized"]  # type: ignore[assignment]


class FinalizeIn(Schema):
    customer_id: Id
    month: MonthField
    result_center: Label
    ticket: Label
    total_charged: Annotated[str, decimal_in(max_digits=14, places=2, minimum="0")]


class UsagePointOut(Schema):
    month: str
    quantity: QuantityOut
    amount: MoneyOut


class UsageSeriesOut(Schema):
    billing_item_id: int
    name: str
    unit: str
    points: list[UsagePointOut]


class UsageOut(Schema):
    customer_id: int
    series: list[UsageSeriesOut]


class BillingRunIn(Schema):
    month: MonthField
    result_center: Label
    ticket: Label


class RunDeliveriesOut(Schema):
    """The e-mails of the run's invoices (sent by the worker after the run; counts read live,
    so a later retry shows too)."""

    status: Literal["", "queued", "running", "done"] = Field(
        description="Envio das faturas: vazio antes do fim do faturamento; queued, running, done."
    )
    sent: int = Field(description="Faturas enviadas por e-mail.")
    failed: int = Field(
        description="Envios que falharam (nova tentativa automática ou “Reenviar”; "
        "GET /invoices?delivery=failed)."
    )
    held: int = Field(
        description="Faturas acima do limite de aprovação: não saem antes de aprovadas "
        "(a aprovação as envia)."
    )
    waiting: int = Field(description="Na fila ou sendo enviadas agora.")
    manual: int = Field(description="Clientes com envio manual: o Financeiro as envia.")


class BillingRunOut(Schema):
    id: int
    month: str
    status: str
    charges_finalized: int
    total_charged: MoneyOut
    first_invoice: str
    last_invoice: str
    error: str
    progress: dict[str, int | str] | None = None
    deliveries: RunDeliveriesOut
