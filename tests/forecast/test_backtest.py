"""The backtest: rolling cut-offs that never train on what came after them, the metrics pinned on
a history small enough to score by hand, and on a generated history with learnable habits
the model beating both baselines on the date and on the weekly cash."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from threadpoolctl import threadpool_limits

from fatura.forecast.backtest import Backtest, as_json, backtest, cutoffs, fold, known_on
from fatura.forecast.facts import Facts
from fatura.forecast.features import snapshots
from fatura.forecast.model import PaymentModel, train
from fatura.forecast.synthetic import generate

END = dt.date(2026, 2, 19)  # generate(months=26) from 01/01/2024: its last day


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """One OpenMP thread: on a machine shared with other work, the GBM's spinning threads
    make a two-thread fit many times slower than a one-thread fit."""
    with threadpool_limits(limits=1):
        yield


class Spy:
    """A trainer that keeps what each fold trained on."""

    def __init__(self) -> None:
        self.frames: list[pl.DataFrame] = []

    def __call__(self, training: pl.DataFrame) -> PaymentModel | None:
        self.frames.append(training)
        return train(training)


@pytest.fixture(scope="module")
def mixed() -> Facts:
    # habits a customer's mean delay cannot tell: December/January slowdowns, disputes, the
    # bad payers' write-offs; the folds' horizons cover December and January
    return generate(
        customers=80, months=26, behaviours=("early", "late", "seasonal", "bad"), seed=2
    )


@pytest.fixture(scope="module")
def run(mixed: Facts) -> tuple[Backtest, Spy]:
    spy = Spy()
    with threadpool_limits(limits=1):
        return backtest(mixed, end=END, folds=2, trainer=spy), spy


def test_cutoffs_are_a_month_apart_and_leave_the_horizon_known() -> None:
    assert cutoffs(dt.date(2025, 12, 31), folds=3) == [
        dt.date(2025, 8, 8),
        dt.date(2025, 9, 8),
        dt.date(2025, 10, 8),  # 12 weeks before 31/12
    ]
    # the day of the month is kept, or the month's last day when it has fewer
    assert cutoffs(dt.date(2025, 8, 23), folds=2, horizon_weeks=12) == [
        dt.date(2025, 4, 30),
        dt.date(2025, 5, 31),
    ]


def test_the_model_beats_both_baselines(run: tuple[Backtest, Spy]) -> None:
    result, _ = run
    assert [f.cutoff for f in result.folds] == [dt.date(2025, 10, 27), dt.date(2025, 11, 27)]
    assert all(f.model_trained and f.basis == {"model": f.open_invoices} for f in result.folds)
    mean = result.mean
    for metric in ("mae_days", "wape"):
        assert mean[metric]["model"] < mean[metric]["customer_history"], metric
        assert mean[metric]["model"] < mean[metric]["due_date"], metric
    assert result.beats_baselines == {"mae_days": True, "wape": True}
    assert mean["brier"]["model"] < mean["brier"]["base_rate"]
    assert mean["auc"]["base_rate"] == 0.5 and mean["auc"]["model"] > 0.8
    assert 0.5 < mean["band_coverage"]["model"] <= 1


def test_folds_never_train_on_what_came_after_their_cutoff(
    mixed: Facts, run: tuple[Backtest, Spy]
) -> None:
    """Every training row is seen on or before the cut-off, of an invoice sent by then, and its
    targets were known on the cut-off: a payment or write-off on or before it, or (late)
    a due date already passed."""
    result, spy = run
    assert len(spy.frames) == 2
    for f, training in zip(result.folds, spy.frames, strict=True):
        assert training.height == f.train_rows > 0
        assert f.observed_until == f.cutoff + dt.timedelta(weeks=12)
        rows = training.join(mixed.invoices, on="invoice_id", how="left")
        assert rows["as_of"].max() <= f.cutoff  # type: ignore[operator]
        assert rows["sent_date"].max() <= f.cutoff  # type: ignore[operator]
        paid = rows.filter(pl.col("days_to_pay").is_not_null())
        assert paid["paid_date"].max() <= f.cutoff  # type: ignore[operator]
        paid_on = pl.col("as_of") + pl.duration(days=pl.col("days_to_pay").cast(pl.Int64))
        assert paid.select((paid_on == pl.col("paid_date")).all()).item()
        lost = rows.filter(pl.col("written_off").fill_null(False))
        assert lost.height == 0 or lost["written_off_date"].max() <= f.cutoff  # type: ignore[operator]
        on_time = rows.filter(~pl.col("late"))
        assert (on_time["paid_date"] <= on_time["due_date"]).all()
        late = rows.filter(pl.col("late") & pl.col("days_to_pay").is_null())
        known_late = (pl.col("written_off_date") <= f.cutoff) | (pl.col("due_date") < f.cutoff)
        assert late.select(known_late.fill_null(False).all()).item()


def test_a_different_future_trains_the_same_fold(mixed: Facts) -> None:
    """Everything after the cut-off changed (payments a month later, new invoices dropped):
    the fold trains on exactly the same rows and predicts the same."""
    cutoff = dt.date(2025, 6, 10)
    inv = mixed.invoices
    later = pl.duration(days=30)
    other = Facts(
        inv.filter(pl.col("sent_date") <= cutoff).with_columns(
            paid_date=pl.when(pl.col("paid_date") > cutoff)
            .then(pl.col("paid_date") + later)
            .otherwise(pl.col("paid_date"))
        ),
        mixed.reminders.filter(pl.col("date") <= cutoff),
        mixed.calls,
        mixed.disputes,
    )
    spies = Spy(), Spy()
    fold(mixed, cutoff, trainer=spies[0])
    fold(other, cutoff, trainer=spies[1])
    assert_frame_equal(spies[0].frames[0], spies[1].frames[0])
    assert_frame_equal(known_on(mixed, cutoff).invoices, known_on(other, cutoff).invoices)


def test_the_result_is_json(run: tuple[Backtest, Spy]) -> None:
    document = json.loads(json.dumps(as_json(run[0])))
    assert set(document) == {"end", "horizon_weeks", "folds", "mean", "beats_baselines"}
    assert document["end"] == "2026-02-19" and document["horizon_weeks"] == 12
    first = document["folds"][0]
    assert first["cutoff"] == "2025-10-27" and first["observed_until"] == "2026-01-19"
    assert set(first["mae_days"]) == set(first["wape"]) == {"model", "due_date", "customer_history"}
    assert set(first["brier"]) == set(first["auc"]) == {"model", "base_rate", "customer_history"}
    assert set(document["mean"]) == {"mae_days", "wape", "brier", "auc", "band_coverage"}


# --- the metrics by hand ------------------------------------------------------------------------

CUTOFF = dt.date(2025, 3, 1)


def _invoice(
    invoice_id: int, customer: int, sent: str, due: str, amount: float, *, paid: str = "",
    written_off: str = "",
) -> dict[str, Any]:  # fmt: skip
    def day(text: str) -> dt.date | None:
        return dt.date.fromisoformat(text) if text else None

    return {
        "invoice_id": invoice_id,
        "number": f"FAT-{invoice_id}",
        "customer_id": customer,
        "segment": "Varejo",
        "business_unit": "Cloud",
        "region": "Sul",
        "collector": "",
        "amount": amount,
        "open_cents": 0,
        "net_days": 30,
        "has_discount": False,
        "sent_date": day(sent),
        "due_date": day(due),
        "paid_date": day(paid),
        "written_off_date": day(written_off),
    }


@pytest.fixture
def tiny() -> Facts:
    """Closed by the cut-off (01/03/2025): A (customer 1) paid 8 days late, B (customer 2) 2
    days early, W (customer 3) written off. Open on it: X (1) due in 16 days, paid in 24; Y
    (2) due in 21, paid in 19; Z (1) 10 days overdue, paid in 3; V (3) due in 26, never paid."""
    rows = [
        _invoice(1, 1, "2025-01-01", "2025-01-31", 800, paid="2025-02-08"),  # A
        _invoice(2, 2, "2025-01-10", "2025-02-09", 900, paid="2025-02-07"),  # B
        _invoice(3, 3, "2024-11-01", "2024-12-01", 700, written_off="2025-02-20"),  # W
        _invoice(4, 1, "2025-02-15", "2025-03-17", 1000, paid="2025-03-25"),  # X
        _invoice(5, 2, "2025-02-20", "2025-03-22", 2000, paid="2025-03-20"),  # Y
        _invoice(6, 1, "2025-01-20", "2025-02-19", 500, paid="2025-03-04"),  # Z
        _invoice(7, 3, "2025-02-25", "2025-03-27", 300),  # V
    ]
    return Facts.of(pl.DataFrame(rows, infer_schema_length=None))


def test_metrics_by_hand_when_there_is_no_model(tiny: Facts) -> None:
    """Too little history: every prediction falls back to the due date (P10 = P50 = days to
    due, P90 = 30 days later; lateness and write-off at the base rates 2/3 and 1/3)."""
    f = fold(tiny, CUTOFF, trainer=lambda _training: None)
    assert not f.model_trained and f.basis == {"due_date": 4}
    training = snapshots(known_on(tiny, CUTOFF), cutoff=CUTOFF)
    assert f.train_rows == training.height >= 4 + 3 + 7  # A, B and W seen while open
    assert (f.open_invoices, f.paid) == (4, 3)  # X, Y, Z paid within 12 weeks; V never
    # days to pay: X 24, Y 19, Z 3. Model (= due date): 16, 21, 0; history: due + the
    # customer's mean delay, 16 + 8 = 24, 21 - 2 = 19, max(-10 + 8, 0) = 0
    assert f.mae_days["model"] == pytest.approx((8 + 2 + 3) / 3)
    assert f.mae_days["due_date"] == pytest.approx((8 + 2 + 3) / 3)
    assert f.mae_days["customer_history"] == pytest.approx(3 / 3)
    assert f.band_coverage == pytest.approx(2 / 3)  # Y (19) is below its band 21–51
    # lateness: Z was overdue (left out); X late, Y on time, V unpaid past its due date
    assert (f.overdue_excluded, f.lateness_invoices) == (1, 3)
    assert f.late_share == pytest.approx(2 / 3)
    assert f.brier["model"] == pytest.approx(2 / 9)  # 2/3 for all: (1/9 + 4/9 + 1/9) / 3
    assert f.brier["base_rate"] == pytest.approx(2 / 9)
    # the customers' late shares, one base-rate invoice added: 1 -> (1 + 2/3) / 2 = 5/6,
    # 2 -> (0 + 2/3) / 2 = 1/3, 3 -> 5/6
    assert f.brier["customer_history"] == pytest.approx(((1 / 6) ** 2 * 2 + (1 / 3) ** 2) / 3)
    assert f.auc == {"model": 0.5, "base_rate": 0.5, "customer_history": 1.0}
    # weekly cash (week 0 = days 1–7): actual Z 500 in week 0, Y 2000 in week 2, X 1000 in 3
    assert f.cash_in_cents == 350_000
    # due date: Z week 0, X (16) and Y (21) week 2, V (26) week 3: |0| + |3000 - 2000| +
    # |300 - 1000| = 1700; history: X (24) moves to week 3: |1300 - 1000| = 300
    assert f.wape["due_date"] == pytest.approx(1700 / 3500)
    assert f.wape["customer_history"] == pytest.approx(300 / 3500)
    # model: 2/3 of each amount (write-off 1/3), 30/40/30 on P10/P50/P90 -> week 0: Z 233.33;
    # week 2: X 466.67 + Y 933.33 + Z's P90 (20) 100; week 3: V 140; week 6: X's P90 (46)
    # 200; week 7: Y's P90 (51) 400 + V's (56) 60
    errors = (500 - 700 / 3) + (2000 - 1500) + (1000 - 140) + 200 + 460
    assert f.wape["model"] == pytest.approx(errors / 3500)


def test_known_on_cuts_the_history_at_the_end_of_the_day(tiny: Facts) -> None:
    known = known_on(tiny, dt.date(2025, 2, 19)).invoices.sort("invoice_id")
    assert known["invoice_id"].to_list() == [1, 2, 3, 4, 6]  # Y and V sent later
    assert known["paid_date"].to_list() == [
        dt.date(2025, 2, 8),
        dt.date(2025, 2, 7),
        None,
        None,
        None,
    ]
    assert known["written_off_date"].null_count() == 5  # W's write-off came on 20/02
