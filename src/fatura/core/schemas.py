"""Shared API field types: months as "YYYY-MM", amounts as decimal strings.

Amounts come in (``AmountIn``, ``QuantityIn``) as decimal strings or JSON numbers and reach the
services as text, which turn them into ``Decimal`` with the column's places and bounds (so the
API and the pages answer the same message); they go out as "0.00" strings (``MoneyOut``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

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


def _amount_text(value: object) -> str:
    """A JSON number arrives as int/float: its shortest repr is the literal the client sent
    (exact for amounts below 10¹² with two places), so Decimal never sees a binary float."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError('informe um valor decimal, ex.: "947.63"')
    return value if isinstance(value, str) else repr(value)


AmountIn = Annotated[
    str,
    BeforeValidator(_amount_text),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "number"}],
            "description": 'Valor decimal com até 2 casas, de preferência texto ("947.63").',
            "examples": ["947.63"],
        }
    ),
]
QuantityIn = Annotated[
    str,
    BeforeValidator(_amount_text),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}], "examples": ["1", "10.5"]}),
]
