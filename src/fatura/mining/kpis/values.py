"""The KPI values and options, and the one place that turns the aggregates into KPIs: shared by
the Ibis path (:mod:`.kpis`) and the NumPy path (:mod:`.quick`), without importing Ibis."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fatura.mining.kpis.inputs import DAY_US


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


def _ratio(part: Any, whole: Any, unit: str, part_name: str, whole_name: str) -> Kpi:
    part, whole = int(part or 0), int(whole or 0)
    return Kpi(part / whole if whole else None, unit, {part_name: part, whole_name: whole})


def _mean_days(total_us: Any, count: Any, name: str) -> Kpi:
    count = int(count or 0)
    value = float(total_us) / count / DAY_US if count else None
    return Kpi(value, "days", {name: count})


def build(
    pc_: dict[str, Any],
    pe: dict[str, Any],
    trend: list[dict[str, Any]],
    dunning: list[dict[str, Any]],
    present: frozenset[str],
    dunning_days: int,
) -> dict[str, Any]:
    """The KPIs from the aggregates: ``pc_`` per case, ``pe`` per event, the DSO ``trend``
    rows (month, dso_sum, cases) and the ``dunning`` rows (level, cases, paid)."""
    n = int(pc_["cases"] or 0)
    return {
        "cases": n,
        "dso": _mean_days(pc_["dso_sum"], pc_["dso_n"], "paid_cases"),
        "dso_by_month": [
            {
                "month": f"{row['month'] // 100:04d}-{row['month'] % 100:02d}",
                "dso_days": float(row["dso_sum"]) / int(row["cases"]) / DAY_US,
                "paid_cases": int(row["cases"]),
            }
            for row in sorted(trend, key=lambda r: r["month"])
        ],
        "on_time_payment_rate": _ratio(
            pc_["on_time"], pc_["on_time_n"], "share", "paid_on_time", "paid_cases_with_due_date"
        ),
        "approval_time": _mean_days(pe["approval_sum"], pe["approval_n"], "approvals"),
        "cycle_time": _mean_days(pc_["cycle_sum"], n, "cases"),
        "invoice_to_cash_time": _mean_days(pc_["i2c_sum"], pc_["i2c_n"], "paid_cases"),
        "billing_rework_rate": _ratio(pc_["rework"], n, "share", "cases_with_rework", "cases"),
        "discount_capture_rate": _ratio(
            pc_["discount"], pc_["paid"], "share", "paid_with_discount", "paid_cases"
        )
        if "discount" in present
        else Kpi(None, "share"),
        "dispute_rate": _ratio(pc_["disputed"], n, "share", "disputed_cases", "cases"),
        "dispute_resolution_time": _mean_days(
            pe["resolution_sum"], pe["resolution_n"], "resolved_disputes"
        ),
        "automation_rate": _ratio(
            pe["automated"], pe["automated_n"], "share", "automated_events", "events"
        )
        if "automated" in present
        else Kpi(None, "share"),
        "contact_success_rate": _ratio(
            pe["calls_ok"], pe["calls"], "share", "successful_calls", "calls"
        )
        if "call_outcome" in present
        else Kpi(None, "share"),
        "dunning_effectiveness": [
            {
                "level": int(row["level"]),
                "cases": int(row["cases"]),
                "paid_within": int(row["paid"] or 0),
                "rate": int(row["paid"] or 0) / int(row["cases"]),
                "days": dunning_days,
            }
            for row in sorted(dunning, key=lambda r: r["level"])
        ],
        "write_off_rate": _ratio(pc_["written_off"], n, "share", "written_off_cases", "cases"),
        "payment_posting_lag": _mean_days(pc_["lag_sum"], pc_["lag_n"], "posted_payments"),
        "time_to_apply": _mean_days(pe["apply_sum"], pe["apply_n"], "applications"),
        "unapplied_cash": Kpi(
            float(pc_["unapplied_sum"]) if pc_["unapplied_n"] else None,
            "amount",
            {"cases": int(pc_["unapplied_n"] or 0)},
        )
        if "unapplied" in present
        else Kpi(None, "amount"),
    }


def to_json(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v.to_json() if isinstance(v, Kpi) else v for k, v in result.items()}
