"""core.terms: payment terms' pure rules — installment amounts (the last takes the rounding
cent), due dates on business days, and the checks of a term as typed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fatura.core.terms import Installment, TermRule, even_percents, split_amounts, term_errors

THIRDS = TermRule(
    "30/60/90",
    "30/60/90 dias",
    (
        Installment(30, Decimal("33.3333")),
        Installment(60, Decimal("33.3333")),
        Installment(90, Decimal("33.3334")),
    ),
)


def test_thirds_of_1000_the_last_takes_the_cent():
    # 33.33 % of 1,000.00 would be 333.30: a third is 33.3333 %
    assert THIRDS.amounts(Decimal("1000.00")) == [
        Decimal("333.33"),
        Decimal("333.33"),
        Decimal("333.34"),
    ]


def test_the_issue_worked_check_due_dates():
    # 1 May is a holiday, then a weekend: Monday 4 May; 31 May is a Sunday: 1 June
    assert THIRDS.due_dates(dt.date(2026, 3, 2)) == [
        dt.date(2026, 4, 1),
        dt.date(2026, 5, 4),
        dt.date(2026, 6, 1),
    ]


def test_even_percents():
    assert even_percents(3) == [Decimal("33.3333"), Decimal("33.3333"), Decimal("33.3334")]
    assert even_percents(1) == [Decimal("100")]
    assert sum(even_percents(7)) == 100


@given(
    total=st.decimals(min_value=0, max_value=10**9, places=2),
    count=st.integers(min_value=1, max_value=12),
)
def test_installments_always_add_up_to_the_total(total, count):
    amounts = split_amounts(total, even_percents(count))
    assert sum(amounts) == total
    assert all(a >= 0 for a in amounts)
    assert len(amounts) == count


def _errors(**kw):
    base = {
        "code": "X1",
        "label": "Teste",
        "installments": [{"days": 30, "percent": "100"}],
        "discount_percent": 0,
        "discount_days": 0,
    }
    return {(e.get("line"), e["field"]) for e in term_errors(**{**base, **kw})}


def test_a_valid_term_has_no_errors():
    assert _errors() == set()
    assert (
        _errors(
            code="30/60/90",
            installments=[
                {"days": 30, "percent": "33.3333"},
                {"days": 60, "percent": "33.3333"},
                {"days": 90, "percent": "33.3334"},
            ],
        )
        == set()
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"code": "net30"}, (None, "code")),
        ({"code": "X" * 21}, (None, "code")),
        ({"label": " "}, (None, "label")),
        ({"installments": []}, (None, "installments")),
        (
            {"installments": [{"days": 1 + d, "percent": "1"} for d in range(13)]},
            (None, "installments"),
        ),
        (
            {"installments": [{"days": 30, "percent": "50"}, {"days": 30, "percent": "50"}]},
            (2, "days"),
        ),
        (
            {"installments": [{"days": 60, "percent": "50"}, {"days": 30, "percent": "50"}]},
            (2, "days"),
        ),
        ({"installments": [{"days": 731, "percent": "100"}]}, (1, "days")),
        ({"installments": [{"days": -1, "percent": "100"}]}, (1, "days")),
        ({"installments": [{"days": 30, "percent": "99.99"}]}, (None, "installments")),
        ({"installments": [{"days": 30, "percent": "100.001"}]}, (1, "percent")),
        ({"installments": [{"days": 30, "percent": "99.99999"}]}, (1, "percent")),
        (
            {"installments": [{"days": 30, "percent": "0"}, {"days": 60, "percent": "100"}]},
            (1, "percent"),
        ),
        ({"discount_percent": "2"}, (None, "discount_days")),
        ({"discount_percent": "100", "discount_days": 10}, (None, "discount_percent")),
        ({"discount_percent": "2", "discount_days": 999}, (None, "discount_days")),
    ],
)
def test_bad_terms_name_the_field(changes, expected):
    assert expected in _errors(**changes)
