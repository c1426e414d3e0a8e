"""The KPIs of a whole log on the fast path without Ibis or DuckDB: the derived tables of
:mod:`.fast` aggregated with NumPy (what ``fatura mine`` runs). Same values as
:func:`.kpis.compute` without filters (tests keep the two equal): integer sums are exact
(microseconds summed as Python integers), the float sum of ``unapplied`` is ``math.fsum``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.kpis import activities as d
from fatura.mining.kpis import fast
from fatura.mining.kpis.inputs import DAY_US, kpi_input
from fatura.mining.kpis.values import Options, build
from fatura.mining.log import EventLog

CONTACT_SUCCESS = ("reached", "promise_to_pay")  # as kpis.CONTACT_SUCCESS


def kpis(log: EventLog, *, options: Options | None = None) -> dict[str, Any]:
    """Every KPI of ``log`` (as :func:`.kpis.kpis` with the fast engine and no filters)."""
    options = options or Options()
    prepared = kpi_input(
        log, zone=options.zone, automated_resources=options.automated_resources, lean=True
    )
    if options.as_of is None:
        as_of = int(log.timestamps.max())
    else:
        from fatura.mining.kpis.kpis import _as_of_us

        as_of = _as_of_us(log, options)
    present = prepared.present
    events = fast._Events(log, prepared.table)
    del prepared  # the table in file order: only its log-order copy is used from here
    steps = fast.steps(log, events.source, events, lean=True)
    cases = fast.cases(log, events.source, steps, as_of, events, lean=True)
    is_ = events.is_
    del events
    codes = np.asarray(log.case_codes, dtype=np.int64)
    return aggregate(steps, cases, present, options.dunning_days, case_codes=codes, is_=is_)


def _np(column: pa.ChunkedArray | pa.Array, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """Values (nulls as 0) and validity of a column."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    valid = np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    zero = False if pa.types.is_boolean(array.type) else 0
    values = np.asarray(array.fill_null(zero).to_numpy(zero_copy_only=False), dtype=dtype)
    return values, valid


def _sum(values: np.ndarray, where: np.ndarray) -> int:
    """The exact sum of int64 ``values`` where ``where`` holds (no int64 overflow)."""
    picked = values[where]
    high, low = picked >> 32, picked & 0xFFFFFFFF
    return (int(high.sum()) << 32) + int(low.sum())


def _is(column: pa.ChunkedArray, *activities: str) -> np.ndarray:
    hit = pc.is_in(column, pa.array(activities, pa.string()))
    return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)


