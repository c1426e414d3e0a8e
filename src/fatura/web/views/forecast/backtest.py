"""The latest backtest as the forecast page shows it: the mean scores of the model beside the
two baselines, and one line per fold. Reads what ``fatura forecast backtest`` stored
(:mod:`fatura.forecast.backtest_store`: :func:`~fatura.forecast.backtest.as_json` plus when it
ran and how many invoices the history had)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fatura.forecast.backtest_store import StoredBacktest, latest_backtest

# metric -> (label, lower is better, places, as a percentage)
METRICS = {
    "mae_days": (gettext_lazy("Erro médio da data (dias)"), True, 1, False),
    "wape": (gettext_lazy("Erro do caixa semanal (WAPE)"), True, 1, True),
    "brier": (gettext_lazy("Brier do atraso"), True, 3, False),
    "auc": (gettext_lazy("AUC do atraso"), False, 3, False),
    "band_coverage": (gettext_lazy("Pagamentos dentro de P10–P90"), False, 1, True),
}
# the columns: the model, the simple rule (due date / base rate), the customer's history
COLUMNS = (("model",), ("due_date", "base_rate"), ("customer_history",))


@dataclass(frozen=True)
class Cell:
    text: str
    best: bool = False


@dataclass(frozen=True)
class BacktestView:
    end: dt.date | None
    horizon_weeks: int
    ran_at: dt.datetime | None
    invoices: int | None  # in the history the backtest read
    rows: list[tuple[str, list[Cell]]]
    folds: list[dict[str, Any]]
    beats: bool  # the model beats both baselines on the date error and the weekly cash


def _number(value: float | None, places: int, percent: bool) -> str:
    if value is None:
        return "—"
    shown = value * 100 if percent else value
    text = f"{shown:,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{text}%" if percent else text


def backtest_view(found: StoredBacktest | None) -> BacktestView | None:
    data = found.data if found is not None else None
    if not data or not data.get("folds"):
        return None
    mean: dict[str, dict[str, float | None]] = data.get("mean") or {}
    rows = []
    for metric, (label, lower, places, percent) in METRICS.items():
        scores = mean.get(metric)
        if not scores:
            continue
        values = [next((scores[m] for m in names if m in scores), None) for names in COLUMNS]
        known = [v for v in values if v is not None]
        best = (min(known) if lower else max(known)) if len(known) > 1 else None
        rows.append(
            (
                str(label),
                [Cell(_number(v, places, percent), v is not None and v == best) for v in values],
            )
        )
    folds = []
    for fold in data["folds"]:
        mae = fold.get("mae_days") or {}
        wape = fold.get("wape") or {}
        folds.append(
            {
                "cutoff": _date(fold.get("cutoff")),
                "open": fold.get("open_invoices"),
                "paid": fold.get("paid"),
                "model_trained": fold.get("model_trained", True),
                "mae": [_number(mae.get(m), 1, False) for m in COLUMNS_DAYS],
                "wape": [_number(wape.get(m), 1, True) for m in COLUMNS_DAYS],
                "coverage": _number(fold.get("band_coverage"), 1, True),
            }
        )
    beats = data.get("beats_baselines") or {}
    return BacktestView(
        end=_date(data.get("end")),
        horizon_weeks=int(data.get("horizon_weeks") or 0),
        ran_at=found.created_at if found is not None else None,
        invoices=data.get("invoices"),
        rows=rows,
        folds=folds,
        beats=bool(beats) and all(beats.values()),
    )


COLUMNS_DAYS = ("model", "due_date", "customer_history")


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def latest() -> BacktestView | None:
    """The latest stored backtest, or None when none was run yet."""
    return backtest_view(latest_backtest())


def column_labels() -> list[str]:
    return [_("Modelo"), _("Vencimento / taxa base"), _("Histórico do cliente")]
