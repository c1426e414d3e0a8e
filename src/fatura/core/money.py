"""Money: ``Decimal`` with two places, rounded half-up in exactly one place."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str) -> Decimal:
    """Round to cents, half-up (R$ 0,005 -> R$ 0,01). Floats are refused: they lose cents."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal or a string")
    try:
        amount = Decimal(value)
        if not amount.is_finite():  # NaN quantizes to NaN without complaint
            raise InvalidOperation(value)
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def parse_decimal(value: Any) -> Decimal:
    """A number typed by a person or sent by a system: ``1234.5``, ``1234,5`` and ``1.234,5``
    all read as 1234.5 (with a comma, dots group thousands). Anything else — empty, text,
    NaN, infinity, ``None`` — raises :class:`decimal.InvalidOperation`."""
    if value is None or isinstance(value, bool):
        raise InvalidOperation(value)
    if isinstance(value, Decimal):
        number = value
    else:
        cleaned = str(value).strip().replace(" ", "")
        if "," in cleaned:
            cleaned = cleaned.replace(".", "").replace(",", ".")
        number = Decimal(cleaned)
    if not number.is_finite():
        raise InvalidOperation(value)
    return number


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """One invoice line: quantity x unit price, rounded half-up to cents."""
    return to_money(Decimal(quantity) * Decimal(unit_price))


def money_str(value: Decimal) -> str:
    """API form: a decimal string with two places, ``"947.63"``."""
    return f"{to_money(value):.2f}"


def format_brl(value: Decimal | None) -> str:
    """Display form for pt-BR readers: ``R$ 1.234,56`` (negative: ``-R$ 1.234,56``)."""
    if value is None:
        return ""
    amount = to_money(value)
    sign = "-" if amount < 0 else ""
    integer, cents = f"{abs(amount):.2f}".split(".")
    groups: list[str] = []
    while integer:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    return f"{sign}R$ {'.'.join(groups)},{cents}"


def format_decimal_br(value: Decimal | None, places: int | None = None) -> str:
    """A quantity for pt-BR readers: ``1.234,5`` (trailing zeros dropped unless places given)."""
    if value is None:
        return ""
    number = Decimal(value)
    if places is not None:
        text = f"{number:,.{places}f}"
    else:
        normalized = number.normalize()
        exponent = normalized.as_tuple().exponent
        digits = max(0, -exponent) if isinstance(exponent, int) else 0
        text = f"{number:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")
