"""The forecast of the demo: once the year is loaded, the payment model is trained on it and one
backtest is run and kept, so *Previsão* shows a trained model and its backtest on first start.
Both go through the forecast's own services (what ``fatura forecast train`` and ``fatura forecast
backtest`` call), at the demo's "now"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from threadpoolctl import threadpool_limits

from fatura.core.errors import RuleViolation
from fatura.forecast.backtest import backtest
from fatura.forecast.backtest_store import backtest_document, backtest_save
from fatura.forecast.history import load_facts
from fatura.forecast.services import model_train

# Cut-offs of the demo's backtest: the command's default is 6 (``FOLDS``); 2 keep the demo
# under a minute and still compare the model with the two baselines on two months.
FOLDS = 2
# The gradient boosting on one thread: on a small shared machine OpenMP threads spinning against
# other processes cost more than they bring.
THREADS = 1


@dataclass(frozen=True)
class DemoForecast:
    model_version: int | None  # None: the history was too thin to learn from
    folds: int = 0

    @property
    def message(self) -> str:
        if self.model_version is None:
            return "Previsão: histórico curto demais para treinar um modelo."
        return (
            f"Previsão: modelo v{self.model_version} treinado; backtest com {self.folds} "
            "cortes guardado."
        )


def forecast_prepare(*, by: User, today: dt.date) -> DemoForecast:
    """Train the payment model on what is known ``today`` and run one backtest ending then."""
    with threadpool_limits(limits=THREADS):
        try:
            row = model_train(by=by, cutoff=today)
        except RuleViolation:
            return DemoForecast(model_version=None)
        facts = load_facts()
        result = backtest(facts, end=today, folds=FOLDS)
    backtest_save(backtest_document(result, invoices=facts.invoices.height))
    return DemoForecast(model_version=row.version, folds=len(result.folds))
