from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from fatura.core.schemas import InvoiceNumber, MoneyOut

MAX_REMITTANCE_INVOICES = 1000


class PixOut(Schema):
    payload: str = Field(
        description="BR Code estático (PIX copia e cola), com o CRC16 no fim.",
        pattern=r"^000201.*6304[0-9A-F]{4}$",
    )
    txid: str = Field(
        description="Identificador da transação (campo 62/05), até 25 letras e dígitos."
    )
    amount: MoneyOut = Field(description="Valor a pagar (campo 54).")
    installment: int = Field(description="Parcela a que o código se refere (1 sem parcelamento).")


class BoletoOut(Schema):
    bank: Literal["001", "341"] = Field(description="Banco (código FEBRABAN).")
    nosso_numero: str = Field(description="Nosso número, só dígitos, sem dígito verificador.")
    barcode: str = Field(description="Código de barras, 44 dígitos.", pattern=r"^\d{44}$")
    digitable_line: str = Field(
        description="Linha digitável formatada (47 dígitos).",
        pattern=r"^\d{5}\.\d{5} \d{5}\.\d{6} \d{5}\.\d{6} \d \d{14}$",
    )
    due_date: dt.date
    amount: MoneyOut
    installment: int


class RemittanceIn(Schema):
    invoice_numbers: list[InvoiceNumber] = Field(
        min_length=1,
        max_length=MAX_REMITTANCE_INVOICES,
        description="Faturas cujos boletos entram na remessa (todas em aberto).",
    )
