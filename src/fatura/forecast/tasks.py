"""Background task of the forecast (django-tasks, database-backed worker): the nightly training.

Thin and safe to re-run: one model a day. When the active model was already trained with the
day's cut-off the task does nothing; when the history is still too thin to learn from it says
so and leaves the predictions to the customers' history and the due dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from fatura.core import clock
from fatura.core.errors import RuleViolation
from fatura.forecast.models import ForecastModel
from fatura.forecast.services import model_train


def nightly_train(*, today: dt.date | None = None) -> dict[str, Any]:
    """Train on everything known on ``today`` (default: today) unless the active model
    already did. The summary is JSON."""
    today = today or clock.today()
    summary: dict[str, Any] = {"date": today.isoformat(), "trained": False}
    active = ForecastModel.objects.filter(active=True).first()
    if active is not None and active.cutoff >= today:
        return summary | {"model_version": active.version, "reason": "already_trained"}
    try:
        row = model_train(by=None, cutoff=today)
    except RuleViolation as exc:
        return summary | {"reason": "thin_history", "message": exc.message}
    return summary | {
        "trained": True,
        "model_version": row.version,
        "rows": row.rows,
        "invoices": row.invoices,
        "seconds": round(row.seconds, 2),
        "metrics": row.metrics,
    }


@task()
def forecast_train_daily(today: str | None = None) -> dict[str, Any]:
    """``today`` as ``YYYY-MM-DD`` (default: the worker's today)."""
    return nightly_train(today=dt.date.fromisoformat(today) if today else None)
