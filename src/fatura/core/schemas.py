"""Shared API field types: months as "YYYY-MM", amounts as decimal strings, and the bounds every
input carries so that OpenAPI tells clients the truth and bad input is a 422 naming the field
before a service runs.

Amounts come in (``AmountIn``, ``QuantityIn`` and their kin) as decimal strings or JSON numbers
within the digits and places of their column, and reach the services as text, which turn them
into ``Decimal`` (so the API and the pages answer the same message); they go out as "0.00"
strings (``MoneyOut``). Dates are from 1900-01-01 to 2200-12-31 (``DateIn``), months the same
years (``MonthField``); text has its column's max length and no NUL byte or lone surrogate
(``text_in``). The pages' forms and the importers apply the same bounds (``fatura.core.bounds``)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from annotated_types import GroupedMetadata
from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema

from fatura.core.bounds import (
    DATE_PATTERN,
    DATETIME_PATTERN,
    MAX_DATE,
    MIN_DATE,
    MONTH_PATTERN,
    check_date,
    check_decimal,
    check_text,
)
from fatura.core.money import money_str
from fatura.core.months import Month


def _month(value: object) -> str:
    if isinstance(value, Month):
        return str(value)
    try:
        month = Month.parse(str(value))
    except ValueError as exc:
        raise ValueError("mês deve estar no formato AAAA-MM") from exc
    if not MIN_DATE.year <= month.year <= MAX_DATE.year:
        raise ValueError("use um mês entre 1900-01 e 2200-12")
    return str(month)


def _price_str(value: Decimal) -> str:
    """Unit prices keep up to 4 places but never fewer than 2: "12.50", "0.0125"."""
    text = format(Decimal(value).normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def _quantity_str(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text


# A month travels as "YYYY-MM"; handlers turn it into a Month with Month.parse().
MonthField = Annotated[
    str,
    BeforeValidator(_month),
    WithJsonSchema({"type": "string", "pattern": MONTH_PATTERN, "examples": ["2026-04"]}),
]
MoneyOut = Annotated[Decimal, PlainSerializer(money_str, return_type=str)]
PriceOut = Annotated[Decimal, PlainSerializer(_price_str, return_type=str)]
QuantityOut = Annotated[Decimal, PlainSerializer(_quantity_str, return_type=str)]


def _amount_text(value: object) -> str:
    """A JSON number arrives as int/float: its shortest repr is the literal the client sent
    (exact for amounts below 10¹² with two places), so Decimal never sees a binary float."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError('informe um valor decimal, ex.: "947.63"')
    return value if isinstance(value, str) else repr(value)


@dataclass(frozen=True)
class _Group(GroupedMetadata):
    """Several pydantic annotations as one: ``Annotated[str, text_in(200)]``."""

    items: tuple[object, ...]

    def __iter__(self) -> Iterator[object]:
        return iter(self.items)


def decimal_in(
    *,
    max_digits: int,
    places: int,
    minimum: str | None = None,
    maximum: str | None = None,
    pattern: str | None = None,
    positive: bool = False,
    nonzero: bool = False,
    description: str = "",
    example: str = "947.63",
    checked: bool = True,
) -> GroupedMetadata:
    """The checks of a decimal input (``Annotated[str, decimal_in(...)]``) that fits a
    ``DecimalField(max_digits, decimal_places=places)``: text
    or a JSON number, at most ``max_digits - places`` digits before the point and ``places``
    after it (``minimum``: the least value; ``positive``: above zero; ``nonzero``: not zero).
    The schema says so with a pattern (text) and bounds (number)."""
    whole = max_digits - places
    sign = "" if (positive or (minimum is not None and Decimal(minimum) >= 0)) else "-?"
    fraction = f"([.][0-9]{{1,{places}}})?" if places else ""
    text: dict[str, Any] = {
        "type": "string",
        "pattern": pattern or f"^{sign}[0-9]{{1,{whole}}}{fraction}$",
    }
    number: dict[str, Any] = {"type": "number", "exclusiveMaximum": 10**whole}
    if maximum is not None:
        number = {"type": "number", "maximum": float(maximum)}
    if places:
        number["multipleOf"] = float(Decimal(1).scaleb(-places))
    if positive:
        number["exclusiveMinimum"] = 0
        text = {**text, "allOf": [{"pattern": "[1-9]"}]}
    elif minimum is not None:
        number["minimum"] = float(minimum)
    else:
        number["exclusiveMinimum"] = -(10**whole)
    if nonzero:
        text = {**text, "allOf": [{"pattern": "[1-9]"}]}
        number["not"] = {"const": 0}
    schema = {"anyOf": [text, number], "examples": [example]}
    if description:
        schema["description"] = description

    def text_of(value: object) -> str:
        """A JSON number a hair off the column's places (0.57 arriving as
        0.5700000000000001 after binary arithmetic on the client) is read at those places."""
        if isinstance(value, float) and places and math.isfinite(value) and abs(value) < 1e15:
            rounded = round(Decimal(repr(value)), places)
            if abs(float(rounded) - value) <= 1e-9 * max(1.0, abs(value)):
                return str(rounded)
        return _amount_text(value)

    def check(value: str) -> str:
        return check_decimal(
            value,
            max_digits=max_digits,
            places=places,
            minimum=Decimal(minimum) if minimum is not None else None,
            maximum=Decimal(maximum) if maximum is not None else None,
            positive=positive,
            nonzero=nonzero,
        )

    if not checked:  # the service checks it and names the row (invoice lines)
        return _Group((BeforeValidator(text_of), WithJsonSchema(schema)))
    return _Group((BeforeValidator(text_of), AfterValidator(check), WithJsonSchema(schema)))


