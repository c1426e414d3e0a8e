"""Backtest of the payment model with rolling time splits, against two baselines.

For each cut-off day ``t`` (by default the last 6 month-apart days for which 12 weeks of
outcome are known), the history is cut at the end of ``t`` (:func:`known_on`: nothing sent,
paid, reminded, called or disputed after ``t`` exists), the model is trained on that history's
snapshots and predicts the invoices open at ``t``; then what really happened in the 12 weeks
after ``t`` scores it, and two baselines beside it:

- **due date**: the invoice is paid on its due date (an overdue one: right away);
- **customer history**: paid on the due date plus the customer's mean delay over its invoices
  paid by ``t`` (the due date when it has none), never before ``t``.

Both baselines are the receivables' expected cash-in rule
(:func:`fatura.receivables.cash_in.expected_payment_day`, whole days), without and with the
customer's delay: what the cash-in page shows is scored here beside the model.

Scores (docs/forecast.md, "Backtest"): MAE of days to pay (invoices paid within the horizon),
Brier score and ROC AUC of "paid after the due date or written off" (invoices already overdue
at ``t`` are late for certain and left out; baselines: the base rate and the customer's late
share), weekly cash-in WAPE over the horizon, and the share of payments inside P10–P90. Pure:
Facts in, dataclasses out (JSON-ready through :func:`as_json`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from sklearn.metrics import brier_score_loss, roc_auc_score

from fatura.core.months import Month
from fatura.forecast.facts import Facts
from fatura.forecast.features import features, snapshots
from fatura.forecast.model import PaymentModel, train
from fatura.forecast.predict import predict
from fatura.receivables.cash_in import expected_payment_day

FOLDS = 6
HORIZON_WEEKS = 12
# Swanson's 30-40-30 rule: the P10, P50 and P90 of a payment carry 30 %, 40 % and 30 % of its
# expected cash (the invoice's expected distribution over the weeks, not all on its P50 week).
SPREAD = ((0, 0.3), (1, 0.4), (2, 0.3))
DAYS_METHODS = ("model", "due_date", "customer_history")
LATENESS_METHODS = ("model", "base_rate", "customer_history")

Trainer = Callable[[pl.DataFrame], PaymentModel | None]


@dataclass(frozen=True)
class Fold:
    cutoff: dt.date
    observed_until: dt.date  # the outcomes scored are those known on this day
    train_rows: int
    train_invoices: int
    model_trained: bool  # False: too little history, the predictions fell back
    open_invoices: int
    basis: dict[str, int]  # predictions per basis: model, customer_history, due_date
    paid: int  # open at the cut-off and paid within the horizon: the MAE's invoices
    mae_days: dict[str, float | None]
    lateness_invoices: int  # not yet due at the cut-off, outcome known: Brier and AUC
    overdue_excluded: int  # already overdue at the cut-off: late for certain, left out
    late_share: float | None
    brier: dict[str, float | None]
    auc: dict[str, float | None]
    cash_in_cents: int  # what came in over the horizon from the invoices open at the cut-off
    wape: dict[str, float | None]
    band_coverage: float | None  # share of the paid invoices inside P10–P90
    seconds: float


# called before each fold (with None) and after it (with the fold): n, total, cut-off, fold
Progress = Callable[[int, int, dt.date, Fold | None], None]


@dataclass(frozen=True)
class Backtest:
    end: dt.date
    horizon_weeks: int
    folds: list[Fold]
    mean: dict[str, dict[str, float | None]] = field(default_factory=dict)
    beats_baselines: dict[str, bool] = field(default_factory=dict)  # on mean MAE and WAPE


def known_on(facts: Facts, day: dt.date) -> Facts:
    """The history as it was known at the end of ``day``: later invoices, payments, write-offs,
    reminders, calls and dispute resolutions removed."""

    def until(column: str) -> pl.Expr:
        return pl.when(pl.col(column) <= day).then(pl.col(column))

    return Facts(
        facts.invoices.filter(pl.col("sent_date") <= day).with_columns(
            paid_date=until("paid_date"), written_off_date=until("written_off_date")
        ),
        facts.reminders.filter(pl.col("date") <= day),
        facts.calls.filter(pl.col("date") <= day),
        facts.disputes.filter(pl.col("opened") <= day).with_columns(resolved=until("resolved")),
    )


def cutoffs(
    end: dt.date, *, folds: int = FOLDS, horizon_weeks: int = HORIZON_WEEKS
) -> list[dt.date]:
    """The cut-off days, oldest first: the last is ``horizon_weeks`` before ``end`` (its
    outcomes are known up to ``end``), the others one calendar month apart before it."""
    last = end - dt.timedelta(weeks=horizon_weeks)
    days, month = [last], Month.of(last)
    for _ in range(folds - 1):
        month = month.previous()
        days.append(month.first_day.replace(day=min(last.day, month.last_day.day)))
    return sorted(days)


def _fit(known: Facts, cutoff: dt.date, trainer: Trainer) -> tuple[PaymentModel | None, int, int]:
    rows = snapshots(known, cutoff=cutoff)
    if rows.height == 0:
        return None, 0, 0
    training = features(known, rows)
    return trainer(training), training.height, int(training["invoice_id"].n_unique())


def _history(known: Facts, cutoff: dt.date) -> tuple[pl.DataFrame, float]:
    """Per customer, from its invoices closed by the cut-off: the mean delay of those paid
    (days after the due date) and the late share (paid late or written off), shrunk towards
    the base rate by one invoice's weight; and the base rate."""
    closed = known.closed_by(cutoff).with_columns(
        delay=(pl.col("paid_date") - pl.col("due_date")).dt.total_days().cast(pl.Float64),
        late=(
            (pl.col("paid_date") > pl.col("due_date")) | pl.col("written_off_date").is_not_null()
        ).cast(pl.Float64),
    )
    base = float(closed["late"].mean()) if closed.height else 0.5  # type: ignore[arg-type]
    per_customer = closed.group_by("customer_id").agg(
        mean_delay=pl.col("delay").mean(),
        late_share=(pl.col("late").sum() + base) / (pl.len() + 1),
    )
    return per_customer, base


