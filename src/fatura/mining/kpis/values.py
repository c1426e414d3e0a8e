"""The KPI values and options, and the aggregates turned into KPIs (:mod:`.figures`): shared by
the Ibis path (:mod:`.kpis`) and the NumPy path (:mod:`.quick`), without importing Ibis."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fatura.mining.kpis.figures import figures


@dataclass(frozen=True)
class Kpi:
    value: float | None
    unit: str
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "counts": self.counts}


@dataclass(frozen=True)
class Options:
    as_of: dt.datetime | None = None  # DaysOverdue of open cases; default: the log's last event
    dunning_days: int = 14  # "paid within N days after the reminder"
    zone: str | None = None  # zone of dates and months (default FATURA_TIME_ZONE)
    automated_resources: tuple[str, ...] = ("system",)


def build(
    pc_: dict[str, Any],
    pe: dict[str, Any],
    trend: list[dict[str, Any]],
    dunning: list[dict[str, Any]],
    present: frozenset[str],
    dunning_days: int,
) -> dict[str, Any]:
    """The KPIs from the aggregates (:func:`.figures.figures`, each KPI a :class:`Kpi`)."""
    result = figures(pc_, pe, trend, dunning, present, dunning_days)
    return {
        key: Kpi(value["value"], value["unit"], value["counts"])
        if isinstance(value, dict)
        else value
        for key, value in result.items()
    }


def to_json(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v.to_json() if isinstance(v, Kpi) else v for k, v in result.items()}
