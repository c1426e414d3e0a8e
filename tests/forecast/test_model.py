"""The model recovers known behaviour from generated histories and claims no confidence it
lacks on noise."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from fatura.forecast.facts import Facts
from fatura.forecast.features import features, open_rows, snapshots, with_targets
from fatura.forecast.model import PaymentModel, train
from fatura.forecast.synthetic import generate

CUTOFF = dt.date(2025, 7, 1)


def fitted(facts: Facts) -> PaymentModel:
    model = train(features(facts, snapshots(facts, cutoff=CUTOFF)))
    assert model is not None
    return model


def outcomes(facts: Facts, model: PaymentModel) -> pl.DataFrame:
    """Invoices open at the cutoff with what the model said and what happened."""
    rows = features(facts, with_targets(open_rows(facts, CUTOFF), facts)).join(
        facts.invoices.select("invoice_id", "customer_id", "due_date", "paid_date"),
        on=["invoice_id", "customer_id"],
    )
    x = model.matrix(rows)
    days = model.days(x)
    return rows.with_columns(
        p10=days[:, 0], p50=days[:, 1], p90=days[:, 2], late_p=model.late_probability(x)
    )


@pytest.fixture(scope="module")
def mixed() -> Facts:
    return generate(customers=250, months=24, seed=1)


@pytest.fixture(scope="module")
def mixed_model(mixed: Facts) -> PaymentModel:
    return fitted(mixed)


def _delay(frame: pl.DataFrame) -> np.ndarray:
    """Predicted delay against the due date: P50 days from the as-of minus days to due."""
    return (frame["p50"] - frame["days_to_due"]).to_numpy()


def test_recovers_early_and_late_payers(mixed: Facts, mixed_model: PaymentModel) -> None:
    result = outcomes(mixed, mixed_model).filter(pl.col("days_to_due") >= 0)  # not yet due
    kinds = (result["customer_id"] - 1) % 5  # generate(): behaviours in turn
    early = _delay(result.filter(kinds == 0))
    late = _delay(result.filter(kinds == 1))
    assert np.median(early) == pytest.approx(-5, abs=3)
    assert np.median(late) == pytest.approx(30, abs=5)
    late_p = result["late_p"].to_numpy()
    assert late_p[(kinds == 0).to_numpy()].mean() < 0.15
    assert late_p[(kinds == 1).to_numpy()].mean() > 0.85


def test_recovers_the_season(mixed: Facts, mixed_model: PaymentModel) -> None:
    seasonal = (mixed.invoices["customer_id"] - 1) % 5 == 3
    rows = mixed.invoices.filter(seasonal).select("invoice_id", as_of=pl.col("sent_date"))
    frame = features(mixed, rows).join(
        mixed.invoices.select("invoice_id", "due_date"), on="invoice_id"
    )
    days = mixed_model.days(mixed_model.matrix(frame))
    delay = days[:, 1] - frame["days_to_due"].to_numpy()
    winter = frame["due_date"].dt.month().is_in([12, 1]).to_numpy()
    assert np.median(delay[winter]) - np.median(delay[~winter]) > 10


def test_beats_the_baselines_on_days_to_pay(mixed: Facts, mixed_model: PaymentModel) -> None:
    result = outcomes(mixed, mixed_model).filter(pl.col("days_to_pay").is_not_null())
    y = result["days_to_pay"].to_numpy()
    due = np.maximum(result["days_to_due"].to_numpy(), 0)
    history = np.maximum(due + np.nan_to_num(result["cust_mean_delay"].to_numpy()), 0)
    model = np.abs(result["p50"].to_numpy() - y).mean()
    assert model < np.abs(due - y).mean() * 0.6
    assert model < np.abs(history - y).mean()


def test_on_noise_it_claims_no_confidence() -> None:
    noise = generate(customers=150, months=24, behaviours=("random",), dispute_share=0, seed=5)
    model = fitted(noise)
    result = outcomes(noise, model).filter(
        pl.col("days_to_pay").is_not_null() & (pl.col("days_to_due") >= 20)
    )
    late_p = result["late_p"].to_numpy()
    late = result["late"].to_numpy().astype(float)
    base = late.mean()
    # calibrated: the mean probability matches the frequency, and no worse than the base rate
    assert late_p.mean() == pytest.approx(base, abs=0.1)
    assert np.mean((late_p - late) ** 2) <= base * (1 - base) + 0.03
    # reliability: where it says p, about p of them are late (bins of 0.2 with 30+ invoices;
    # the invoices open at the cut-off are not a random sample of the training snapshots)
    bins = np.minimum((late_p * 5).astype(int), 4)
    checked = 0
    for b in range(5):
        inside = bins == b
        if inside.sum() >= 30:
            assert abs(late_p[inside].mean() - late[inside].mean()) < 0.15, b
            checked += 1
    assert checked >= 2
    # the band is wide (uniform delays over 50 days) and covers about 80 %
    width = (result["p90"] - result["p10"]).to_numpy()
    assert np.median(width) > 25
    y = result["days_to_pay"].to_numpy()
    covered = ((y >= result["p10"].to_numpy()) & (y <= result["p90"].to_numpy())).mean()
    assert 0.65 <= covered <= 0.95


def test_too_little_history_gives_no_model() -> None:
    thin = generate(customers=3, months=3, seed=2)
    assert train(features(thin, snapshots(thin, cutoff=dt.date(2024, 3, 31)))) is None


def test_a_large_history_trains_on_a_sample_of_whole_invoices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fatura.forecast import model as m

    history = generate(customers=40, months=12, seed=7)
    training = features(history, snapshots(history, cutoff=dt.date(2024, 12, 1)))
    monkeypatch.setattr(m, "MAX_ROWS", training.height // 2)
    sample = m._sample(training, seed=0)
    assert 0.3 * training.height < sample.height < 0.7 * training.height
    ids = set(sample["invoice_id"].unique().to_list())
    whole = training.filter(pl.col("invoice_id").is_in(list(ids)))
    assert whole.height == sample.height  # every snapshot of a drawn invoice, none of the others
    assert m._sample(training, seed=0).equals(sample)  # seeded
    monkeypatch.setattr(m, "MAX_ROWS", training.height)
    assert m._sample(training, seed=0).height == training.height
