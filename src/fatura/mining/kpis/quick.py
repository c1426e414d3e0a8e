"""The KPIs of a whole log on the fast path without Ibis or DuckDB (what ``fatura mine`` runs).
Same values as :func:`.kpis.compute` without filters (tests keep the two equal): integer sums
are exact (microseconds summed as Python integers), the float sum of ``unapplied`` is
``math.fsum``.

Aggregated straight from the log (decision 0033, addendum): no derived tables, no look-back
columns, no per-event copy of an attribute the log lacks. An activity is the ascending
positions (log order) of its events; a look-back ("the last approval request of the case so
far") is a binary search of those positions at the events that need it, checked against the
case's first position; a per-case value is the first or last position of each case's run in
such a list. Attributes are read from the log's source table (file order) at the positions
asked for, through ``log.order``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.kpis import activities as d
from fatura.mining.kpis.inputs import DAY_US, _boolean, _instant, _months_of, _number, _text, find
from fatura.mining.kpis.values import Options, build
from fatura.mining.log import EventLog
from fatura.mining.timestamps import UTC_US, default_zone

CONTACT_SUCCESS = ("reached", "promise_to_pay")  # as kpis.CONTACT_SUCCESS
# The attributes the KPIs read (each also as a trace attribute, "case:<key>"): what
# ``fatura mine`` reads besides the standard columns when it computes them.
KEYS = (
    "resource",
    "is_automated",
    "discount",
    "unapplied",
    "dunning_level",
    "invoice_date",
    "due_date",
    "call_outcome",
)
_BIG = np.iinfo(np.int64).max


def kpis(log: EventLog, *, options: Options | None = None) -> dict[str, Any]:
    """Every KPI of ``log`` (as :func:`.kpis.kpis` with the fast engine and no filters)."""
    return _Kpis(log, options or Options()).compute()


def _sum(values: np.ndarray, where: np.ndarray | None = None) -> int:
    """The exact sum of int64 ``values`` (where ``where`` holds): no int64 overflow."""
    picked = values if where is None else values[where]
    high, low = picked >> 32, picked & 0xFFFFFFFF
    return (int(high.sum()) << 32) + int(low.sum())


class _Kpis:
    """The log in log order (timestamps, activity codes, case offsets) and its attributes."""

    def __init__(self, log: EventLog, options: Options) -> None:
        self.log = log
        self.options = options
        self.zone = options.zone or default_zone()
        self.order = None if log.order is None else np.asarray(log.order)
        self.ts = log.timestamps
        self.names = np.asarray(log.activity_names.to_pylist(), dtype=object)
        self.offsets = np.asarray(log.case_offsets, dtype=np.int64)
        self.cases = len(self.offsets) - 1
        self._positions: dict[tuple[str, ...], np.ndarray] = {}

    # --- positions (log order) ----------------------------------------------------------------

    def at(self, *activities: str) -> np.ndarray:
        """Ascending positions of the events of ``activities``."""
        if activities not in self._positions:
            wanted = np.isin(self.names, list(activities))
            found = (
                np.flatnonzero(wanted[self.log.activity_codes]).astype(np.int64)
                if wanted.any()
                else np.empty(0, dtype=np.int64)
            )
            self._positions[activities] = found
        return self._positions[activities]

    def case_of(self, positions: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.offsets, positions, side="right") - 1

    def last_before(self, match: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each of ``at``: the last of ``match`` at or before it in its case, and whether
        there is one."""
        if not len(match) or not len(at):
            return np.zeros(len(at), dtype=np.int64), np.zeros(len(at), dtype=bool)
        j = np.searchsorted(match, at, side="right") - 1
        found = match[np.maximum(j, 0)]
        return found, (j >= 0) & (found >= self.offsets[self.case_of(at)])

    def next_from(self, match: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each of ``at``: the first of ``match`` at or after it in its case, and whether
        there is one."""
        if not len(match) or not len(at):
            return np.zeros(len(at), dtype=np.int64), np.zeros(len(at), dtype=bool)
        j = np.searchsorted(match, at, side="left")
        found = match[np.minimum(j, len(match) - 1)]
        return found, (j < len(match)) & (found < self.offsets[self.case_of(at) + 1])

    def per_case(self, positions: np.ndarray, last: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Of ascending ``positions``: each case's first (or last), as a per-case array of
        positions (0 where none), and whether the case has one."""
        at = np.zeros(self.cases, dtype=np.int64)
        has = np.zeros(self.cases, dtype=bool)
        if len(positions):
            case = self.case_of(positions)
            edge = np.ones(len(case), dtype=bool)
            if last:
                edge[:-1] = case[1:] != case[:-1]
            else:
                edge[1:] = case[1:] != case[:-1]
            at[case[edge]] = positions[edge]
            has[case[edge]] = True
        return at, has

    def any_case(self, positions: np.ndarray) -> np.ndarray:
        has = np.zeros(self.cases, dtype=bool)
        has[self.case_of(positions)] = True
        return has

    # --- attributes (the source table, file order) --------------------------------------------

    def rows(self, positions: np.ndarray) -> np.ndarray:
        return positions if self.order is None else self.order[positions]

    def in_log_order(self, values: np.ndarray) -> np.ndarray:
        return values if self.order is None else values[self.order]

    def valid(self, column: pa.Array) -> np.ndarray:
        """Whether ``column`` (file order) has a value, per event in log order."""
        valid = np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        return self.in_log_order(valid)

    def first_valid(self, column: pa.Array | None, last: bool = False) -> tuple[np.ndarray, ...]:
        """Per case: the first (last) value of ``column`` in log order, and whether there is
        one."""
        if column is None:
            return np.zeros(self.cases, dtype=np.int64), np.zeros(self.cases, dtype=bool)
        positions = np.flatnonzero(self.valid(column)).astype(np.int64)
        at, has = self.per_case(positions, last=last)
        kind = np.float64 if pa.types.is_floating(column.type) else np.int64
        values = np.zeros(self.cases, dtype=kind)
        picked = column.take(pa.array(self.rows(at[has])))
        values[has] = np.asarray(picked.to_numpy(zero_copy_only=False), dtype=kind)
        return values, has

    # --- the KPIs -----------------------------------------------------------------------------

    def compute(self) -> dict[str, Any]:
        log, ts, source = self.log, self.ts, self.log.source
        created, created_ok = self.per_case(self.at(d.CREATED))
        created = ts[created]
        invoice_date = find(source, "invoice_date")
        invoice, invoice_ok = self.first_valid(
            None
            if invoice_date is None
            else _instant(invoice_date, "invoice_date", self.zone, False, log)
        )
        invoice = np.where(invoice_ok, invoice, created)
        invoice_ok |= created_ok
        due_date = find(source, "due_date")
        due, due_ok = self.first_valid(
            None if due_date is None else _instant(due_date, "due_date", self.zone, True, log)
        )
        received, received_ok = self.per_case(self.at(d.RECEIVED), last=True)
        applied, applied_ok = self.per_case(self.at(d.APPLIED), last=True)
        payment = ts[np.where(received_ok, received, applied)]
        paid = received_ok | applied_ok
        del received, applied
        dso, dso_ok = payment - invoice, paid & invoice_ok
        on_time_ok, i2c_ok = paid & due_ok, paid & created_ok
        unapplied = find(source, "unapplied")
        unapplied_values, unapplied_ok = self.first_valid(
            None if unapplied is None else _number(unapplied, "unapplied", log), last=True
        )
        lag, lag_ok = self.posting_lag()
        per_case = {
            "cases": self.cases,
            "paid": int(paid.sum()),
            "dso_sum": _sum(dso, dso_ok),
            "dso_n": int(dso_ok.sum()),
            "on_time": int((on_time_ok & (payment < due)).sum()),
            "on_time_n": int(on_time_ok.sum()),
            "cycle_sum": _sum(ts[self.offsets[1:] - 1] - ts[self.offsets[:-1]]),
            "i2c_sum": _sum(payment - created, i2c_ok),
            "i2c_n": int(i2c_ok.sum()),
            "rework": int(self.billing_rework().sum()),
            "discount": self.discounted(find(source, "discount"), paid),
            "disputed": int(self.any_case(self.at(d.DISPUTE_REGISTERED)).sum()),
            "written_off": int(self.any_case(self.at(d.WRITTEN_OFF)).sum()),
            "lag_sum": _sum(lag, lag_ok),
            "lag_n": int(lag_ok.sum()),
            "unapplied_sum": math.fsum(unapplied_values[unapplied_ok]),
            "unapplied_n": int(unapplied_ok.sum()),
        }
        per_event: dict[str, Any] = {}
        for name, act, before in (
            ("approval", d.APPROVED, d.SENT_FOR_APPROVAL),
            ("resolution", d.DISPUTE_RESOLVED, d.DISPUTE_REGISTERED),
            ("apply", d.APPLIED, d.RECEIVED),
        ):
            hits = self.at(act)
            prev, ok = self.last_before(self.at(before), hits)
            per_event[f"{name}_sum"] = _sum(ts[hits[ok]] - ts[prev[ok]])
            per_event[f"{name}_n"] = int(ok.sum())
        automated = self.automated()
        per_event["automated"], per_event["automated_n"] = automated or (0, 0)
        calls = self.at(d.CALL)
        outcome = find(source, "call_outcome")
        per_event["calls"] = len(calls)
        per_event["calls_ok"] = self.successful(outcome, calls) if outcome is not None else 0
        present = {k for k in ("discount", "unapplied", "call_outcome") if find(source, k)}
        if automated is not None:
            present.add("automated")
        return build(
            per_case,
            per_event,
            self.trend(payment, dso, dso_ok),
            self.dunning(),
            frozenset(present),
            self.options.dunning_days,
        )

    def posting_lag(self) -> tuple[np.ndarray, np.ndarray]:
        """Per case: from the payment received to its first posting (a posting with a receipt
        before it in the case)."""
        posted = self.at(d.POSTED)
        _, ok = self.last_before(self.at(d.RECEIVED), posted)
        first, has = self.per_case(posted[ok])
        received, _ = self.last_before(self.at(d.RECEIVED), first)
        return self.ts[first] - self.ts[received], has

    def billing_rework(self) -> np.ndarray:
        """Per case: a billing step done twice, or approved after a rejection."""
        rework = np.zeros(self.cases, dtype=bool)
        for activity in d.BILLING:
            case = self.case_of(self.at(activity))
            rework[case[1:][case[1:] == case[:-1]]] = True
        approved = self.at(d.APPROVED)
        _, rejected_before = self.last_before(self.at(d.REJECTED), approved)
        rework[self.case_of(approved[rejected_before])] = True
        return rework

    def discounted(self, discount: pa.ChunkedArray | None, paid: np.ndarray) -> int:
        """Paid cases with a discount (the largest in the case above zero)."""
        if discount is None:
            return 0
        values = _number(discount, "discount", self.log).to_numpy(zero_copy_only=False)
        largest = np.fmax.reduceat(self.in_log_order(np.asarray(values)), self.offsets[:-1])
        return int((paid & (largest > 0)).sum())  # NaN (no discount) > 0 is false

    def automated(self) -> tuple[int, int] | None:
        """(automated events, events that say): ``is_automated``, else the resource in the
        automated users (any case); None when the log says neither."""
        source = self.log.source
        flag = find(source, "is_automated")
        if flag is not None:
            values = _boolean(flag, self.log)
            return int(pc.sum(values).as_py() or 0), len(values) - values.null_count
        resource = find(source, "resource")
        users = self.options.automated_resources
        if resource is None or not users:
            return None
        names, counts = _distinct(resource)
        wanted = pa.array(sorted({u.casefold() for u in users}), pa.string())
        hit = pc.is_in(pc.utf8_lower(_text(names, "resource", self.log)), wanted)
        hit = np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)
        return int(counts[hit].sum()), len(resource) - resource.null_count

    def successful(self, outcome: pa.ChunkedArray, calls: np.ndarray) -> int:
        picked = _text(outcome.take(pa.array(self.rows(calls))), "call_outcome", self.log)
        hit = pc.is_in(picked, pa.array(CONTACT_SUCCESS, pa.string()))
        return int(np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False)).sum())

    def trend(self, payment: np.ndarray, dso: np.ndarray, dso_ok: np.ndarray) -> list[dict]:
        """DSO by month of payment (in the analysis zone)."""
        stamps = pa.array(payment[dso_ok], type=pa.int64()).cast(UTC_US)
        month = np.asarray(_months_of(stamps, self.zone).to_numpy(), dtype=np.int64)
        months, at = np.unique(month, return_inverse=True)
        values = dso[dso_ok]
        return [
            {"month": int(m), "dso_sum": _sum(values, at == i), "cases": int((at == i).sum())}
            for i, m in enumerate(months)
        ]

    def dunning(self) -> list[dict[str, Any]]:
        """First reminder of each (case, level), paid within ``dunning_days`` after it or not.
        The level: the event's ``dunning_level``, else the reminder's number in its case."""
        reminders = self.at(d.REMINDER)
        column = find(self.log.source, "dunning_level")
        if column is None:
            at, has, given = reminders, np.zeros(len(reminders), dtype=bool), None
        else:
            levels = _number(column, "dunning_level", self.log).cast(pa.int64(), safe=False)
            valid = np.asarray(levels.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
            dunning = self.at(d.DUNNING)
            at = np.union1d(reminders, dunning[valid[self.rows(dunning)]])
            has = valid[self.rows(at)]
            given = np.asarray(
                levels.take(pa.array(self.rows(at))).fill_null(0).to_numpy(), dtype=np.int64
            )
        if not len(at):
            return []
        starts = self.offsets[self.case_of(at)]
        nth = np.searchsorted(reminders, at, side="right") - np.searchsorted(reminders, starts)
        level = nth if given is None else np.where(has, given, nth)
        payment, paid_ok = self.next_from(self.at(*d.PAYMENTS), at)
        codes = self.case_of(at)
        stamp, next_pay = self.ts[at], np.where(paid_ok, self.ts[payment], _BIG)
        order = np.lexsort((codes, level))  # groups of (level, case)
        key_l, key_c = level[order], codes[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = (key_l[1:] != key_l[:-1]) | (key_c[1:] != key_c[:-1])
        starts = np.flatnonzero(new)
        first = np.minimum.reduceat(stamp[order], starts)
        next_pay = np.minimum.reduceat(next_pay[order], starts)
        paid = next_pay != _BIG
        days = self.options.dunning_days
        within = paid & (np.where(paid, next_pay, first) - first <= days * DAY_US)
        group_level = key_l[starts]
        rows = []
        for value in np.unique(group_level):
            mine = group_level == value
            rows.append(
                {"level": int(value), "cases": int(mine.sum()), "paid": int(within[mine].sum())}
            )
        return rows


def _distinct(column: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """The distinct values of ``column`` (nulls left out) and how often each occurs."""
    if pa.types.is_dictionary(column.type):
        names, counts = [], []
        for chunk in column.chunks:
            indices = chunk.indices.drop_null().to_numpy()
            names.append(chunk.dictionary)
            counts.append(np.bincount(indices, minlength=len(chunk.dictionary)))
        if not names:
            return pa.array([], column.type.value_type), np.zeros(0, dtype=np.int64)
        return pa.concat_arrays(names), np.concatenate(counts)
    found = pc.value_counts(column.drop_null())
    return found.field("values"), np.asarray(found.field("counts").to_numpy(), dtype=np.int64)