def _outcomes(
    facts: Facts, known: Facts, cutoff: dt.date, model: PaymentModel | None
) -> pl.DataFrame | None:
    """The invoices open at the cut-off: predictions, baselines and what happened."""
    predictions = predict(known, cutoff, model, explain=False)
    if not predictions:
        return None
    frame = pl.DataFrame(
        {
            "invoice_id": [p.invoice_id for p in predictions],
            "p10": [(p.p10_date - cutoff).days for p in predictions],
            "p50": [(p.expected_date - cutoff).days for p in predictions],
            "p90": [(p.p90_date - cutoff).days for p in predictions],
            "late_p": [p.late_probability for p in predictions],
            "write_off_p": [p.write_off_probability for p in predictions],
            "basis": [p.basis for p in predictions],
        },
        schema_overrides={"p10": pl.Float64, "p50": pl.Float64, "p90": pl.Float64},
    )
    history, base = _history(known, cutoff)
    to_due = (pl.col("due_date") - pl.lit(cutoff)).dt.total_days().cast(pl.Float64)
    out = (
        frame.join(
            facts.invoices.select(
                "invoice_id",
                "customer_id",
                "amount",
                "due_date",
                "paid_date",
                "written_off_date",
            ),
            on="invoice_id",
            how="left",
        )
        .join(history, on="customer_id", how="left")
        .with_columns(
            to_due=to_due,
            base_p=pl.lit(base),
            history_p=pl.col("late_share").fill_null(base),
            actual=(pl.col("paid_date") - pl.lit(cutoff)).dt.total_days().cast(pl.Float64),
        )
    )
    return out.with_columns(
        due_days=_expected_days(out["due_date"], None, cutoff),
        history_days=_expected_days(out["due_date"], out["mean_delay"], cutoff),
    )


