from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import field_serializer

from fatura.core.months import Month
from fatura.core.schemas import Id, MonthField, QuantityOut, decimal_in


class ConsumptionIn(Schema):
    customer_id: Id
    month: MonthField
    billing_item_id: Id
    # the column: DecimalField(max_digits=18, decimal_places=6), not negative
    quantity: Annotated[str, decimal_in(max_digits=18, places=6, minimum="0", example="12.5")]


class ConsumptionOut(Schema):
    id: int
    customer_id: int
    month: dt.date
    billing_item_id: int
    billing_item_name: str
    quantity: QuantityOut
    source: str

    @field_serializer("month")
    def _month(self, value: dt.date) -> str:
        return str(Month.of(value))


class ImportOut(Schema):
    id: int
    filename: str
    created: int
    items_created: int
