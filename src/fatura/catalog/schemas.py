from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field, field_serializer

from fatura.core.months import Month
from fatura.core.schemas import MonthField, PriceIn, PriceOut, text_in


class PriceVersionIn(Schema):
    unit_price: PriceIn
    valid_from: MonthField


class BillingItemIn(PriceVersionIn):
    name: Annotated[str, text_in(120, required=True)]
    product: Annotated[str, text_in(120, required=True)]
    unit: Annotated[str, text_in(30, required=True)]


class PriceReplaceIn(Schema):
    unit_price: PriceIn


class PriceVersionOut(Schema):
    id: int
    unit_price: PriceOut
    valid_from: dt.date
    used: bool = Field(
        False,
        description="Usado por uma cobrança finalizada: não pode ser removido nem substituído.",
    )

    @field_serializer("valid_from")
    def _month(self, value: dt.date) -> str:
        return str(Month.of(value))


class BillingItemOut(Schema):
    id: int
    name: str
    product: str
    unit: str
    source: str
    prices: list[PriceVersionOut]