def _expected_days(due: pl.Series, delay: pl.Series | None, cutoff: dt.date) -> pl.Series:
    """Days from the cut-off to the day the receivables' cash-in rule expects the money
    (:func:`~fatura.receivables.cash_in.expected_payment_day`: the due date moved by the
    customer's mean delay, never before the cut-off)."""
    delays = delay.to_list() if delay is not None else [None] * len(due)
    days = [
        (expected_payment_day(due_date=d, mean_delay=m, as_of=cutoff) - cutoff).days
        for d, m in zip(due.to_list(), delays, strict=True)
    ]
    return pl.Series(days, dtype=pl.Float64)


def _week(days: np.ndarray) -> np.ndarray:
    """Week after the cut-off (0 = days 1–7; a payment due at once counts in week 0)."""
    return np.maximum(np.floor(days) - 1, 0).astype(int) // 7


def _weekly(days: np.ndarray, amounts: np.ndarray, weeks: int) -> np.ndarray:
    index = _week(days)
    inside = index < weeks
    return np.bincount(index[inside], weights=amounts[inside], minlength=weeks)[:weeks]


def _wape(forecast: np.ndarray, actual: np.ndarray) -> float | None:
    total = actual.sum()
    return float(np.abs(forecast - actual).sum() / total) if total > 0 else None


def _lateness(frame: pl.DataFrame, observed: dt.date) -> tuple[pl.DataFrame, int]:
    """Invoices not yet due at the cut-off whose lateness is known by ``observed``: paid,
    written off, or still unpaid after their due date."""
    overdue = frame.filter(pl.col("to_due") < 0).height
    paid = pl.col("paid_date") <= observed
    written = pl.col("written_off_date") <= observed
    label = (
        pl.when(paid)
        .then(pl.col("paid_date") > pl.col("due_date"))
        .when(written)
        .then(True)
        .when(pl.col("due_date") < observed)
        .then(True)
    )
    scored = frame.filter(pl.col("to_due") >= 0).with_columns(late=label)
    return scored.filter(pl.col("late").is_not_null()), overdue


def _score_lateness(
    scored: pl.DataFrame,
) -> tuple[dict[str, float | None], dict[str, float | None]]:
    y = scored["late"].cast(pl.Int8).to_numpy()
    brier: dict[str, float | None] = {}
    auc: dict[str, float | None] = {}
    for method, column in zip(LATENESS_METHODS, ("late_p", "base_p", "history_p"), strict=True):
        p = np.clip(scored[column].to_numpy(), 0.0, 1.0)
        brier[method] = float(brier_score_loss(y, p)) if len(y) else None
        auc[method] = float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else None
    return brier, auc


