"""The bounds of what Fatura accepts, in one place for the API schemas, the pages' forms and the
importers: a number must fit the ``DecimalField`` it goes into, a date lies from 1900-01-01 to
2200-12-31, text fits its column and holds no NUL byte or lone surrogate (neither can be stored
in PostgreSQL nor encoded as UTF-8). Each check raises ``ValueError`` with a pt-BR message; the
caller names the field (and the row, in a file)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from fatura.core.money import parse_decimal

MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2200, 12, 31)
_YEAR = "(19[0-9]{2}|2[01][0-9]{2}|2200)"
MONTH_PATTERN = f"^{_YEAR}-(0[1-9]|1[0-2])$"
DATE_PATTERN = f"^{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
DATETIME_PATTERN = f"^{_YEAR}-"


def decimal_bounds_message(max_digits: int, places: int) -> str:
    whole = max_digits - places
    return f"use no máximo {whole} dígitos antes da vírgula e {places} casas decimais"


def fit_decimal(
    value: Any,
    *,
    max_digits: int,
    places: int,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    positive: bool = False,
    nonzero: bool = False,
) -> Decimal:
    """``value`` (text as people type it, a Decimal) as a Decimal that fits
    ``DecimalField(max_digits, places)``; ``ValueError`` otherwise."""
    try:
        number = parse_decimal(value)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError('informe um valor decimal, ex.: "947.63"') from exc
    whole = max_digits - places
    exponent = number.normalize().as_tuple().exponent
    if abs(number) >= Decimal(10) ** whole or (isinstance(exponent, int) and -exponent > places):
        raise ValueError(decimal_bounds_message(max_digits, places))
    if positive and number <= 0:
        raise ValueError("informe um valor maior que zero")
    if minimum is not None and number < minimum:
        raise ValueError(f"informe um valor de pelo menos {minimum}")
    if maximum is not None and number > maximum:
        raise ValueError(f"informe um valor de no máximo {maximum}")
    if nonzero and number == 0:
        raise ValueError("informe um valor diferente de zero")
    return number


def check_decimal(
    value: str,
    *,
    max_digits: int,
    places: int,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    positive: bool = False,
    nonzero: bool = False,
) -> str:
    """The API's check: ``value`` unchanged when it fits (services parse it again)."""
    fit_decimal(
        value,
        max_digits=max_digits,
        places=places,
        minimum=minimum,
        maximum=maximum,
        positive=positive,
        nonzero=nonzero,
    )
    return value


def check_date(value: dt.date) -> dt.date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError("use uma data entre 1900-01-01 e 2200-12-31")
    return value


def check_text(value: str, *, max_length: int, required: bool = False) -> str:
    if "\x00" in value:
        raise ValueError("o texto não pode conter o caractere NUL")
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise ValueError("o texto contém um caractere inválido (surrogate isolado)")
    if len(value) > max_length:
        raise ValueError(f"use no máximo {max_length} caracteres")
    if required and not value.strip():
        raise ValueError("obrigatório")
    return value


# Django form validators (the pages): the same checks, as ValidationError.


def validate_text(value: str) -> None:
    """No NUL byte, no lone surrogate (max length is the field's own max_length)."""
    try:
        check_text(value, max_length=len(value))
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def validate_month_range(value: Any) -> None:
    """A ``Month`` from 1900-01 to 2200-12."""
    validate_date_range(value.first_day)


def validate_date_range(value: dt.date | dt.datetime) -> None:
    day = value.date() if isinstance(value, dt.datetime) else value
    try:
        check_date(day)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
