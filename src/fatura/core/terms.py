"""Payment terms ("condições de pagamento") and due dates on business days.

Pure: no database. A term is a code stored on customers and invoices; its meaning (net days,
early-payment discount) lives here. Due date = invoice date + net days, moved to the next
business day when it falls on a weekend or a national holiday (``holidays`` library; the
country and subdivision come from ``FATURA_HOLIDAYS_COUNTRY`` / ``FATURA_HOLIDAYS_SUBDIV``).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal

import holidays
from django.conf import settings

from fatura.core.money import to_money


@dataclass(frozen=True)
class PaymentTerm:
    code: str
    label: str
    net_days: int
    discount_percent: Decimal = Decimal("0")
    discount_days: int = 0

    @property
    def has_discount(self) -> bool:
        return self.discount_percent > 0 and self.discount_days > 0

    def due_date(self, invoice_date: dt.date) -> dt.date:
        return next_business_day(invoice_date + dt.timedelta(days=self.net_days))

    def discount_until(self, invoice_date: dt.date) -> dt.date | None:
        """Last day a payment earns the discount (not moved: the customer knows the date)."""
        if not self.has_discount:
            return None
        return invoice_date + dt.timedelta(days=self.discount_days)

    def discount_on(self, total: Decimal) -> Decimal:
        return to_money(total * self.discount_percent / Decimal(100))


TERMS: dict[str, PaymentTerm] = {
    t.code: t
    for t in (
        PaymentTerm("NET30", "Líquido 30", 30),
        PaymentTerm("NET60", "Líquido 60", 60),
        PaymentTerm("DUE_ON_RECEIPT", "Vencimento no recebimento", 0),
        PaymentTerm("2_10_NET30", "2% 10, Líquido 30", 30, Decimal("2"), 10),
    )
}


def term(code: str) -> PaymentTerm:
    try:
        return TERMS[code]
    except KeyError:
        known = ", ".join(f"{t.code} ({t.label})" for t in TERMS.values())
        raise ValueError(f"Condição de pagamento desconhecida: {code!r}. Use {known}.") from None


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
