"""core.withholdings: the rates and dispensations of current law (docs/decisions/0029)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fatura.core.withholdings import (
    WithholdingTax,
    normalized,
    total_withheld,
    withholdings,
)

FEDERAL = ["irrf", "pis", "cofins", "csll"]


def _amounts(gross: str, taxes: list[str], iss: str = "5.00") -> dict[str, str]:
    items = withholdings(Decimal(gross), taxes, iss_rate=Decimal(iss))
    return {item.tax: str(item.amount) for item in items}


def test_the_worked_check_10000_withholds_615():
    items = withholdings(Decimal("10000.00"), FEDERAL, iss_rate=Decimal("5"))
    assert [(i.tax, str(i.rate), str(i.amount)) for i in items] == [
        ("irrf", "1.50", "150.00"),
        ("pis", "0.65", "65.00"),
        ("cofins", "3.00", "300.00"),
        ("csll", "1.00", "100.00"),
    ]
    assert total_withheld(items) == Decimal("615.00")
    assert Decimal("10000.00") - total_withheld(items) == Decimal("9385.00")


def test_iss_at_the_service_rate_and_inss_at_11_percent():
    assert _amounts("1000.00", ["iss", "inss"], iss="2.00") == {"iss": "20.00", "inss": "110.00"}
    assert _amounts("10.00", ["iss"], iss="5.00") == {"iss": "0.50"}  # no federal minimum


@pytest.mark.parametrize(
    ("gross", "kept"),
    [("666.66", False), ("666.67", False), ("667.00", True)],  # 10.00, 10.00, 10.01 (1.5 %)
)
def test_irrf_of_10_reais_or_less_is_not_withheld(gross, kept):
    assert ("irrf" in _amounts(gross, ["irrf"])) is kept


@pytest.mark.parametrize(
    ("gross", "kept"),
    # 4.65 % combined: 1.40 + 6.45 + 2.15 = 10.00 (dispensed); 1.40 + 6.48 + 2.16 = 10.04
    [("215.05", False), ("215.06", False), ("216.00", True)],
)
def test_pis_cofins_csll_are_dispensed_together_at_10_reais_or_less(gross, kept):
    found = _amounts(gross, ["pis", "cofins", "csll"])
    assert (set(found) == {"pis", "cofins", "csll"}) is kept
    assert kept or not found


def test_one_contribution_alone_is_tested_alone():
    assert _amounts("400.00", ["cofins"]) == {"cofins": "12.00"}
    assert _amounts("300.00", ["cofins"]) == {}  # 9.00


@pytest.mark.parametrize(("gross", "kept"), [("90.00", False), ("90.91", True)])  # 9.90, 10.00
def test_inss_below_10_reais_is_not_withheld(gross, kept):
    assert ("inss" in _amounts(gross, ["inss"])) is kept


def test_taxes_are_listed_once_in_the_vocabulary_order_and_unknown_ones_refused():
    assert normalized(["csll", "iss", "csll", "irrf"]) == ["iss", "irrf", "csll"]
    with pytest.raises(ValueError, match="Retenção desconhecida: ir"):
        normalized(["ir"])
    assert WithholdingTax.values == ["iss", "irrf", "pis", "cofins", "csll", "inss"]
    assert withholdings(Decimal("0.00"), FEDERAL, iss_rate=Decimal(5)) == []