def fold(
    facts: Facts,
    cutoff: dt.date,
    *,
    horizon_weeks: int = HORIZON_WEEKS,
    trainer: Trainer = train,
) -> Fold:
    """Train on what was known at the end of ``cutoff``, score the next ``horizon_weeks``."""
    started = time.perf_counter()
    observed = cutoff + dt.timedelta(weeks=horizon_weeks)
    known = known_on(facts, cutoff)
    model, train_rows, train_invoices = _fit(known, cutoff, trainer)
    frame = _outcomes(facts, known, cutoff, model)
    if frame is None:  # nothing open at the cut-off: nothing to score
        return Fold(
            cutoff, observed, train_rows, train_invoices, model is not None, 0, {}, 0,
            dict.fromkeys(DAYS_METHODS), 0, 0, None, dict.fromkeys(LATENESS_METHODS),
            dict.fromkeys(LATENESS_METHODS), 0, dict.fromkeys(DAYS_METHODS), None,
            time.perf_counter() - started,
        )  # fmt: skip
    paid = frame.filter(pl.col("paid_date") <= observed)
    y = paid["actual"].to_numpy()
    mae: dict[str, float | None] = {
        method: float(np.abs(paid[column].to_numpy() - y).mean()) if len(y) else None
        for method, column in zip(DAYS_METHODS, ("p50", "due_days", "history_days"), strict=True)
    }
    coverage = (
        float(((y >= paid["p10"].to_numpy()) & (y <= paid["p90"].to_numpy())).mean())
        if len(y)
        else None
    )
    scored, overdue = _lateness(frame, observed)
    brier, auc = _score_lateness(scored)

    weeks = horizon_weeks
    amount = frame["amount"].to_numpy()
    actual = _weekly(y, paid["amount"].to_numpy(), weeks)
    expected = amount * (1 - np.clip(frame["write_off_p"].to_numpy(), 0.0, 1.0))
    quantiles = frame.select("p10", "p50", "p90").to_numpy()
    model_cash = sum(
        (_weekly(quantiles[:, q], expected * share, weeks) for q, share in SPREAD),
        np.zeros(weeks),
    )
    wape: dict[str, float | None] = {
        "model": _wape(model_cash, actual),
        "due_date": _wape(_weekly(frame["due_days"].to_numpy(), amount, weeks), actual),
        "customer_history": _wape(_weekly(frame["history_days"].to_numpy(), amount, weeks), actual),
    }
    return Fold(
        cutoff=cutoff,
        observed_until=observed,
        train_rows=train_rows,
        train_invoices=train_invoices,
        model_trained=model is not None,
        open_invoices=frame.height,
        basis=dict(frame.group_by("basis").len().sort("basis").iter_rows()),
        paid=paid.height,
        mae_days=mae,
        lateness_invoices=scored.height,
        overdue_excluded=overdue,
        late_share=float(scored["late"].mean()) if scored.height else None,  # type: ignore[arg-type]
        brier=brier,
        auc=auc,
        cash_in_cents=round(float(actual.sum()) * 100),
        wape=wape,
        band_coverage=coverage,
        seconds=time.perf_counter() - started,
    )


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def backtest(
    facts: Facts,
    *,
    end: dt.date,
    folds: int = FOLDS,
    horizon_weeks: int = HORIZON_WEEKS,
    trainer: Trainer = train,
    progress: Progress | None = None,
) -> Backtest:
    """Every fold (:func:`cutoffs` of ``end``), then the means over the folds."""
    note = progress or (lambda _n, _total, _day, _fold: None)
    done: list[Fold] = []
    days = cutoffs(end, folds=folds, horizon_weeks=horizon_weeks)
    for n, day in enumerate(days, 1):
        note(n, len(days), day, None)
        done.append(fold(facts, day, horizon_weeks=horizon_weeks, trainer=trainer))
        note(n, len(days), day, done[-1])
    mean: dict[str, dict[str, float | None]] = {}
    for metric, methods in (
        ("mae_days", DAYS_METHODS),
        ("wape", DAYS_METHODS),
        ("brier", LATENESS_METHODS),
        ("auc", LATENESS_METHODS),
    ):
        mean[metric] = {m: _mean([getattr(f, metric)[m] for f in done]) for m in methods}
    mean["band_coverage"] = {"model": _mean([f.band_coverage for f in done])}
    beats = {
        metric: all(
            mean[metric]["model"] is not None
            and mean[metric][b] is not None
            and mean[metric]["model"] < mean[metric][b]  # type: ignore[operator]
            for b in ("due_date", "customer_history")
        )
        for metric in ("mae_days", "wape")
    }
    return Backtest(end, horizon_weeks, done, mean, beats)


def as_json(result: Backtest) -> dict[str, Any]:
    """The result as plain JSON types (dates as ISO strings)."""

    def plain(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    document: dict[str, Any] = plain(dataclasses.asdict(result))
    return document