# Money columns are DecimalField(max_digits=14, decimal_places=2); quantities 18/6; unit
# prices 14/4.
AmountIn = Annotated[
    str,
    decimal_in(
        max_digits=14,
        places=2,
        description='Valor decimal com até 2 casas, de preferência texto ("947.63").',
    ),
]
PositiveAmountIn = Annotated[
    str,
    decimal_in(
        max_digits=14,
        places=2,
        positive=True,
        description='Valor maior que zero, até 2 casas, de preferência texto ("947.63").',
    ),
]
SignedAmountIn = Annotated[
    str,
    decimal_in(
        max_digits=14,
        places=2,
        nonzero=True,
        description="Valor diferente de zero, até 2 casas; com sinal.",
    ),
]
QuantityIn = Annotated[str, decimal_in(max_digits=18, places=6, example="10.5")]
PriceIn = Annotated[
    str,
    decimal_in(
        max_digits=14,
        places=4,
        minimum="0",
        description="Preço unitário, até 4 casas.",
        example="12.50",
    ),
]


def _date_value(value: object) -> object:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError("data inválida; use AAAA-MM-DD") from exc
    return value


def _date_range(value: dt.date) -> dt.date:
    check_date(value)
    return value


DateIn = Annotated[
    dt.date,
    BeforeValidator(_date_value),
    AfterValidator(_date_range),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
"""A day from 1900-01-01 to 2200-12-31, as "AAAA-MM-DD"."""


def _blank_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


OptionalDateIn = Annotated[DateIn | None, BeforeValidator(_blank_none)]
"""An optional day in a query string: absent or empty means the default."""


def _day_text(value: str) -> str:
    if value.strip():
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError("data inválida; use AAAA-MM-DD") from exc
        check_date(day)
    return value


DayText = Annotated[
    str,
    AfterValidator(_day_text),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
"""A day kept as text for a handler that parses it ("" = not given), checked and bounded."""


def _moment_text(value: str) -> str:
    if value.strip():
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError("data e hora inválidas; use AAAA-MM-DDTHH:MM") from exc
        check_date(moment.date())
    return value


MomentText = Annotated[
    str,
    AfterValidator(_moment_text),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN}),
]
"""An instant kept as text (ISO 8601, "" = not given), checked and bounded."""


def _datetime_range(value: dt.datetime) -> dt.datetime:
    check_date(value.date())
    return value


DateTimeIn = Annotated[
    dt.datetime,
    AfterValidator(_datetime_range),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN}),
]
"""An instant from 1900 to 2200 (ISO 8601)."""

# Text patterns: no NUL byte anywhere (JSON may carry \u0000); a required text has one
# character that is not a space.
TEXT_PATTERN = "^[^\\u0000]*$"
REQUIRED_TEXT_PATTERN = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


def text_in(
    max_length: int, *, required: bool = False, description: str = "", checked: bool = True
) -> GroupedMetadata:
    """The checks of text (``Annotated[str, text_in(80)]``) for a column of ``max_length``
    characters: no NUL byte, no lone surrogate (they
    cannot be stored nor encoded); ``required``: not blank."""

    def check(value: str) -> str:
        return check_text(value, max_length=max_length, required=required)

    schema: dict[str, Any] = {
        "type": "string",
        "maxLength": max_length,
        "pattern": REQUIRED_TEXT_PATTERN if required else TEXT_PATTERN,
    }
    if required:
        schema["minLength"] = 1
    if description:
        schema["description"] = description
    if not checked:  # the service checks it and names the row (invoice lines)
        return _Group((WithJsonSchema(schema),))
    return _Group((AfterValidator(check), WithJsonSchema(schema)))


