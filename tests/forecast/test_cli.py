"""``fatura forecast train`` and ``fatura forecast backtest`` on a small history in the database
(``tests.forecast.db_history``; today is 05/05/2026)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from threadpoolctl import threadpool_limits

from fatura.cli import main
from fatura.forecast.backtest_store import latest_backtest, latest_path
from fatura.forecast.models import ForecastModel
from tests.forecast.db_history import History
from tests.scenarios import NOW


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    with threadpool_limits(limits=1):  # see test_backtest: a shared machine
        yield


def test_fatura_forecast_train(
    history: History, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a command run from the command line closes the database connections when it ends
    # (Django's run_from_argv): the test's own transaction lives on one of them
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    main(["fatura", "forecast", "train"])

    out, err = capsys.readouterr()
    row = ForecastModel.objects.get()
    assert row.active and row.version == 1 and row.trained_by == "cli"
    assert row.cutoff == dt.date(2026, 5, 5)
    assert Path(row.file).is_file()
    assert "Modelo v1 treinado e ativo (corte 05/05/2026)." in out
    assert f"situações de treino: {row.rows} de {row.invoices} faturas" in out
    assert "janela: 06/10/2025 a " in out
    assert "[ 10%] situações de treino" in err and "[100%] pronto" in err

    call_command("forecast_train", "--cutoff", "2026-04-30", "--threads", "1", stdout=StringIO())
    versions = list(ForecastModel.objects.values_list("version", "active", "cutoff"))
    assert versions == [(2, True, dt.date(2026, 4, 30)), (1, False, dt.date(2026, 5, 5))]


def test_train_says_why_it_cannot(db: Any, settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    with pytest.raises(CommandError, match="Histórico insuficiente para treinar"):
        call_command("forecast_train", stdout=StringIO(), stderr=StringIO())
    assert not ForecastModel.objects.exists()
    with pytest.raises(CommandError, match="AAAA-MM-DD"):
        call_command("forecast_train", "--cutoff", "30/04/2026")
    with pytest.raises(CommandError, match="--threads"):
        call_command("forecast_train", "--threads", "0", stderr=StringIO())


def test_backtest_prints_a_table_and_keeps_the_json(history: History, tmp_path: Path) -> None:
    out, err = StringIO(), StringIO()
    copy = tmp_path / "copy.json"
    call_command(
        "forecast_backtest", "--folds", "2", "--horizon-weeks", "4", "--json", str(copy),
        stdout=out, stderr=err,
    )  # fmt: skip

    document = json.loads(copy.read_text())
    assert document == json.loads(latest_path().read_text())
    assert latest_path() == tmp_path / "forecast" / "backtest-latest.json"
    assert document["created_at"] == NOW.isoformat()
    assert document["invoices"] == 3 * 20 + 3 * 2 + 1  # weekly, open, written off (no draft)
    assert document["end"] == "2026-05-05" and document["horizon_weeks"] == 4
    assert [f["cutoff"] for f in document["folds"]] == ["2026-03-07", "2026-04-07"]
    assert [f["observed_until"] for f in document["folds"]] == ["2026-04-04", "2026-05-05"]
    for fold in document["folds"]:
        assert fold["open_invoices"] >= fold["paid"] > 0
        assert set(fold["mae_days"]) == {"model", "due_date", "customer_history"}
    assert set(document["mean"]) == {"mae_days", "wape", "brier", "auc", "band_coverage"}

    table = out.getvalue()
    assert "Backtest da previsão de pagamentos: 2 cortes até 05/05/2026" in table
    assert "nas 4 semanas seguintes" in table
    assert "erro médio da data (MAE, dias)" in table and "07/03/2026" in table
    assert f"Resultado gravado em {copy} e em {latest_path()}." in table
    assert "[corte 1/2] 07/03/2026: treinando e prevendo…" in err.getvalue()
    assert "[corte 2/2] 07/04/2026: " in err.getvalue()

    stored = latest_backtest()
    assert stored is not None and stored.created_at == NOW
    assert stored.data["folds"] == document["folds"]


def test_backtest_json_to_standard_output(
    history: History, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["fatura", "forecast", "backtest", "--folds", "1", "--json", "-", "--end", "2026-04-20"])

    out, err = capsys.readouterr()
    document = json.loads(out)
    assert [f["cutoff"] for f in document["folds"]] == ["2026-01-26"]  # 12 weeks before
    assert "[corte 1/1] 26/01/2026" in err
    assert latest_path().is_file()


def test_no_backtest_yet(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    assert latest_backtest() is None
    latest_path().parent.mkdir(parents=True)
    latest_path().write_text("{not json")
    assert latest_backtest() is None
    with pytest.raises(CommandError, match="--folds"):
        call_command("forecast_backtest", "--folds", "0")
