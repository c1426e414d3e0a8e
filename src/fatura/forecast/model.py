"""The payment model: gradient boosting (scikit-learn's histogram GBM) with quantile losses
for the days until payment (P10, P50, P90) and log-loss classifiers for "paid after the due
date" and "written off". Pure: frames in, arrays out; storing and versioning is
:mod:`fatura.forecast.services`.

Boosting stops early on held-out invoices (a fifth of them, with all their snapshots: a random
row split would reward memorizing an invoice). Categorical features (segment, business unit,
region, collector) are coded with the vocabulary seen in training (unseen values get their own
"other" code); the GBM treats them as categories. Quantile predictions are sorted per row so
P10 <= P50 <= P90 always.

The P10–P90 band is conformalized (conformalized quantile regression, Romano et al. 2019):
the quantile models are fitted on the older 80 % of the paid snapshots, and the newest 20 %
measure how far outside the band payments really fell; the band is widened (or narrowed) by
that margin so that about 80 % of payments land inside it on data the models did not see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

from fatura.forecast.features import CATEGORICAL, FEATURES, NUMERIC

QUANTILES = (0.1, 0.5, 0.9)
MAX_CATEGORIES = 250  # the GBM's limit is 255 bins per categorical feature
MIN_ROWS = 200  # fewer paid training rows: no model, predictions fall back
DAYS_TO_DUE = NUMERIC.index("days_to_due")  # its column in :meth:`PaymentModel.matrix`
MAX_ITER = 300  # boosting rounds at most; the held-out invoices stop it earlier
MIN_VALIDATION = 300  # held-out rows needed to stop early; fewer: SMALL_ITER rounds
SMALL_ITER = 100
MAX_ROWS = 1_000_000  # training rows at most: above it, a seeded sample of whole invoices


@dataclass
class PaymentModel:
    vocabulary: dict[str, list[str]]
    quantile_models: list[Any]
    late_model: Any | None
    write_off_model: Any | None
    base_late_rate: float
    base_write_off_rate: float
    typical: dict[str, float] = field(default_factory=dict)  # for the reasons: the usual value
    window: tuple[dt.date, dt.date] | None = None
    rows: int = 0
    band_margin: float = 0.0  # days added on both sides of the P10–P90 band (conformal)

    def matrix(self, frame: pl.DataFrame) -> np.ndarray:
        columns = [frame[name].cast(pl.Float64).fill_null(np.nan).to_numpy() for name in NUMERIC]
        for name in CATEGORICAL:
            known = {value: code for code, value in enumerate(self.vocabulary[name])}
            other = len(known)
            codes = [known.get(v, other) for v in frame[name].to_list()]
            columns.append(np.asarray(codes, dtype=np.float64))
        return np.column_stack(columns) if columns else np.empty((frame.height, 0))

    def raw_days(self, x: np.ndarray) -> np.ndarray:
        """(rows, 3): the quantile models' days until payment, sorted, before the conformal
        margin. The models learn the delay against the due date (a steady habit is then a
        constant, not a diagonal the trees approximate by steps); the days left to the due
        date are added back."""
        to_due = x[:, DAYS_TO_DUE]
        delays = np.column_stack([m.predict(x) for m in self.quantile_models])
        return np.sort(delays + to_due[:, None], axis=1)

    def median_days(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(self.quantile_models[1].predict(x) + x[:, DAYS_TO_DUE], 0.0)

    def days(self, x: np.ndarray) -> np.ndarray:
        """(rows, 3): P10, P50, P90 days until payment, non-negative and sorted."""
        raw = self.raw_days(x)
        raw[:, 0] -= self.band_margin
        raw[:, 2] += self.band_margin
        return np.sort(np.maximum(raw, 0.0), axis=1)

    def late_probability(self, x: np.ndarray) -> np.ndarray:
        if self.late_model is None:
            return np.full(len(x), self.base_late_rate)
        return np.asarray(self.late_model.predict_proba(x)[:, 1])

    def write_off_probability(self, x: np.ndarray) -> np.ndarray:
        if self.write_off_model is None:
            return np.full(len(x), self.base_write_off_rate)
        return np.asarray(self.write_off_model.predict_proba(x)[:, 1])


def _vocabulary(frame: pl.DataFrame) -> dict[str, list[str]]:
    out = {}
    for name in CATEGORICAL:
        counts = frame[name].value_counts(sort=True)
        out[name] = [str(v) for v in counts[name].to_list()[:MAX_CATEGORIES]]
    return out


def _categorical_mask() -> list[bool]:
    return [False] * len(NUMERIC) + [True] * len(CATEGORICAL)


def _validation_mask(invoice_ids: np.ndarray, share: float = 0.2) -> np.ndarray:
    """About ``share`` of the *invoices* (all their snapshots together), chosen by a hash of the
    id: a random row split would put snapshots of one invoice on both sides and reward
    memorizing it."""
    return (invoice_ids * 2654435761 % 1000) < share * 1000


def _fit(make: Callable[[], Any], x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> Any:
    """Early stopping on held-out invoices (a grouped split) rather than on random rows; with
    too few held-out rows to judge by (a short history), a fixed, moderate number of rounds."""
    held = _validation_mask(groups)
    if held.sum() < MIN_VALIDATION or held.all():
        return make().set_params(early_stopping=False, max_iter=SMALL_ITER).fit(x, y)
    return make().fit(x[~held], y[~held], X_val=x[held], y_val=y[held])


def _classifier(x: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int) -> Any | None:
    if len(np.unique(y)) < 2 or min(y.sum(), len(y) - y.sum()) < 10:
        return None  # one class only (or nearly): the base rate says it all

    def make() -> Any:
        return HistGradientBoostingClassifier(
            max_iter=MAX_ITER,
            learning_rate=0.08,
            max_leaf_nodes=15,
            min_samples_leaf=80,
            l2_regularization=1.0,
            categorical_features=_categorical_mask(),
            early_stopping=True,
            n_iter_no_change=15,
            random_state=seed,
        )

    return _fit(make, x, y, groups)


def _conformal_margin(model: PaymentModel, calibration: pl.DataFrame, cover: float = 0.8) -> float:
    """The CQR margin: the ``cover`` quantile (finite-sample corrected) of how far each held-out
    payment fell outside its raw band (negative when inside)."""
    if calibration.height == 0:
        return 0.0
    raw = model.raw_days(model.matrix(calibration))
    y = calibration["days_to_pay"].to_numpy()
    scores = np.maximum(raw[:, 0] - y, y - raw[:, 2])
    n = len(scores)
    level = min(1.0, np.ceil((n + 1) * cover) / n)
    return float(np.quantile(scores, level, method="higher"))


def _sample(training: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Above :data:`MAX_ROWS` rows, whole invoices (all their snapshots) drawn at random with
    ``seed``, about :data:`MAX_ROWS` rows in all: a million closed invoices (some 4.5 million
    snapshots) then train in minutes and in about half the memory on two cores, as accurately
    (bench/forecast.py)."""
    if training.height <= MAX_ROWS:
        return training
    ids = training["invoice_id"].unique().sort()
    drawn = np.random.default_rng(seed).random(len(ids)) < MAX_ROWS / training.height
    return training.filter(pl.col("invoice_id").is_in(ids.filter(pl.Series(drawn))))


