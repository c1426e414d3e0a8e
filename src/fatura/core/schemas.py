"""Shared API field types: months as "YYYY-MM", amounts as decimal strings."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

from fatura.core.money import money_str
from fatura.core.months import Month


def _month(value: object) -> str:
    if isinstance(value, Month):
        return str(value)
    try:
        return str(Month.parse(str(value)))
    except ValueError as exc:
        raise ValueError("mês deve estar no formato AAAA-MM") from exc


def _price_str(value: Decimal) -> str:
    """Unit prices keep up to 4 places but never fewer than 2: "12.50", "0.0125"."""
    text = format(Decimal(value).normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def _quantity_str(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text


# A month travels as "YYYY-MM"; handlers turn it into a Month with Month.parse().
MonthField = Annotated[str, BeforeValidator(_month)]
MoneyOut = Annotated[Decimal, PlainSerializer(money_str, return_type=str)]
PriceOut = Annotated[Decimal, PlainSerializer(_price_str, return_type=str)]
QuantityOut = Annotated[Decimal, PlainSerializer(_quantity_str, return_type=str)]
