"""The one place that turns the KPI aggregates into KPIs, as JSON values (``{"value", "unit",
"counts"}`` per KPI): shared by the Ibis path (:mod:`.kpis`) and the NumPy path (:mod:`.quick`),
both through :func:`.values.build`, and the plain-Python path (:mod:`.smallpath`), which
imports neither dataclasses nor Arrow (start-up, decision 0033)."""

from __future__ import annotations

from fatura.mining.kpis.activities import DAY_US

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _kpi(value: float | None, unit: str, counts: dict[str, int] | None = None) -> dict[str, Any]:
    return {"value": value, "unit": unit, "counts": counts or {}}


def _ratio(part: Any, whole: Any, unit: str, part_name: str, whole_name: str) -> dict[str, Any]:
    part, whole = int(part or 0), int(whole or 0)
    return _kpi(part / whole if whole else None, unit, {part_name: part, whole_name: whole})


def _mean_days(total_us: Any, count: Any, name: str) -> dict[str, Any]:
    count = int(count or 0)
    value = float(total_us) / count / DAY_US if count else None
    return _kpi(value, "days", {name: count})


def figures(
    pc_: dict[str, Any],
    pe: dict[str, Any],
    trend: list[dict[str, Any]],
    dunning: list[dict[str, Any]],
    present: frozenset[str],
    dunning_days: int,
) -> dict[str, Any]:
    """The KPIs (JSON values) from the aggregates: ``pc_`` per case, ``pe`` per event, the DSO
    ``trend`` rows (month, dso_sum, cases) and the ``dunning`` rows (level, cases, paid)."""
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
        else _kpi(None, "share"),
        "dispute_rate": _ratio(pc_["disputed"], n, "share", "disputed_cases", "cases"),
        "dispute_resolution_time": _mean_days(
            pe["resolution_sum"], pe["resolution_n"], "resolved_disputes"
        ),
        "automation_rate": _ratio(
            pe["automated"], pe["automated_n"], "share", "automated_events", "events"
        )
        if "automated" in present
        else _kpi(None, "share"),
        "contact_success_rate": _ratio(
            pe["calls_ok"], pe["calls"], "share", "successful_calls", "calls"
        )
        if "call_outcome" in present
        else _kpi(None, "share"),
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
        "unapplied_cash": _kpi(
            float(pc_["unapplied_sum"]) if pc_["unapplied_n"] else None,
            "amount",
            {"cases": int(pc_["unapplied_n"] or 0)},
        )
        if "unapplied" in present
        else _kpi(None, "amount"),
    }
