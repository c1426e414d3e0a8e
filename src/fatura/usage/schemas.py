from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import field_serializer

from fatura.core.months import Month
from fatura.core.schemas import MonthField, QuantityOut


class ConsumptionIn(Schema):
    customer_id: int
    month: MonthField
    billing_item_id: int
    quantity: str


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
