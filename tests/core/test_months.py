"""core.months: the Month value type ("2026-04")."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fatura.core.months import Month

months = st.builds(Month, st.integers(min_value=1901, max_value=9990), st.integers(1, 12))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-04", Month(2026, 4)), (" 2026-12 ", Month(2026, 12)), ("1999-01", Month(1999, 1))],
)
def test_parse(text, expected):
    assert Month.parse(text) == expected


@pytest.mark.parametrize("text", ["2026-4", "2026-13", "2026-00", "04/2026", "2026-04-01", ""])
def test_parse_refuses_what_is_not_yyyy_mm(text):
    with pytest.raises(ValueError, match="month"):
        Month.parse(text)


def test_days_and_label():
    month = Month.parse("2024-02")
    assert month.first_day == dt.date(2024, 2, 1)
    assert month.last_day == dt.date(2024, 2, 29)
    assert Month(2026, 4).label_pt() == "abril/2026"
    assert Month(2026, 3).label_pt() == "março/2026"
    assert str(Month(2026, 4)) == "2026-04"


@given(month=months)
def test_str_and_parse_round_trip(month):
    assert Month.parse(str(month)) == month


@given(month=months)
def test_next_and_previous_are_inverse_and_adjacent(month):
    assert month.next().previous() == month
    assert month.previous().next() == month
    assert month.next().first_day == month.last_day + dt.timedelta(days=1)
    assert month.previous() < month < month.next()


@given(a=months, b=months)
def test_ordering_is_calendar_order(a, b):
    assert (a < b) == (a.first_day < b.first_day)
    assert (a == b) == (a.first_day == b.first_day)
    assert (a <= b) == ((a.year, a.month) <= (b.year, b.month))


@given(day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_of_a_date_contains_it(day):
    month = Month.of(day)
    assert month.first_day <= day <= month.last_day


@given(month=months, steps=st.integers(min_value=0, max_value=60))
def test_next_n_times_adds_n_months(month, steps):
    moved = month
    for _ in range(steps):
        moved = moved.next()
    assert moved.year * 12 + moved.month == month.year * 12 + month.month + steps


def test_the_last_month_has_a_last_day():
    assert Month(9999, 12).last_day == dt.date(9999, 12, 31)


def test_december_and_january_cross_the_year():
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2027, 1).previous() == Month(2026, 12)


def test_months_are_hashable_values():
    assert {Month(2026, 4), Month.parse("2026-04")} == {Month(2026, 4)}
    with pytest.raises(ValueError, match="not a month"):
        Month(2026, 13)
