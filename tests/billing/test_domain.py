"""billing.domain.compute_charge: lines rounded half-up to cents, total = sum of the lines."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fatura.billing.domain import ItemRef, PriceRef, compute_charge
from fatura.core.money import to_money
from fatura.core.months import Month

APRIL = Month(2026, 4)
quantities = st.decimals(min_value=0, max_value=Decimal("1e6"), places=6, allow_nan=False)
prices = st.decimals(min_value=0, max_value=Decimal("1e4"), places=4, allow_nan=False)
item_ids = st.integers(min_value=1, max_value=6)


def _items(ids: set[int]) -> dict[int, ItemRef]:
    return {i: ItemRef(i, f"Item {i}", "Produto", "un") for i in ids}


def _price(version_id: int, price: str | Decimal, month: Month) -> PriceRef:
    return PriceRef(version_id, Decimal(price), month.first_day)


def test_one_line_per_item_with_quantities_summed_before_rounding():
    computed = compute_charge(
        APRIL,
        [(1, Decimal("1")), (1, Decimal("1")), (2, Decimal("1500.5"))],
        {1: ItemRef(1, "b-item", "P", "un"), 2: ItemRef(2, "A-item", "P", "GB")},
        {1: [_price(10, "0.0050", APRIL)], 2: [_price(20, "0.3333", Month(2026, 1))]},
    )
    assert computed.problems == []
    assert [(line.item_name, line.quantity, line.amount) for line in computed.lines] == [
        ("A-item", Decimal("1500.5"), Decimal("500.12")),  # 500.11665
        ("b-item", Decimal("2"), Decimal("0.01")),  # 2 x 0.005 = 0.01 (not 0.01 + 0.01)
    ]
    assert computed.lines[0].price_version_id == 20
    assert computed.total_due == Decimal("500.13")


def test_the_price_version_in_force_in_the_month_is_used():
    versions = {1: [_price(10, "1.00", Month(2026, 1)), _price(11, "2.00", Month(2026, 5))]}
    items = _items({1})
    april = compute_charge(APRIL, [(1, Decimal("3"))], items, versions)
    may = compute_charge(Month(2026, 5), [(1, Decimal("3"))], items, versions)
    assert (april.lines[0].price_version_id, april.total_due) == (10, Decimal("3.00"))
    assert (may.lines[0].price_version_id, may.total_due) == (11, Decimal("6.00"))


def test_an_item_without_a_price_in_force_is_a_problem_not_a_line():
    computed = compute_charge(
        APRIL,
        [(1, Decimal("1")), (2, Decimal("1"))],
        _items({1, 2}),
        {1: [_price(10, "1", APRIL)], 2: [_price(20, "1", Month(2026, 5))]},
    )
    assert [line.billing_item_id for line in computed.lines] == [1]
    assert computed.problems == ["O item Item 2 não tem preço vigente em abril/2026."]


def test_no_consumption_no_lines():
    computed = compute_charge(APRIL, [], {}, {})
    assert computed.lines == [] and computed.total_due == Decimal("0.00")


@given(
    entries=st.lists(st.tuples(item_ids, quantities), max_size=20),
    item_prices=st.dictionaries(item_ids, prices, min_size=6, max_size=6),
)
def test_total_is_the_sum_of_lines_each_rounded_half_up(entries, item_prices):
    ids = {i for i, _ in entries}
    versions = {i: [_price(100 + i, item_prices[i], Month(2026, 1))] for i in ids}
    computed = compute_charge(APRIL, entries, _items(ids), versions)
    assert computed.problems == []
    assert computed.total_due == sum((line.amount for line in computed.lines), Decimal(0))
    assert len(computed.lines) == len(ids)
    for line in computed.lines:
        quantity = sum((q for i, q in entries if i == line.billing_item_id), Decimal(0))
        assert line.quantity == quantity
        assert line.unit_price == item_prices[line.billing_item_id]
        assert line.amount == to_money(quantity * line.unit_price)
        assert line.amount.as_tuple().exponent == -2
    names = [line.item_name.lower() for line in computed.lines]
    assert names == sorted(names)


@given(cents=st.integers(min_value=0, max_value=10**6))
def test_a_line_at_exactly_half_a_cent_rounds_up(cents):
    price = Decimal(cents) / 100 + Decimal("0.005")
    computed = compute_charge(APRIL, [(1, Decimal(1))], _items({1}), {1: [_price(1, price, APRIL)]})
    assert computed.total_due == Decimal(cents + 1) / 100
