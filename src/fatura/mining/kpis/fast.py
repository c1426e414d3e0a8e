"""The fast path of the derived attributes: :func:`derived.steps` and :func:`derived.cases`
as NumPy kernels over the log in its order (no Python loop over events). Same columns, same
values; tests keep the two equal.

The look-backs use one trick: the index of the last event so far that matches, is a running
maximum of ``where(match, index, -1)`` over the whole log; it belongs to the case when it is
at or after the case's first index (look-aheads: a reversed running minimum).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.kpis import activities as d
from fatura.mining.log import EventLog


class _Events:
    """The KPI input in log order, with each event's case bounds."""

    def __init__(self, log: EventLog, table: pa.Table) -> None:
        self.source = table  # file order; a column is put in log order when first asked for
        self.order = None if log.order is None else pa.array(np.asarray(log.order))
        self.reordered: dict[str, pa.Array] = {}
        self.n = table.num_rows
        self.offsets = np.asarray(log.case_offsets, dtype=np.int64)
        self.case = log.case_codes
        # positions as int32 when they fit: half the memory of the per-event index arrays
        position = np.int32 if self.n < 2**31 - 1 else np.int64
        self.starts = self.offsets[:-1].astype(position)[self.case]
        self.ends = self.offsets[1:].astype(position)[self.case]
        self.index = np.arange(self.n, dtype=position)
        self.ts = np.asarray(self.column("ts_us").to_numpy(), dtype=np.int64)
        self.names = np.asarray(log.activity_names.to_pylist(), dtype=object)
        self.codes = log.activity_codes

    @property
    def table(self) -> pa.Table:
        """The whole input in log order (see :func:`.inputs.by_log_order`)."""
        return pa.table({name: self.column(name) for name in self.source.column_names})

    @property
    def activity(self) -> pa.Array:
        return self.column("activity")

    def is_(self, *activities: str) -> np.ndarray:
        wanted = np.isin(self.names, list(activities))
        return wanted[self.codes]

    def last_upto(self, match: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        last = np.maximum.accumulate(np.where(match, self.index, -1))
        return last, last >= self.starts

    def next_from(self, match: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        following = np.where(match, self.index, self.n)[::-1]
        nxt = np.minimum.accumulate(following)[::-1]
        return nxt, nxt < self.ends

    def column(self, name: str) -> pa.Array:
        """One column in log order (a column of nulls is the same in any order)."""
        if name not in self.reordered:
            values = self.source.column(name).combine_chunks()
            if self.order is not None and values.null_count < len(values):
                values = values.take(self.order)
            self.reordered[name] = values
        return self.reordered[name]


def _masked(values: np.ndarray, valid: np.ndarray, kind: pa.DataType) -> pa.Array:
    return pa.array(values, type=kind, mask=~valid)


def _ts_at(ev: _Events, where: np.ndarray, valid: np.ndarray) -> pa.Array:
    return _masked(ev.ts[np.where(valid, where, 0)], valid, pa.int64())


def steps(
    log: EventLog, table: pa.Table, events: _Events | None = None, *, lean: bool = False
) -> pa.Table:
    """``events``: the log's :class:`_Events`, when the caller already has them. ``lean``:
    only the columns the KPIs aggregate (:mod:`.quick`), without the text ones."""
    ev = events or _Events(log, table)
    key = ev.case.astype(np.int64) * len(ev.names) + ev.codes
    order = np.argsort(key, kind="stable")
    key = key[order]  # sorted: one copy, compared with itself shifted by one
    repeated = np.zeros(ev.n, dtype=bool)
    repeated[order[1:]] = key[1:] == key[:-1]
    del key, order
    _, rejected_before = ev.last_upto(ev.is_(d.REJECTED))
    is_rework = repeated | (ev.is_(d.APPROVED) & rejected_before)
    reminder = ev.is_(d.REMINDER)
    running = np.cumsum(reminder)
    before_case = np.concatenate(([0], running))[ev.starts]
    nth = running - before_case
    level_attr = ev.column("dunning_level")
    level_values = np.asarray(level_attr.fill_null(0).to_numpy(), dtype=np.int64)
    has_level = level_attr.is_valid().to_numpy(zero_copy_only=False)
    level = np.where(has_level, level_values, nth)
    leveled = reminder | (ev.is_(d.DUNNING) & has_level)  # a dunning step at a level counts
    columns: dict[str, pa.Array] = {}
    if not lean:
        columns["case_id"] = ev.column("case_id")
        columns["event_index"] = ev.column("event_index")
        columns["activity"] = ev.activity
    columns["ts_us"] = ev.column("ts_us")
    if not lean:
        columns["pos"] = pa.array((ev.index - ev.starts).astype(np.int64))
        columns["month"] = ev.column("month")
        columns["resource"] = ev.column("resource")
    columns["is_rework"] = pa.array(is_rework)
    columns["is_automated"] = ev.column("automated")
    columns["call_outcome"] = ev.column("call_outcome")
    columns["level"] = _masked(level, leveled, pa.int64())
    for name, activity in (
        ("prev_sfa_us", d.SENT_FOR_APPROVAL),
        ("prev_reg_us", d.DISPUTE_REGISTERED),
        ("prev_recv_us", d.RECEIVED),
    ):
        columns[name] = _ts_at(ev, *ev.last_upto(ev.is_(activity)))
    columns["next_pay_us"] = _ts_at(ev, *ev.next_from(ev.is_(*d.PAYMENTS)))
    return pa.table(columns)


def cases(
    log: EventLog,
    table: pa.Table,
    step: pa.Table,
    as_of_us: int,
    events: _Events | None = None,
    *,
    lean: bool = False,
) -> pa.Table:
    """:func:`derived.cases` from :func:`steps` (``step`` is in log order). ``lean``: without
    the case id, the amount and the text attributes (what :mod:`.quick` does not read)."""
    ev = events or _Events(log, table)
    first, last_ = ev.offsets[:-1], ev.offsets[1:] - 1
    n = ev.n

    def first_where(match: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        at = np.minimum.reduceat(np.where(match, ev.index, n), first)
        return at, at <= last_

    def last_where(match: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        at = np.maximum.reduceat(np.where(match, ev.index, -1), first)
        return at, at >= first

    def take(column: pa.Array, at_valid: tuple[np.ndarray, np.ndarray]) -> pa.Array:
        at, valid = at_valid
        picked = column.take(pa.array(np.where(valid, at, 0)))
        return pc.if_else(pa.array(valid), picked, pa.nulls(len(picked), picked.type))

    def any_(match: np.ndarray) -> pa.Array:
        return pa.array(np.logical_or.reduceat(match, first))

    def valid_of(name: str) -> np.ndarray:
        return np.asarray(ev.column(name).is_valid().to_numpy(zero_copy_only=False))

    ts = pa.array(ev.ts)
    created = take(ts, first_where(ev.is_(d.CREATED)))
    invoice_date = take(ev.column("invoice_date_us"), first_where(valid_of("invoice_date_us")))
    due = take(ev.column("due_us"), first_where(valid_of("due_us")))
    recv_at, applied_at = last_where(ev.is_(d.RECEIVED)), last_where(ev.is_(d.APPLIED))
    month = ev.column("month")
    payment = pc.coalesce(take(ts, recv_at), take(ts, applied_at))
    payment_month = pc.coalesce(take(month, recv_at), take(month, applied_at))
    invoice = pc.coalesce(invoice_date, created)
    prev_recv = step.column("prev_recv_us").combine_chunks()
    posted = ev.is_(d.POSTED) & np.asarray(prev_recv.is_valid().to_numpy(zero_copy_only=False))
    lag = pc.subtract(ts, prev_recv)
    overdue = pc.subtract(pc.coalesce(payment, pa.scalar(as_of_us, pa.int64())), due)
    discount = np.asarray(ev.column("discount").to_numpy(zero_copy_only=False), dtype=np.float64)
    discount_max = np.fmax.reduceat(discount, first)
    rework = np.asarray(step.column("is_rework").to_numpy(), dtype=bool) & ev.is_(*d.BILLING)
    columns: dict[str, pa.Array] = (
        {}
        if lean
        else {
            "case_id": take(ev.column("case_id"), (first, np.ones(len(first), bool))),
        }
    )
    columns |= {
        "events": pa.array(np.diff(ev.offsets)),
        "start_us": pa.array(ev.ts[first]),
        "end_us": pa.array(ev.ts[last_]),
        "created_us": created,
        "invoice_us": invoice,
        "due_us": due,
        "payment_us": payment,
        "payment_month": payment_month,
        "paid": pc.is_valid(payment),
        "dso_us": pc.subtract(payment, invoice),
        "is_paid_on_time": pc.less(payment, due),
        "overdue_us": pc.max_element_wise(overdue, pa.scalar(0, pa.int64()), skip_nulls=False),
        "cycle_us": pa.array(ev.ts[last_] - ev.ts[first]),
        "invoice_to_cash_us": pc.subtract(payment, created),
        "posting_lag_us": take(lag, first_where(posted)),
        **({} if lean else {"amount": take(ev.column("amount"), first_where(valid_of("amount")))}),
        "discount": pa.array(discount_max, mask=np.isnan(discount_max)),
        "unapplied": take(ev.column("unapplied"), last_where(valid_of("unapplied"))),
        "disputed": any_(ev.is_(d.DISPUTE_REGISTERED)),
        "written_off": any_(ev.is_(d.WRITTEN_OFF)),
        "billing_rework": any_(rework),
        "approval_flow": any_(ev.is_(*d.APPROVAL_FLOW)),
    }
    for key in () if lean else d.CASE_TEXT:
        columns[key] = take(ev.column(key), first_where(valid_of(key)))
    return pa.table(columns)
