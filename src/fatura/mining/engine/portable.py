"""The portable path: every output as one Ibis expression, run on DuckDB or on PySpark.

The input is the log in file order with ``case_id``, ``activity``, ``ts_us`` (int64 microseconds
since the epoch, UTC: integers travel between engines without time-zone surprises) and
``event_index`` (position in the file). The ordering rule is the window's ORDER BY
(``ts_us``, ``event_index``); the Ibis Polars backend cannot run it (no window functions).
Ordered aggregation (``collect(order_by=...)``) is not available on PySpark, so a variant is
collected as (position, activity) structs and sorted inside the array.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from fatura.mining.engine.result import Durations, Edge, MiningResult, Variants

MICRO = 1_000_000


def expressions(log: ir.Table) -> dict[str, ir.Table]:
    """One definition of each output, for any Ibis backend with window functions."""
    in_case = ibis.window(group_by=log.case_id, order_by=[log.ts_us, log.event_index])
    steps = log.mutate(
        position=ibis.row_number().over(in_case),
        target=log.activity.lead().over(in_case),
        next_us=log.ts_us.lead().over(in_case),
    )
    follows = steps.filter(steps.target.notnull())
    follows = follows.mutate(waited=follows.next_us - follows.ts_us)
    cases = steps.group_by(steps.case_id).aggregate(
        first_us=steps.ts_us.min(),
        last_us=steps.ts_us.max(),
        steps=ibis.struct({"position": steps.position, "activity": steps.activity}).collect(),
    )
    cases = cases.mutate(
        variant=cases.steps.sort().map(lambda step: step.activity),
        duration_us=cases.last_us - cases.first_us,
    )
    return {
        "totals": log.aggregate(events=log.count(), cases=log.case_id.nunique()),
        "activities": log.group_by(name=log.activity).aggregate(count=log.count()),
        "dfg": follows.group_by(source=follows.activity, target=follows.target).aggregate(
            count=follows.count(),
            mean_us=follows.waited.mean(),
            median_us=follows.waited.median(),
        ),
        "start_activities": _first_or_last(steps, steps.position == 0),
        "end_activities": _first_or_last(steps, steps.target.isnull()),
        "variants": cases.group_by(cases.variant).aggregate(count=cases.count()),
        "case_durations": cases.aggregate(
            mean_us=cases.duration_us.mean(),
            median_us=cases.duration_us.median(),
            min_us=cases.duration_us.min(),
            max_us=cases.duration_us.max(),
        ),
    }


def _first_or_last(steps: ir.Table, where: ir.BooleanValue) -> ir.Table:
    chosen = steps.filter(where)
    return chosen.group_by(name=chosen.activity).aggregate(count=chosen.count())


def mine(backend: Any, log: ir.Table) -> MiningResult:
    """Run every expression on ``backend`` (an Ibis connection) and build the result."""
    out = {name: backend.to_pyarrow(expr) for name, expr in expressions(log).items()}
    totals = out["totals"].to_pylist()[0]
    durations = out["case_durations"].to_pylist()[0]
    variants = out["variants"]
    return MiningResult.build(
        cases=int(totals["cases"]),
        events=int(totals["events"]),
        activities=_counts(out["activities"]),
        dfg=[
            Edge(
                row["source"],
                row["target"],
                int(row["count"]),
                float(row["mean_us"]) / MICRO,
                float(row["median_us"]) / MICRO,
            )
            for row in out["dfg"].to_pylist()
        ],
        start_activities=_counts(out["start_activities"]),
        end_activities=_counts(out["end_activities"]),
        variants=Variants.from_lists(
            variants.column("variant"), variants.column("count").to_numpy()
        ),
        case_durations=Durations(
            mean_seconds=float(durations["mean_us"]) / MICRO,
            median_seconds=float(durations["median_us"]) / MICRO,
            min_seconds=float(durations["min_us"]) / MICRO,
            max_seconds=float(durations["max_us"]) / MICRO,
        ),
    )


def _counts(table: Any) -> dict[str, int]:
    return {row["name"]: int(row["count"]) for row in table.to_pylist()}
