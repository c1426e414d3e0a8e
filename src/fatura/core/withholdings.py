"""Withholdings ("retenções") on a service invoice: the taxes the customer (the tomador)
withholds from what it pays and pays to the tax authority itself. Pure: no database.

The rules of current law (docs/decisions/0029):

- ISS retido: the service's ISS rate on the gross value (LC 116/2003 art. 6; the municipality
  names who withholds). No federal minimum.
- IRRF 1.5 % on professional services (RIR/2018 art. 714); not withheld when the tax is
  R$ 10,00 or less (Lei 9.430/1996 art. 67).
- PIS 0.65 %, COFINS 3 %, CSLL 1 % (Lei 10.833/2003 arts. 30–31): not withheld when their
  *combined* retention is R$ 10,00 or less (art. 31 §3, as amended by Lei 13.137/2015 art. 24).
- INSS 11 % on services by cession of labour (Lei 8.212/1991 art. 31): not withheld when it is
  less than the minimum for a collection document, R$ 10,00 (IN RFB 2.110/2022; formerly IN RFB
  971/2009 art. 120, I).

Each amount is rounded half-up to cents on its own; the net is gross minus every amount kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from fatura.core.money import to_money

THRESHOLD = Decimal("10.00")


class WithholdingTax(models.TextChoices):
    ISS = "iss", _("ISS retido")
    IRRF = "irrf", _("IRRF")
    PIS = "pis", _("PIS")
    COFINS = "cofins", _("COFINS")
    CSLL = "csll", _("CSLL")
    INSS = "inss", _("INSS")


# Federal rates (%); ISS takes the service's rate.
RATES: dict[str, Decimal] = {
    WithholdingTax.IRRF: Decimal("1.50"),
    WithholdingTax.PIS: Decimal("0.65"),
    WithholdingTax.COFINS: Decimal("3.00"),
    WithholdingTax.CSLL: Decimal("1.00"),
    WithholdingTax.INSS: Decimal("11.00"),
}
# PIS, COFINS and CSLL are one retention for the R$ 10,00 test (Lei 10.833/2003 art. 31 §3)
CONTRIBUTIONS = (WithholdingTax.PIS, WithholdingTax.COFINS, WithholdingTax.CSLL)
ORDER = tuple(WithholdingTax.values)  # how an invoice lists them


@dataclass(frozen=True)
class Withheld:
    tax: str
    rate: Decimal  # percent
    amount: Decimal


def normalized(taxes: Iterable[str]) -> list[str]:
    """The taxes in the vocabulary's order, once each; ValueError naming an unknown one."""
    wanted = set(taxes)
    unknown = sorted(wanted - set(ORDER))
    if unknown:
        raise ValueError(f"Retenção desconhecida: {', '.join(unknown)}. Use {', '.join(ORDER)}.")
    return [tax for tax in ORDER if tax in wanted]


def withholdings(gross: Decimal, taxes: Iterable[str], *, iss_rate: Decimal) -> list[Withheld]:
    """What the customer withholds from ``gross`` for ``taxes``, after the dispensations."""
    kept: list[Withheld] = []
    chosen = normalized(taxes)
    if gross <= 0:
        return kept
    amounts = {
        tax: Withheld(tax, rate, to_money(gross * rate / 100))
        for tax in chosen
        for rate in [iss_rate if tax == WithholdingTax.ISS else RATES[tax]]
    }
    contributions = sum((amounts[t].amount for t in CONTRIBUTIONS if t in amounts), Decimal("0.00"))
    for tax, item in amounts.items():
        if item.amount <= 0:
            continue
        if tax == WithholdingTax.IRRF and item.amount <= THRESHOLD:
            continue
        if tax in CONTRIBUTIONS and contributions <= THRESHOLD:
            continue
        if tax == WithholdingTax.INSS and item.amount < THRESHOLD:
            continue
        kept.append(item)
    return kept


def total_withheld(items: Iterable[Withheld]) -> Decimal:
    return sum((item.amount for item in items), Decimal("0.00"))
