"""Expected cash-in is computed once: ``receivables.cash_in.expected_payment_day`` (the due date
moved by the customer's mean delay, never before today). The cash-in page, the forecast's
fallback without a model and the backtest's baselines all call it, so they agree."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from fatura.forecast import backtest
from fatura.forecast.cash_flow import monday
from fatura.forecast.outlook import outlook
from fatura.receivables.cash_in import expected_cash_in, expected_payment_day, expected_payments
from tests.forecast.db_history import History
from tests.scenarios import NOW

TODAY = NOW.date()


def test_the_rule() -> None:
    day = dt.date(2026, 5, 5)
    rule = expected_payment_day
    assert rule(due_date=dt.date(2026, 6, 4), mean_delay=None, as_of=day) == dt.date(2026, 6, 4)
    assert rule(due_date=dt.date(2026, 6, 4), mean_delay=2.5, as_of=day) == dt.date(2026, 6, 6)
    assert rule(due_date=dt.date(2026, 6, 4), mean_delay=3.5, as_of=day) == dt.date(2026, 6, 8)
    assert rule(due_date=dt.date(2026, 6, 4), mean_delay=-3.0, as_of=day) == dt.date(2026, 6, 1)
    assert rule(due_date=dt.date(2026, 4, 1), mean_delay=10.0, as_of=day) == day  # overdue: now
    assert rule(due_date=None, mean_delay=None, as_of=day) == day


def test_the_page_and_the_forecast_without_a_model_agree(history: History) -> None:
    """No model trained: every open invoice the forecast predicts from its due date (no
    history) or its customer's steady habit is expected on the cash-in page's day, and in the
    cash-in report's week."""
    payments, _delays = expected_payments(as_of=TODAY)
    by_invoice = {p.invoice_id: p.day for p in payments}
    seen = outlook(TODAY)
    assert seen.model is None and seen.predictions
    assert {p.invoice_id for p in seen.predictions} == set(by_invoice)
    for prediction in seen.predictions:
        assert prediction.expected_date == by_invoice[prediction.invoice_id], prediction.number
    report = expected_cash_in(as_of=TODAY, weeks=12)
    weeks = {w.start: w.invoices for w in report.weeks if w.invoices}
    from_forecast: dict[dt.date, int] = {}
    for prediction in seen.predictions:
        start = monday(prediction.expected_date)
        from_forecast[start] = from_forecast.get(start, 0) + 1
    assert weeks == from_forecast


def test_a_customer_without_history_is_expected_on_its_due_date(books: Any) -> None:
    invoice = books.sent(books.customer(), amount="800.00")  # NET30: due 04/06/2026
    (prediction,) = outlook(TODAY).predictions
    (payment,) = expected_payments(as_of=TODAY)[0]
    assert prediction.basis == "due_date" and payment.invoice_id == invoice.pk
    assert prediction.expected_date == payment.day == invoice.due_date


def test_the_backtest_baselines_are_the_rule() -> None:
    cutoff = dt.date(2025, 3, 1)
    due = pl.Series([dt.date(2025, 3, 17), dt.date(2025, 3, 22), dt.date(2025, 2, 19)])
    delay = pl.Series([8.0, -2.5, None])
    history = backtest._expected_days(due, delay, cutoff).to_list()
    plain = backtest._expected_days(due, None, cutoff).to_list()
    for days, d, m in zip(history, due.to_list(), delay.to_list(), strict=True):
        expected = expected_payment_day(due_date=d, mean_delay=m, as_of=cutoff)
        assert days == (expected - cutoff).days
    assert history == [24.0, 19.0, 0.0]  # 16 + 8; 21 - 2 (half to even); overdue: now
    assert plain == [16.0, 21.0, 0.0]
