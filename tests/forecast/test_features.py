"""Features as of a day see nothing after it: computed on the whole history, they equal the
same features computed on the history cut at that day."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from fatura.forecast.facts import Facts
from fatura.forecast.features import FEATURES, features, open_rows, snapshots
from fatura.forecast.synthetic import generate


def cut(facts: Facts, day: dt.date) -> Facts:
    """The history as it was known at the end of ``day``."""
    inv = facts.invoices.filter(pl.col("sent_date") <= day).with_columns(
        paid_date=pl.when(pl.col("paid_date") <= day).then(pl.col("paid_date")),
        written_off_date=pl.when(pl.col("written_off_date") <= day).then(
            pl.col("written_off_date")
        ),
    )
    return Facts.of(
        inv,
        facts.reminders.filter(pl.col("date") <= day),
        facts.calls.filter(pl.col("date") <= day),
        facts.disputes.filter(pl.col("opened") <= day).with_columns(
            resolved=pl.when(pl.col("resolved") <= day).then(pl.col("resolved"))
        ),
    )


@pytest.fixture(scope="module")
def history() -> Facts:
    return generate(customers=60, months=18, seed=3)


@pytest.mark.parametrize("day", [dt.date(2024, 5, 17), dt.date(2024, 12, 31), dt.date(2025, 4, 2)])
def test_no_leakage(history: Facts, day: dt.date) -> None:
    full = features(history, open_rows(history, day)).select("invoice_id", *FEATURES)
    known = cut(history, day)
    truncated = features(known, open_rows(known, day)).select("invoice_id", *FEATURES)
    assert full.height > 20
    assert_frame_equal(full.sort("invoice_id"), truncated.sort("invoice_id"), rel_tol=1e-9)


def test_customer_history_by_hand() -> None:
    d = dt.date
    invoices = pl.DataFrame(
        {
            "invoice_id": [1, 2, 3, 4],
            "number": ["A", "B", "C", "D"],
            "customer_id": [7, 7, 7, 7],
            "segment": ["Varejo"] * 4,
            "business_unit": ["Cloud"] * 4,
            "region": ["Sul"] * 4,
            "collector": ["ana"] * 4,
            "amount": [100.0, 300.0, 200.0, 400.0],
            "open_cents": [0, 0, 0, 40000],
            "net_days": [30] * 4,
            "has_discount": [False] * 4,
            "sent_date": [d(2025, 1, 1), d(2025, 2, 1), d(2025, 3, 1), d(2025, 4, 1)],
            "due_date": [d(2025, 1, 31), d(2025, 3, 3), d(2025, 3, 31), d(2025, 5, 1)],
            "paid_date": [d(2025, 2, 10), d(2025, 3, 1), d(2025, 5, 5), None],
            "written_off_date": [None, None, None, None],
        }
    )
    reminders = pl.DataFrame(
        {"invoice_id": [4, 4], "date": [d(2025, 5, 8), d(2025, 5, 16)], "level": [1, 2]}
    )
    calls = pl.DataFrame({"invoice_id": [4], "date": [d(2025, 5, 20)], "outcome": ["no_answer"]})
    disputes = pl.DataFrame(
        {"invoice_id": [4], "customer_id": [7], "opened": [d(2025, 5, 10)], "resolved": [None]}
    )
    facts = Facts.of(invoices, reminders, calls, disputes)
    row = features(facts, pl.DataFrame({"invoice_id": [4], "as_of": [d(2025, 5, 18)]})).row(
        0, named=True
    )
    # paid before 18/05: A (10 days late), B (2 days early), C (35 days late)
    assert row["cust_paid_count"] == 3
    assert row["cust_mean_delay"] == pytest.approx((10 - 2 + 35) / 3)
    assert row["cust_on_time_rate"] == pytest.approx(1 / 3)
    assert row["amount_ratio"] == pytest.approx(400 / 200)  # usual: mean of 100, 300, 200
    assert (row["reminders"], row["max_reminder_level"], row["calls"]) == (2, 2, 0)
    assert row["open_dispute"] == 1 and row["cust_disputes_180d"] == 1
    assert row["days_to_due"] == -17 and row["days_since_sent"] == 47
    assert row["due_month"] == 5 and row["due_days_to_month_end"] == 30
    early = features(facts, pl.DataFrame({"invoice_id": [4], "as_of": [d(2025, 3, 1)]})).row(
        0, named=True
    )
    assert early["cust_paid_count"] == 1  # B is paid *on* 01/03: not before
    assert early["reminders"] == 0 and early["open_dispute"] == 0


def test_snapshots_only_see_what_was_known_at_the_cutoff(history: Facts) -> None:
    cutoff = dt.date(2024, 12, 31)
    rows = snapshots(history, cutoff=cutoff)
    joined = rows.join(history.invoices, on="invoice_id")
    assert joined.filter(pl.col("as_of") > cutoff).height == 0
    outcome = pl.coalesce("paid_date", "written_off_date")
    known = joined.filter(pl.col("written_off").is_not_null())
    assert known.filter(outcome > cutoff).height == 0
    assert known.filter(pl.col("as_of") >= outcome).height == 0
    paid = known.filter(pl.col("paid_date").is_not_null())
    assert (paid["days_to_pay"] == (paid["paid_date"] - paid["as_of"]).dt.total_days()).all()
    # still open at the cut-off but past due: late for certain, the rest unknown
    late_only = joined.filter(pl.col("written_off").is_null())
    assert late_only.height > 0
    assert late_only["late"].all() and late_only["days_to_pay"].is_null().all()
    assert (late_only["due_date"] < cutoff).all()
    assert late_only.filter(outcome.is_not_null() & (outcome <= cutoff)).height == 0
