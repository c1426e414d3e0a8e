"""The nightly training: one model a day, thin histories said so, queued for the worker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from threadpoolctl import threadpool_limits

from fatura.forecast.models import ForecastModel
from fatura.forecast.tasks import nightly_train
from tests.forecast.db_history import History

TODAY = dt.date(2026, 5, 5)


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    with threadpool_limits(limits=1):  # see test_backtest: a shared machine
        yield


def test_one_model_a_day(history: History) -> None:
    first = nightly_train()  # today: 05/05/2026
    assert first["trained"] is True and first["date"] == "2026-05-05"
    assert first["model_version"] == 1 and first["rows"] >= 200
    row = ForecastModel.objects.get()
    assert row.active and row.trained_by == "system" and row.cutoff == TODAY
    assert Path(row.file).is_file()

    again = nightly_train(today=TODAY)
    assert again == {
        "date": "2026-05-05",
        "trained": False,
        "model_version": 1,
        "reason": "already_trained",
    }
    assert ForecastModel.objects.count() == 1

    tomorrow = nightly_train(today=TODAY + dt.timedelta(days=1))
    assert tomorrow["trained"] is True and tomorrow["model_version"] == 2
    assert list(ForecastModel.objects.values_list("version", "active")) == [(2, True), (1, False)]


def test_a_thin_history_is_said_so(db: Any, settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    summary = nightly_train(today=TODAY)
    assert summary["trained"] is False and summary["reason"] == "thin_history"
    assert summary["message"].startswith("Histórico insuficiente para treinar")
    assert not ForecastModel.objects.exists()


# The worker closes its database connection after a task: the data must be committed (a
# transactional test), not inside the test's rolled-back transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_command_enqueues_the_nightly_training(settings: Any, tmp_path: Path) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DATA_DIR = tmp_path
    out = StringIO()

    call_command("forecast_train", "--enqueue", "--cutoff", "2026-05-04", stdout=out)

    assert "Treino diário da previsão enfileirado" in out.getvalue()
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "fatura.forecast.tasks.forecast_train_daily"
    assert queued.args_kwargs["args"] == ["2026-05-04"]

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())

    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL", queued.exception_class_path
    assert queued.return_value["date"] == "2026-05-04"
    assert queued.return_value["reason"] == "thin_history"  # an empty database
