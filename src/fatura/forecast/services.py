"""Training and storing payment models. The fitted model goes to a file first (atomically),
then its row is written and made the active one in one transaction: a failed training leaves
the previous model active and nothing behind."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import joblib
import numpy as np
import polars as pl
from django.conf import settings
from django.db import transaction
from django.db.models import Max

from fatura.core import clock
from fatura.core.errors import RuleViolation
from fatura.core.roles import Capability, require
from fatura.core.users import User
from fatura.forecast.facts import Facts
from fatura.forecast.features import features, snapshots
from fatura.forecast.history import load_facts
from fatura.forecast.model import MIN_ROWS, PaymentModel, train
from fatura.forecast.models import ForecastModel

Progress = Callable[[str, float], None]


def _user_name(by: User | str | None) -> str:
    if by is None:
        return "system"
    return by if isinstance(by, str) else str(by.get_username())


def holdout_metrics(model: PaymentModel, training: pl.DataFrame) -> dict[str, float | int]:
    """In-sample fit of the newest 20 % of paid snapshots (the conformal calibration set, not
    used to fit the quantile models): MAE of P50 in days and P10–P90 coverage."""
    paid = training.filter(pl.col("days_to_pay").is_not_null()).sort("as_of")
    held = paid[int(paid.height * 0.8) :]
    if held.height == 0:
        return {}
    days = model.days(model.matrix(held))
    y = held["days_to_pay"].to_numpy()
    return {
        "holdout_rows": held.height,
        "mae_days": float(np.abs(days[:, 1] - y).mean()),
        "band_coverage": float(((y >= days[:, 0]) & (y <= days[:, 2])).mean()),
        "band_margin_days": model.band_margin,
        "late_rate": model.base_late_rate,
        "write_off_rate": model.base_write_off_rate,
    }


def fit(
    facts: Facts, cutoff: dt.date, progress: Progress | None = None
) -> tuple[PaymentModel | None, pl.DataFrame]:
    note = progress or (lambda _step, _share: None)
    note("snapshots", 0.1)
    rows = snapshots(facts, cutoff=cutoff)
    note("features", 0.3)
    training = features(facts, rows)
    note("training", 0.5)
    return train(training), training


def model_train(
    *, by: User | str | None = None, cutoff: dt.date | None = None, progress: Progress | None = None
) -> ForecastModel:
    """Train on everything known on ``cutoff`` (default today), store and activate the model.
    Raises :class:`RuleViolation` (409) when the history is too thin to learn from."""
    if by is not None and not isinstance(by, str):
        require(by, Capability.MANAGE_INVOICES)
    cutoff = cutoff or clock.today()
    started = time.perf_counter()
    facts = load_facts()
    model, training = fit(facts, cutoff, progress)
    if model is None:
        raise RuleViolation(
            f"Histórico insuficiente para treinar: são necessárias pelo menos {MIN_ROWS} "
            "situações de faturas pagas; as previsões seguem pelo histórico de cada cliente "
            "e pela data de vencimento."
        )
    metrics = holdout_metrics(model, training)
    folder = Path(settings.DATA_DIR) / "models"
    folder.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        version = (ForecastModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        name = f"forecast-v{version}.joblib"
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
        os.close(handle)
        try:
            joblib.dump(model, temporary)
            os.replace(temporary, folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        ForecastModel.objects.filter(active=True).update(active=False)
        window = model.window or (None, None)
        row = ForecastModel.objects.create(
            version=version,
            trained_at=clock.now(),
            trained_by=_user_name(by),
            cutoff=cutoff,
            window_start=window[0],
            window_end=window[1],
            rows=training.height,
            invoices=training["invoice_id"].n_unique(),
            seconds=time.perf_counter() - started,
            metrics=metrics,
            path=name,
            active=True,
        )
        transaction.on_commit(_forget_cached_models)
    if progress:
        progress("done", 1.0)
    return row


# keyed by the file and its modification time, not the version alone: a version number is
# used again when the training that wrote it is rolled back (and in every test), and its file
# is then a new one
_CACHE: dict[tuple[str, int], PaymentModel] = {}


def _forget_cached_models() -> None:
    _CACHE.clear()


def active_model() -> tuple[ForecastModel | None, PaymentModel | None]:
    """The active model's row and fitted model (loaded once per process and model file)."""
    row = ForecastModel.objects.filter(active=True).first()
    if row is None:
        return None, None
    try:
        key = (row.file, os.stat(row.file).st_mtime_ns)
    except FileNotFoundError:
        return row, None
    model = _CACHE.get(key)
    if model is None:
        try:
            model = joblib.load(row.file)
        except FileNotFoundError:
            return row, None
        _CACHE[key] = model
    return row, model