def aggregate(
    steps: pa.Table,
    cases: pa.Table,
    present: frozenset[str],
    dunning_days: int,
    *,
    case_codes: np.ndarray | None = None,
    is_: Callable[[str], np.ndarray] | None = None,
) -> dict[str, Any]:
    """:func:`.kpis.expressions` without filters, in NumPy, handed to :func:`.values.build`.
    ``case_codes``: the case of each step as an integer, ``is_``: whether each step is the
    activity, when the caller has them (else from the ``case_id`` / ``activity`` columns)."""
    if is_ is None:
        activity = steps.column("activity")

        def is_(name: str) -> np.ndarray:
            return _is(activity, name)

    paid, _ = _np(cases.column("paid"), bool)
    dso, dso_ok = _np(cases.column("dso_us"), np.int64)
    on_time, on_time_ok = _np(cases.column("is_paid_on_time"), bool)
    cycle, cycle_ok = _np(cases.column("cycle_us"), np.int64)
    i2c, i2c_ok = _np(cases.column("invoice_to_cash_us"), np.int64)
    lag, lag_ok = _np(cases.column("posting_lag_us"), np.int64)
    discount, discount_ok = _np(cases.column("discount"), np.float64)
    unapplied, unapplied_ok = _np(cases.column("unapplied"), np.float64)
    flags = {
        k: _np(cases.column(k), bool)[0] for k in ("billing_rework", "disputed", "written_off")
    }
    per_case = {
        "cases": cases.num_rows,
        "paid": int(paid.sum()),
        "dso_sum": _sum(dso, dso_ok & paid),
        "dso_n": int((dso_ok & paid).sum()),
        "on_time": int((on_time & on_time_ok).sum()),
        "on_time_n": int(on_time_ok.sum()),
        "cycle_sum": _sum(cycle, cycle_ok),
        "i2c_sum": _sum(i2c, i2c_ok),
        "i2c_n": int(i2c_ok.sum()),
        "rework": int(flags["billing_rework"].sum()),
        "discount": int((discount_ok & (discount > 0) & paid).sum()),
        "disputed": int(flags["disputed"].sum()),
        "written_off": int(flags["written_off"].sum()),
        "lag_sum": _sum(lag, lag_ok),
        "lag_n": int(lag_ok.sum()),
        "unapplied_sum": math.fsum(unapplied[unapplied_ok]),
        "unapplied_n": int(unapplied_ok.sum()),
    }
    ts, _ = _np(steps.column("ts_us"), np.int64)
    per_event: dict[str, Any] = {}
    for name, act, prev in (
        ("approval", d.APPROVED, "prev_sfa_us"),
        ("resolution", d.DISPUTE_RESOLVED, "prev_reg_us"),
        ("apply", d.APPLIED, "prev_recv_us"),
    ):
        before, before_ok = _np(steps.column(prev), np.int64)
        hit = is_(act) & before_ok
        per_event[f"{name}_sum"] = _sum(ts - before, hit)
        per_event[f"{name}_n"] = int(hit.sum())
    automated, automated_ok = _np(steps.column("is_automated"), bool)
    per_event["automated"] = int((automated & automated_ok).sum())
    per_event["automated_n"] = int(automated_ok.sum())
    calls = is_(d.CALL)
    outcome = steps.column("call_outcome")
    ok = np.asarray(
        pc.is_in(outcome, pa.array(CONTACT_SUCCESS, pa.string())).to_numpy(zero_copy_only=False),
        dtype=bool,
    ) & np.asarray(outcome.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    per_event["calls"] = int(calls.sum())
    per_event["calls_ok"] = int((calls & ok).sum())
    return build(
        per_case,
        per_event,
        _trend(cases, paid, dso, dso_ok),
        _dunning(steps, ts, dunning_days, case_codes),
        present,
        dunning_days,
    )


def _trend(
    cases: pa.Table, paid: np.ndarray, dso: np.ndarray, dso_ok: np.ndarray
) -> list[dict[str, Any]]:
    month, month_ok = _np(cases.column("payment_month"), np.int64)
    keep = paid & dso_ok & month_ok
    months, at = np.unique(month[keep], return_inverse=True)
    values = dso[keep]
    return [
        {"month": int(m), "dso_sum": _sum(values, at == i), "cases": int((at == i).sum())}
        for i, m in enumerate(months)
    ]


def _dunning(
    steps: pa.Table, ts: np.ndarray, dunning_days: int, case_codes: np.ndarray | None
) -> list[dict[str, Any]]:
    """First reminder of each (case, level), paid within ``dunning_days`` after it or not."""
    level, level_ok = _np(steps.column("level"), np.int64)
    if not level_ok.any():
        return []
    nxt, nxt_ok = _np(steps.column("next_pay_us"), np.int64)
    if case_codes is None:
        case = pc.dictionary_encode(steps.column("case_id").combine_chunks())
        case_codes = np.asarray(case.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    codes = case_codes[level_ok]
    level, ts_, nxt, nxt_ok = level[level_ok], ts[level_ok], nxt[level_ok], nxt_ok[level_ok]
    order = np.lexsort((codes, level))  # groups of (level, case)
    key_l, key_c = level[order], codes[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (key_l[1:] != key_l[:-1]) | (key_c[1:] != key_c[:-1])
    starts = np.flatnonzero(new)
    first = np.minimum.reduceat(ts_[order], starts)
    big = np.iinfo(np.int64).max
    next_pay = np.minimum.reduceat(np.where(nxt_ok, nxt, big)[order], starts)
    paid = next_pay != big
    within = paid & (np.where(paid, next_pay, first) - first <= dunning_days * DAY_US)
    group_level = key_l[starts]
    rows = []
    for value in np.unique(group_level):
        mine = group_level == value
        rows.append(
            {"level": int(value), "cases": int(mine.sum()), "paid": int(within[mine].sum())}
        )
    return rows
