"""core.money: cents rounded half-up in one place; API and pt-BR display forms."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fatura.core.money import (
    format_brl,
    format_decimal_br,
    line_amount,
    money_str,
    parse_decimal,
    to_money,
)
from fatura.core.schemas import _price_str, _quantity_str

amounts = st.decimals(
    min_value=Decimal("-1e11"), max_value=Decimal("1e11"), places=2, allow_nan=False
)
any_places = st.decimals(
    min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=6, allow_nan=False
)
quantities = st.decimals(min_value=0, max_value=Decimal("1e7"), places=6, allow_nan=False)
prices = st.decimals(min_value=0, max_value=Decimal("1e5"), places=4, allow_nan=False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("0.015", "0.02"),  # half-up, not banker's rounding (which gives 0.02 here too)
        ("0.025", "0.03"),  # banker's rounding would give 0.02
        ("2.675", "2.68"),
        ("-0.005", "-0.01"),  # half away from zero
        ("10", "10.00"),
        (7, "7.00"),
    ],
)
def test_to_money_rounds_half_up_to_cents(raw, expected):
    assert to_money(raw) == Decimal(expected)
    assert str(to_money(raw)) == expected


def test_to_money_refuses_floats():
    with pytest.raises(TypeError, match="float"):
        to_money(0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["abc", "", "1,50", "NaN", "Infinity"])
def test_to_money_refuses_what_is_not_an_amount(raw):
    with pytest.raises(ValueError, match="not an amount"):
        to_money(raw)


def test_line_amount_is_quantity_times_price_rounded_half_up():
    assert line_amount(Decimal("1500.5"), Decimal("0.3333")) == Decimal("500.12")  # 500.11665
    assert line_amount(Decimal("1"), Decimal("0.0050")) == Decimal("0.01")
    assert line_amount(Decimal("3"), Decimal("0.0015")) == Decimal("0.00")  # 0.0045


@given(cents=st.integers(min_value=0, max_value=10**9))
def test_half_a_cent_always_rounds_up(cents):
    """x.xx5 goes to the next cent, whatever the parity of the cent before it."""
    value = Decimal(cents) / 100 + Decimal("0.005")
    assert to_money(value) == Decimal(cents + 1) / 100


@given(value=any_places)
def test_to_money_is_within_half_a_cent_and_idempotent(value):
    rounded = to_money(value)
    assert rounded.as_tuple().exponent == -2
    assert abs(rounded - value) <= Decimal("0.005")
    assert to_money(rounded) == rounded


@given(quantity=quantities, price=prices)
def test_line_amount_matches_exact_product_rounded(quantity, price):
    """For amounts >= 0, half-up means the rounding error lies in (-0.005, +0.005]."""
    exact = quantity * price
    amount = line_amount(quantity, price)
    assert Decimal("-0.005") < amount - exact <= Decimal("0.005")
    assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("947.625"), "947.63"),
        (Decimal("0"), "0.00"),
        (Decimal("1E+3"), "1000.00"),
        (Decimal("-5.5"), "-5.50"),
    ],
)
def test_money_str_is_a_decimal_string_with_two_places(value, expected):
    assert money_str(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.56"), "R$ 1.234,56"),
        (Decimal("1234567.8"), "R$ 1.234.567,80"),
        (Decimal("0.5"), "R$ 0,50"),
        (Decimal("999.999"), "R$ 1.000,00"),
        (Decimal("-1234.56"), "-R$ 1.234,56"),
        (Decimal("-0.001"), "R$ 0,00"),  # no "negative zero"
        (None, ""),
    ],
)
def test_format_brl(value, expected):
    assert format_brl(value) == expected


def _parse_brl(text: str) -> Decimal:
    negative = text.startswith("-")
    value = parse_decimal(text.removeprefix("-").removeprefix("R$ "))
    return -value if negative else value


@given(value=amounts)
def test_format_brl_round_trips(value):
    text = format_brl(value)
    assert text.lstrip("-").startswith("R$ ")
    assert _parse_brl(text) == to_money(value)


@given(value=amounts)
def test_format_brl_groups_thousands_with_dots_and_cents_with_a_comma(value):
    text = format_brl(value).lstrip("-").removeprefix("R$ ")
    integer, cents = text.split(",")
    assert len(cents) == 2
    groups = integer.split(".")
    assert 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Decimal("1234.5"), None, "1.234,5"),
        (Decimal("1500.500000"), None, "1.500,5"),
        (Decimal("100"), None, "100"),
        (Decimal("1E+2"), None, "100"),
        (Decimal("0.3333"), None, "0,3333"),
        (Decimal("1234.5"), 2, "1.234,50"),
        (None, None, ""),
    ],
)
def test_format_decimal_br(value, places, expected):
    assert format_decimal_br(value, places) == expected


@given(value=quantities)
def test_format_decimal_br_round_trips(value):
    """Read back as pt-BR (dots group thousands, the comma separates decimals)."""
    text = format_decimal_br(value)
    assert Decimal(text.replace(".", "").replace(",", ".")) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("12.5000"), "12.50"),
        (Decimal("0.0125"), "0.0125"),
        (Decimal("100.0000"), "100.00"),
        (Decimal("0"), "0.00"),
    ],
)
def test_unit_prices_travel_with_two_to_four_places(value, expected):
    assert _price_str(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("1500.500000"), "1500.5"), (Decimal("100.000000"), "100"), (Decimal("0E-6"), "0")],
)
def test_quantities_travel_without_trailing_zeros(value, expected):
    assert _quantity_str(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.234,56", "1234.56"), ("1234,5", "1234.5"), ("947.63", "947.63"), (12, "12")],
)
def test_services_read_pt_br_and_api_numbers_alike(value, expected):
    from fatura.billing.services import parse_total_charged
    from fatura.receivables.common import parse_amount

    assert parse_decimal(value) == Decimal(expected)
    if Decimal(expected) == Decimal(expected).quantize(Decimal("0.01")):
        assert parse_amount(value, "amount") == Decimal(expected)
        assert parse_total_charged(value) == Decimal(expected)


@pytest.mark.parametrize("value", [None, True, "", "abc", "NaN", "1,2,3", Decimal("Infinity")])
def test_parse_decimal_refuses(value):
    with pytest.raises(ArithmeticError):
        parse_decimal(value)
