"""Payment terms ("condições de pagamento"): the pure rules. No database.

A term (stored in ``customers.PaymentTerm``; the customer carries its code, an invoice a
copy of what it meant when issued) is a schedule of installments — (days after the issue
date, percent of the total) — and an optional early-payment discount (percent, days). "NET30"
is one installment of 100 % at 30 days; "30/60/90" three of 33.3333 / 33.3333 / 33.3334 %
(a third each, the last with the rest).

Due date of an installment = issue date + its days, moved to the next business day when it
falls on a weekend or a national holiday (``holidays`` library; the country and subdivision
come from ``FATURA_HOLIDAYS_COUNTRY`` / ``FATURA_HOLIDAYS_SUBDIV``). Amounts: each installment
but the last is its percent of the total cut down to cents, the last one takes what is left,
so they always add up to the total and none is negative (the rounding cent lands on the last).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

import holidays
from django.conf import settings

from fatura.core.money import to_money

HUNDRED = Decimal(100)
# Percents carry four places: a third is 33.3333 %, so 1,000.00 in thirds is 333.33 + 333.33
# + 333.34 (with two places, 33.33 % of 1,000.00 would be 333.30).
PERCENT_PLACES = 4
PERCENT_STEP = Decimal("0.0001")
MAX_INSTALLMENTS = 12
MAX_DAYS = 730  # two years after the issue date
MAX_DISCOUNT_PERCENT = Decimal("99.99")
# A code is what customers, invoices, the API and the URL /payment-terms/{code} carry.
CODE_PATTERN = r"^[A-Z0-9][A-Z0-9_/.-]{0,19}$"
_CODE = re.compile(CODE_PATTERN)


@dataclass(frozen=True)
class Installment:
    days: int
    percent: Decimal


@dataclass(frozen=True)
class TermRule:
    """What a payment term means: its installments and early-payment discount."""

    code: str
    label: str
    installments: tuple[Installment, ...]
    discount_percent: Decimal = Decimal("0")
    discount_days: int = 0

    @property
    def net_days(self) -> int:
        """Days to the last installment."""
        return self.installments[-1].days

    @property
    def has_discount(self) -> bool:
        return self.discount_percent > 0 and self.discount_days > 0

    def due_dates(self, invoice_date: dt.date) -> list[dt.date]:
        return [
            next_business_day(invoice_date + dt.timedelta(days=i.days)) for i in self.installments
        ]

    def due_date(self, invoice_date: dt.date) -> dt.date:
        """The first installment's due date."""
        return self.due_dates(invoice_date)[0]

    def amounts(self, total: Decimal) -> list[Decimal]:
        return split_amounts(total, [i.percent for i in self.installments])

    def discount_until(self, invoice_date: dt.date) -> dt.date | None:
        """Last day a payment earns the discount (not moved: the customer knows the date)."""
        if not self.has_discount:
            return None
        return invoice_date + dt.timedelta(days=self.discount_days)

    def discount_on(self, total: Decimal) -> Decimal:
        return to_money(total * self.discount_percent / HUNDRED)


def split_amounts(total: Decimal, percents: Sequence[Decimal]) -> list[Decimal]:
    """``total`` in installments of ``percents`` (summing to 100): each but the last is its
    percent of the total cut down to cents, the last takes the rest — the rounding cent(s) —
    so they add up to the total and none is negative (1,000.00 at 33.3333/33.3333/33.3334 →
    333.33, 333.33, 333.34)."""
    amounts = [
        (total * p / HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_DOWN) for p in percents[:-1]
    ]
    return [*amounts, to_money(total) - sum(amounts, Decimal("0.00"))]


def even_percents(count: int) -> list[Decimal]:
    """``count`` percents of four places adding to 100, the last taking the rest (3 →
    33.3333, 33.3333, 33.3334: a third of 1,000.00 is 333.33, where 33.33 % would be 333.30)."""
    share = (HUNDRED / count).quantize(PERCENT_STEP, rounding=ROUND_DOWN)
    return [share] * (count - 1) + [HUNDRED - share * (count - 1)]


def term_errors(
    *,
    code: str,
    label: str,
    installments: Sequence[dict[str, Any]],
    discount_percent: Any = 0,
    discount_days: Any = 0,
) -> list[dict[str, Any]]:
    """Every problem of a term as typed, each with its field (and installment ``line``):
    bounded code and label, 1 to 12 installments with days strictly ascending from 0 to 730,
    percents above zero with up to 4 places summing to exactly 100, and a discount of 0 to
    99.99 % for 0 to 730 days (both set, or neither)."""
    errors: list[dict[str, Any]] = []
    if not _CODE.match(code or ""):
        errors.append(
            {
                "field": "code",
                "message": "até 20 caracteres: letras maiúsculas, dígitos, _ / . -",
            }
        )
    if not (label or "").strip() or len(label) > 80:
        errors.append({"field": "label", "message": "obrigatória, até 80 caracteres"})
    if not installments or len(installments) > MAX_INSTALLMENTS:
        errors.append({"field": "installments", "message": f"de 1 a {MAX_INSTALLMENTS} parcelas"})
    last = -1
    total = Decimal(0)
    for line, item in enumerate(installments[:MAX_INSTALLMENTS], start=1):
        days = item.get("days")
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_DAYS:
            errors.append({"line": line, "field": "days", "message": f"de 0 a {MAX_DAYS} dias"})
        elif days <= last:
            errors.append({"line": line, "field": "days", "message": "deve crescer"})
        else:
            last = days
        percent = _decimal(item.get("percent"))
        if (
            percent is None
            or not 0 < percent <= HUNDRED
            or percent != round(percent, PERCENT_PLACES)
        ):
            errors.append(
                {"line": line, "field": "percent", "message": "maior que 0, até 100, 4 casas"}
            )
        else:
            total += percent
    if installments and not errors and total != HUNDRED:
        errors.append(
            {"field": "installments", "message": f"os percentuais somam {total}, não 100"}
        )
    percent = _decimal(discount_percent)
    days = discount_days
    if percent is None or not 0 <= percent <= MAX_DISCOUNT_PERCENT or percent != round(percent, 2):
        errors.append({"field": "discount_percent", "message": "de 0 a 99,99, 2 casas"})
    elif not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_DAYS:
        errors.append({"field": "discount_days", "message": f"de 0 a {MAX_DAYS} dias"})
    elif (percent > 0) != (days > 0):
        errors.append({"field": "discount_days", "message": "desconto: informe percentual e dias"})
    return errors


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, (bool, float)):
        return None if not isinstance(value, float) else _decimal(str(value))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@functools.cache
def _calendar(country: str, subdiv: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdiv or None)


def is_business_day(day: dt.date) -> bool:
    country = getattr(settings, "FATURA_HOLIDAYS_COUNTRY", "BR")
    subdiv = getattr(settings, "FATURA_HOLIDAYS_SUBDIV", "") or None
    return day.weekday() < 5 and day not in _calendar(country, subdiv)


def next_business_day(day: dt.date) -> dt.date:
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day