ReportFormat = Literal["json", "csv", "pdf"]
"""A report endpoint's ``format``."""
Username = Annotated[str, text_in(150)]
"""A user's username (a collector)."""
InvoiceNumber = Annotated[str, text_in(20, required=True, description="Número da fatura.")]
"""An invoice's number (or a credit/debit note's) in a path."""
SearchText = Annotated[str, text_in(200, description="Busca por parte do texto.")]
"""A search box's text."""


def patterned(
    pattern: str, message: str, *, part: str | None = None, **schema: Any
) -> GroupedMetadata:
    """Text that matches ``pattern`` (ECMA and Python alike), refused with ``message``
    (``{value!r}`` is filled in) so the 422 says what was wrong in pt-BR. ``part``: a list
    separated by commas whose items each match ``part``; the message names the first bad one."""
    compiled = re.compile(pattern)
    item = re.compile(part) if part else None

    def check(value: str) -> str:
        if not compiled.search(value):
            bad = value
            if item is not None:
                pieces = [piece.strip() for piece in value.split(",")]
                bad = next((piece for piece in pieces if not item.fullmatch(piece)), value)
            raise ValueError(message.format(value=bad))
        return value

    return _Group(
        (AfterValidator(check), WithJsonSchema({"type": "string", "pattern": pattern, **schema}))
    )


# Row ids: BigAutoField (1 .. 2⁶³-1).
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A row id: a positive 64-bit integer."""


def _literal_options(expected: str) -> str:
    return ", ".join(part.strip(" '") for part in expected.replace(" or ", ", ").split(","))


def error_message(error: dict[str, Any]) -> str:
    """A pydantic error as the pt-BR message the API answers for its field (our own
    validators' messages as they are)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg", "")).removeprefix("Value error, ")
    messages = {
        "missing": "obrigatório",
        "literal_error": f"valor inválido; use um de: {_literal_options(str(ctx.get('expected')))}",
        "enum": f"valor inválido; use um de: {_literal_options(str(ctx.get('expected')))}",
        "string_too_long": f"use no máximo {ctx.get('max_length')} caracteres",
        "string_too_short": "obrigatório",
        "string_pattern_mismatch": "formato inválido",
        "too_short": f"informe ao menos {ctx.get('min_length')} item(ns)",
        "too_long": f"informe no máximo {ctx.get('max_length')} itens",
        "greater_than_equal": f"use um valor de pelo menos {ctx.get('ge')}",
        "greater_than": f"use um valor maior que {ctx.get('gt')}",
        "less_than_equal": f"use um valor de no máximo {ctx.get('le')}",
        "less_than": f"use um valor menor que {ctx.get('lt')}",
        "int_parsing": "informe um número inteiro",
        "int_type": "informe um número inteiro",
        "int_from_float": "informe um número inteiro",
        "date_from_datetime_parsing": "data inválida; use AAAA-MM-DD",
        "date_parsing": "data inválida; use AAAA-MM-DD",
        "date_type": "data inválida; use AAAA-MM-DD",
        "datetime_parsing": "data e hora inválidas; use AAAA-MM-DDTHH:MM",
        "datetime_from_date_parsing": "data e hora inválidas; use AAAA-MM-DDTHH:MM",
        "datetime_type": "data e hora inválidas; use AAAA-MM-DDTHH:MM",
        "string_type": "informe um texto",
        "bool_parsing": "informe true ou false",
        "list_type": "informe uma lista",
        "dict_type": "informe um objeto",
        "model_attributes_type": "informe um objeto",
    }
    return messages.get(kind, str(error.get("msg", "")))


__all__ = [
    "MAX_DATE",
    "MIN_DATE",
    "AmountIn",
    "DateIn",
    "DateTimeIn",
    "DayText",
    "Id",
    "InvoiceNumber",
    "MomentText",
    "MoneyOut",
    "MonthField",
    "OptionalDateIn",
    "PositiveAmountIn",
    "PriceIn",
    "PriceOut",
    "QuantityIn",
    "QuantityOut",
    "ReportFormat",
    "SearchText",
    "SignedAmountIn",
    "Username",
    "decimal_in",
    "error_message",
    "patterned",
    "text_in",
]
