"""The dashboard's views of a log: overdue aging and status of the open cases, dunning by
segment, the end-to-end cycle time distribution, expected cash-in by week, call outcomes and
disputes.

One Ibis definition over the derived tables (:mod:`.derived`), so DuckDB and PySpark give the
same answer; each function takes the already filtered ``steps`` / ``cases``. Amounts are summed
as integer cents (the ``amount`` attribute, rounded half away from zero to the cent) and come
back as :class:`~decimal.Decimal`. Definitions: docs/mining-kpis.md ("Dashboard views").
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from fatura.mining.kpis import derived as d
from fatura.mining.kpis.filters import Filters
from fatura.mining.kpis.inputs import DAY_US
from fatura.mining.kpis.kpis import Derived
from fatura.mining.timestamps import default_zone

CLOSED = "Invoice Closed"
AGING_BUCKETS = ("current", "1-30", "31-60", "61-90", "90+", "no_due_date")
WEEKS = 12
MAX_BINS = 20
BIN_DAYS = (1, 2, 5, 7, 10, 14, 15, 30, 60, 90, 180, 365)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Group:
    """Open cases of one aging bucket, one last activity or one expected week."""

    key: str
    cases: int
    amount: Decimal  # the sum of ``amount`` over the cases that have one
    with_amount: int


@dataclass(frozen=True)
class DunningRow:
    segment: str | None  # None: the case has no segment
    level: int
    cases: int
    paid_within: int
    days: int

    @property
    def rate(self) -> float:
        return self.paid_within / self.cases


@dataclass(frozen=True)
class CycleBin:
    start_days: int
    end_days: int
    cases: int


@dataclass(frozen=True)
class Cycles:
    cases: int
    bin_days: int
    bins: list[CycleBin]
    median_days: float | None  # nearest rank: the ceil(n/2)-th smallest
    p90_days: float | None  # the ceil(0.9 n)-th smallest


@dataclass(frozen=True)
class CashWeek:
    start: dt.date | None  # Monday; None: after the horizon ("later")
    cases: int
    amount: Decimal


@dataclass(frozen=True)
class CashIn:
    as_of: dt.date
    weeks: list[CashWeek]  # WEEKS weeks from the as-of week, then "later"
    customers_with_history: int
    left_out: int  # open cases without an amount or a due date


@dataclass(frozen=True)
class Disputes:
    cases: int  # disputed cases
    resolved: int  # whose last Dispute Registered has a Dispute Resolved after it
    open: int


@dataclass(frozen=True)
class Dashboard:
    as_of: dt.datetime
    open_cases: int
    aging: list[Group]  # in AGING_BUCKETS order, every bucket
    statuses: list[Group]  # by cases, descending
    dunning: list[DunningRow]
    cycles: Cycles
    cash_in: CashIn
    calls: dict[str | None, int] = field(default_factory=dict)  # outcome -> calls
    disputes: Disputes = Disputes(0, 0, 0)


def _cents(amount: ir.FloatingValue) -> ir.IntegerValue:
    return (amount * 100).round().cast("int64")


def _decimal(cents: Any) -> Decimal:
    return (Decimal(int(cents or 0)) / 100).quantize(CENT)


def case_state(steps: ir.Table, cases: ir.Table) -> ir.Table:
    """``cases`` plus ``closed`` (has ``Invoice Closed``), ``open`` (neither paid, closed nor
    written off), ``last_activity`` and ``dispute_resolved`` (the last ``Dispute Registered``
    has a ``Dispute Resolved`` after it in the case's order)."""
    act, pos = steps.activity, steps.pos
    flags = steps.group_by("case_id").aggregate(
        closed=(act == CLOSED).any(),
        last_activity=act.argmax(pos),
        last_registered=pos.max(where=act == d.DISPUTE_REGISTERED),
        last_resolved=pos.max(where=act == d.DISPUTE_RESOLVED),
    )
    joined = cases.join(flags, "case_id")
    resolved = joined.last_resolved.notnull() & (
        joined.last_resolved > joined.last_registered.fill_null(-1)
    )
    return joined.mutate(
        open=~(joined.paid | joined.written_off | joined.closed),
        dispute_resolved=resolved,
    )


def days_overdue(as_of_us: int, due_us: ir.IntegerValue) -> ir.IntegerValue:
    """Whole days past the due date as of ``as_of``: 0 up to the deadline, then 1 on the day
    after the due date, and so on (as the receivables' aging counts them)."""
    late = ibis.literal(as_of_us, "int64") - due_us
    return ibis.ifelse(late >= 0, late // DAY_US + 1, 0)


def _bucket(days: ir.IntegerValue, due_us: ir.IntegerValue) -> ir.StringValue:
    return ibis.cases(
        (due_us.isnull(), "no_due_date"),
        (days <= 0, "current"),
        (days <= 30, "1-30"),
        (days <= 60, "31-60"),
        (days <= 90, "61-90"),
        else_="90+",
    )


def _groups(table: ir.Table, key: ir.Value, backend: Any) -> dict[Any, Group]:
    grouped = table.group_by(key=key).aggregate(
        cases=table.count(),
        cents=_cents(table.amount).sum(),
        with_amount=table.amount.count(),
    )
    return {
        row["key"]: Group(
            row["key"], int(row["cases"]), _decimal(row["cents"]), int(row["with_amount"])
        )
        for row in backend.to_pyarrow(grouped).to_pylist()
    }


def aging(state: ir.Table, as_of_us: int, backend: Any) -> list[Group]:
    open_ = state.filter(state.open)
    found = _groups(open_, _bucket(days_overdue(as_of_us, open_.due_us), open_.due_us), backend)
    return [found.get(key, Group(key, 0, Decimal("0.00"), 0)) for key in AGING_BUCKETS]


def statuses(state: ir.Table, backend: Any) -> list[Group]:
    open_ = state.filter(state.open)
    found = _groups(open_, open_.last_activity, backend).values()
    return sorted(found, key=lambda g: (-g.cases, g.key))


def dunning_by_segment(
    steps: ir.Table, cases: ir.Table, dunning_days: int, backend: Any
) -> list[DunningRow]:
    """``dunning_effectiveness`` (see kpis.py) per segment of the reminded case."""
    reminders = steps.filter(steps.level.notnull())
    firsts = reminders.group_by(["case_id", "level"]).aggregate(
        first_us=reminders.ts_us.min(), next_pay_us=reminders.next_pay_us.min()
    )
    firsts = firsts.join(cases.select("case_id", "segment"), "case_id")
    within = firsts.next_pay_us.notnull() & (
        firsts.next_pay_us - firsts.first_us <= dunning_days * DAY_US
    )
    grouped = firsts.group_by(["segment", "level"]).aggregate(
        cases=firsts.count(), paid=within.sum()
    )
    rows = [
        DunningRow(
            row["segment"],
            int(row["level"]),
            int(row["cases"]),
            int(row["paid"] or 0),
            dunning_days,
        )
        for row in backend.to_pyarrow(grouped).to_pylist()
    ]
    return sorted(rows, key=lambda r: (r.segment is None, r.segment or "", r.level))


def bin_days(longest_days: float, max_bins: int = MAX_BINS) -> int:
    """The narrowest of :data:`BIN_DAYS` that fits the longest cycle in ``max_bins`` bins."""
    for width in BIN_DAYS:
        if math.floor(longest_days / width) + 1 <= max_bins:
            return width
    return math.floor(longest_days / max_bins) + 1


def cycles(state: ir.Table, backend: Any, max_bins: int = MAX_BINS) -> Cycles:
    """Histogram of InvoiceCycleTime over the cases that are not open."""
    done = state.filter(~state.open)
    facts = backend.to_pyarrow(
        done.aggregate(n=done.count(), longest=done.cycle_us.max())
    ).to_pylist()[0]
    n = int(facts["n"] or 0)
    if not n:
        return Cycles(0, 1, [], None, None)
    width = bin_days(int(facts["longest"]) / DAY_US, max_bins)
    grouped = done.group_by(b=done.cycle_us // (width * DAY_US)).aggregate(cases=done.count())
    counts = {int(r["b"]): int(r["cases"]) for r in backend.to_pyarrow(grouped).to_pylist()}
    bins = [CycleBin(k * width, (k + 1) * width, counts.get(k, 0)) for k in range(max(counts) + 1)]
    ranks = {math.ceil(0.5 * n), math.ceil(0.9 * n)}
    ordered = done.select("cycle_us").mutate(
        rank=ibis.row_number().over(ibis.window(order_by=[done.cycle_us])) + 1
    )
    picked = backend.to_pyarrow(ordered.filter(ordered["rank"].isin(sorted(ranks))))
    at = {int(r["rank"]): int(r["cycle_us"]) / DAY_US for r in picked.to_pylist()}
    return Cycles(n, width, bins, at[math.ceil(0.5 * n)], at[math.ceil(0.9 * n)])


def _round_half_even(x: ir.FloatingValue) -> ir.IntegerValue:
    """Python's ``round(x)`` (halves to the even neighbour), as the receivables page rounds."""
    low = x.floor()
    frac = x - low
    odd = (low % 2) != 0
    return ibis.cases((frac > 0.5, low + 1), (frac < 0.5, low), (odd, low + 1), else_=low).cast(
        "int64"
    )


def customer_delays(state: ir.Table) -> ir.Table:
    """Per customer: the mean of (payment date − due date) in whole days over its paid cases
    with a due date (paid on the due date: 0; the day after: 1; the day before: −1)."""
    paid = state.filter(state.paid & state.due_us.notnull() & state.customer.notnull())
    late = ((paid.payment_us - paid.due_us).cast("float64") / DAY_US).floor() + 1
    return paid.group_by("customer").aggregate(delay=late.mean())


def _midnight_us(day: dt.date, zone: ZoneInfo) -> int:
    moment = dt.datetime.combine(day, dt.time(), zone)
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


def cash_in(
    state: ir.Table,
    history: ir.Table,
    as_of_us: int,
    backend: Any,
    zone: str | None = None,
    weeks: int = WEEKS,
) -> CashIn:
    """Open cases of ``state`` with an amount and a due date by the week their payment is
    expected: the due date moved by the customer's mean delay over the paid cases of
    ``history`` (the whole log: rounded to whole days; 0 without history), never before the
    as-of week (src/fatura/receivables/cash_in.py does the same for Fatura's invoices)."""
    tz = ZoneInfo(zone or default_zone())
    as_of = _as_of(as_of_us).astimezone(tz).date()
    monday = as_of - dt.timedelta(days=as_of.weekday())
    delays = customer_delays(history)
    open_ = state.filter(state.open)
    usable = open_.filter(open_.amount.notnull() & open_.due_us.notnull())
    joined = usable.left_join(delays, usable.customer == delays.customer)
    shift = _round_half_even(joined.delay).fill_null(0)
    expected = joined.due_us + shift * DAY_US  # the expected date's deadline (next midnight)
    week = ibis.literal(0, "int64")
    for k in range(1, weeks + 1):
        bound = _midnight_us(monday + dt.timedelta(weeks=k), tz)
        week = week + (expected > bound).cast("int64")
    grouped = _groups(joined, week, backend)
    rows = []
    for k in range(weeks + 1):
        start = monday + dt.timedelta(weeks=k) if k < weeks else None
        group = grouped.get(k)
        rows.append(
            CashWeek(start, group.cases if group else 0, group.amount if group else CENT * 0)
        )
    counts = backend.to_pyarrow(
        open_.aggregate(
            n=open_.count(),
            usable=(open_.amount.notnull() & open_.due_us.notnull()).sum(),
        )
    ).to_pylist()[0]
    with_history = joined.filter(joined.delay.notnull())
    known = backend.to_pyarrow(
        with_history.aggregate(n=with_history.customer.nunique())
    ).to_pylist()[0]["n"]
    left_out = int(counts["n"] or 0) - int(counts["usable"] or 0)
    return CashIn(as_of, rows, int(known or 0), left_out)


def calls(steps: ir.Table, backend: Any) -> dict[str | None, int]:
    made = steps.filter(steps.activity == d.CALL)
    grouped = made.group_by("call_outcome").aggregate(n=made.count())
    rows = backend.to_pyarrow(grouped).to_pylist()
    ordered = sorted(rows, key=lambda r: (-int(r["n"]), r["call_outcome"] or ""))
    return {r["call_outcome"]: int(r["n"]) for r in ordered}


def disputes(state: ir.Table, backend: Any) -> Disputes:
    disputed = state.filter(state.disputed)
    row = backend.to_pyarrow(
        disputed.aggregate(n=disputed.count(), resolved=disputed.dispute_resolved.sum())
    ).to_pylist()[0]
    n, resolved = int(row["n"] or 0), int(row["resolved"] or 0)
    return Disputes(n, resolved, n - resolved)


def _as_of(as_of_us: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=as_of_us)


def dashboard(
    derived: Derived,
    filters: Filters | None = None,
    *,
    dunning_days: int = 14,
    zone: str | None = None,
    weeks: int = WEEKS,
) -> Dashboard:
    """Every dashboard view over the cases ``filters`` keeps."""
    backend, as_of_us = derived.backend, derived.as_of_us
    filters = filters or Filters()
    cases = filters.apply(derived.cases)
    steps = derived.steps.semi_join(cases.select("case_id"), "case_id")
    history = case_state(derived.steps, derived.cases)
    with _cached(history, backend) as history:
        state = filters.apply(history)
        buckets = aging(state, as_of_us, backend)
        return Dashboard(
            as_of=_as_of(as_of_us),
            open_cases=sum(b.cases for b in buckets),
            aging=buckets,
            statuses=statuses(state, backend),
            dunning=dunning_by_segment(steps, cases, dunning_days, backend),
            cycles=cycles(state, backend),
            cash_in=cash_in(state, history, as_of_us, backend, zone, weeks),
            calls=calls(steps, backend),
            disputes=disputes(state, backend),
        )


@contextmanager
def _cached(table: ir.Table, backend: Any) -> Iterator[ir.Table]:
    """``table`` computed once on Spark, where each query would redo the window work (a
    second or more each); DuckDB recomputes it faster than it caches (and Ibis 12 fails to
    drop a DuckDB cache)."""
    if getattr(backend, "name", "") != "pyspark":
        yield table
        return
    with table.cache() as cached:
        yield cached
