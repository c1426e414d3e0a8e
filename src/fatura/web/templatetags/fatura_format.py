"""Display filters for pt-BR readers: money, quantities, months, dates, activity labels.

{% load fatura_format %}
{{ invoice.total_due|brl }}            R$ 1.234,56
{{ line.unit_price|price_brl }}        R$ 12,50 or R$ 0,0125 (prices keep up to 4 places)
{{ line.quantity|decimal_br }}         1.234,5
{{ invoice.month|month_label }}        abril/2026
{{ invoice.issue_date|date_br }}       05/05/2026
{{ event.timestamp|datetime_br }}      05/05/2026 14:03
{{ event.activity|activity_label }}    Fatura criada
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone

from fatura.core.money import format_brl, format_decimal_br
from fatura.core.months import Month
from fatura.eventlog.activities import label

register = template.Library()


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


@register.filter
def brl(value: Any) -> str:
    amount = _decimal(value)
    return format_brl(amount) if amount is not None else ""


@register.filter
def price_brl(value: Any) -> str:
    """A unit price: two places when it has at most two, else its own places (up to 4)."""
    price = _decimal(value)
    if price is None:
        return ""
    if price == price.quantize(Decimal("0.01")):
        return format_brl(price)
    text = format_decimal_br(price.normalize())
    return f"-R$ {text[1:]}" if text.startswith("-") else f"R$ {text}"


@register.filter
def decimal_br(value: Any, places: Any = None) -> str:
    number = _decimal(value)
    if number is None:
        return ""
    return format_decimal_br(number, int(places) if places not in (None, "") else None)


@register.filter
def decimal_input(value: Any) -> str:
    """A decimal as typed in a pt-BR form field: ``1234,56`` (no thousands dots)."""
    number = _decimal(value)
    return "" if number is None else format(number, "f").replace(".", ",")


def as_month(value: Any) -> Month | None:
    if isinstance(value, Month):
        return value
    if isinstance(value, dt.date):
        return Month.of(value)
    if isinstance(value, str) and value:
        try:
            return Month.parse(value)
        except ValueError:
            return None
    return None


@register.filter
def month_label(value: Any) -> str:
    month = as_month(value)
    return month.label_pt() if month is not None else ""


@register.filter
def month_value(value: Any) -> str:
    """``2026-04``: the value of an ``<input type="month">``."""
    month = as_month(value)
    return str(month) if month is not None else ""


@register.filter
def date_br(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return ""


@register.filter
def datetime_br(value: Any) -> str:
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.strftime("%d/%m/%Y %H:%M")
    return date_br(value)


@register.filter
def activity_label(value: Any) -> str:
    return label(str(value or ""))


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


# Attributes worth a glance in the event list, in this order, with their pt-BR names.
_SUMMARY_KEYS = (
    ("customer", "cliente"),
    ("invoice_number", "fatura"),
    ("item", "item"),
    ("month", "mês"),
    ("quantity", "quantidade"),
    ("unit_price", "preço"),
    ("total_charged", "total cobrado"),
    ("filename", "arquivo"),
    ("rows", "linhas"),
)
_MONEY_KEYS = {"total_charged", "total_due", "amount"}


def _attribute_text(key: str, value: Any) -> str:
    if key in _MONEY_KEYS:
        return brl(value)
    if key == "unit_price":
        return price_brl(value)
    if key == "quantity":
        return decimal_br(value)
    if key in {"month", "valid_from"}:
        return month_label(value) or str(value)
    return str(value)


@register.filter
def attributes_summary(attributes: Any) -> str:
    if not isinstance(attributes, dict):
        return ""
    parts = [
        f"{name}: {_attribute_text(key, attributes[key])}"
        for key, name in _SUMMARY_KEYS
        if attributes.get(key) not in (None, "")
    ]
    return " · ".join(parts)


@register.filter
def attribute_value(value: Any, key: str) -> str:
    """One attribute for the timeline: money, quantities and months in pt-BR."""
    if isinstance(value, bool):
        return "sim" if value else "não"
    if isinstance(value, dt.date | dt.datetime):
        return datetime_br(value) if isinstance(value, dt.datetime) else date_br(value)
    if value is None:
        return "—"
    return _attribute_text(key, value)