def train(training: pl.DataFrame, *, seed: int = 0) -> PaymentModel | None:
    """Fit on training snapshots with features and targets (:func:`features.snapshots` +
    :func:`features.features`), at most about :data:`MAX_ROWS` of them (:func:`_sample`).
    ``None`` when there are fewer than :data:`MIN_ROWS` paid rows."""
    training = _sample(training, seed)
    paid = training.filter(pl.col("days_to_pay").is_not_null())
    if paid.height < MIN_ROWS:
        return None
    model = PaymentModel(
        vocabulary=_vocabulary(training),
        quantile_models=[],
        late_model=None,
        write_off_model=None,
        base_late_rate=float(training["late"].mean()),  # type: ignore[arg-type]
        base_write_off_rate=float(training["written_off"].drop_nulls().mean() or 0.0),  # type: ignore[arg-type]
        rows=training.height,
    )
    paid = paid.sort("as_of")
    split = int(paid.height * 0.8)
    fit, calibration = paid[:split], paid[split:]
    x_paid = model.matrix(fit)
    y_delay = (fit["days_to_pay"] - fit["days_to_due"]).to_numpy()
    groups = fit["invoice_id"].to_numpy()
    for q in QUANTILES:

        def make(q: float = q) -> Any:
            return HistGradientBoostingRegressor(
                loss="quantile",
                quantile=q,
                max_iter=MAX_ITER,
                learning_rate=0.08,
                max_leaf_nodes=31,
                min_samples_leaf=40,
                categorical_features=_categorical_mask(),
                early_stopping=True,
                n_iter_no_change=15,
                random_state=seed,
            )

        model.quantile_models.append(_fit(make, x_paid, y_delay, groups))
    model.band_margin = _conformal_margin(model, calibration)
    x_all = model.matrix(training)
    all_groups = training["invoice_id"].to_numpy()
    model.late_model = _classifier(x_all, training["late"].to_numpy().astype(int), all_groups, seed)
    known = training.filter(pl.col("written_off").is_not_null())  # open ones: not known yet
    model.write_off_model = _classifier(
        model.matrix(known),
        known["written_off"].to_numpy().astype(int),
        known["invoice_id"].to_numpy(),
        seed,
    )
    model.typical = {
        name: float(training[name].cast(pl.Float64).median() or 0.0)  # type: ignore[arg-type]
        for name in NUMERIC
    }
    model.window = (training["as_of"].min(), training["as_of"].max())  # type: ignore[assignment]
    return model


__all__ = ["FEATURES", "QUANTILES", "PaymentModel", "train"]
