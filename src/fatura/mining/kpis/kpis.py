"""The KPIs: one Ibis definition over the derived tables, run on DuckDB or PySpark.

``kpis(log, engine=...)``: ``fast`` derives the per-event and per-case tables with NumPy
(:mod:`.fast`) and aggregates them with the same Ibis expressions on DuckDB; ``duckdb`` and
``spark`` derive them with Ibis too (:mod:`.derived`). Every KPI is a :class:`Kpi`: the value,
its unit and the counts behind it; the value is ``None`` (not 0) when there is nothing to
measure. Definitions: docs/mining-kpis.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from fatura.mining.kpis import derived as d
from fatura.mining.kpis.filters import Filters
from fatura.mining.kpis.inputs import DAY_US, kpi_input
from fatura.mining.kpis.values import Kpi, Options, build, to_json

__all__ = ["ENGINES", "Derived", "Kpi", "Options", "compute", "derive", "kpis", "to_json"]
from fatura.mining.log import EventLog

ENGINES = ("fast", "duckdb", "spark")
CONTACT_SUCCESS = ("reached", "promise_to_pay")


@dataclass(frozen=True)
class Derived:
    """The two derived tables on a backend, ready for the KPI expressions and policies."""

    backend: Any
    steps: ir.Table
    cases: ir.Table
    present: frozenset[str]
    as_of_us: int


def _as_of_us(log: EventLog, options: Options) -> int:
    if options.as_of is None:
        return int(log.timestamps.max())
    delta = options.as_of - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return delta // dt.timedelta(microseconds=1)


@contextmanager
def derive(
    log: EventLog, engine: str = "fast", *, options: Options | None = None, spark: Any = None
) -> Iterator[Derived]:
    """The derived tables of ``log`` on the engine's backend (closed on exit)."""
    from fatura.mining.engine import backends

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    options = options or Options()
    prepared = kpi_input(log, zone=options.zone, automated_resources=options.automated_resources)
    as_of = _as_of_us(log, options)
    tables: dict[str, pa.Table]
    if engine == "fast":
        from fatura.mining.kpis import fast

        events = fast._Events(log, prepared.table)
        step = fast.steps(log, prepared.table, events)
        tables = {"steps": step, "cases": fast.cases(log, prepared.table, step, as_of, events)}
        del events
    else:
        tables = {"events": prepared.table}
    with _backend(engine, tables, spark) as (backend, named):
        if engine == "fast":
            steps, cases = named["steps"], named["cases"]
        else:
            steps = d.steps(named["events"])
            cases = d.cases(steps, as_of)
        with backends._quiet():
            yield Derived(backend, steps, cases, prepared.present, as_of)


@contextmanager
def _backend(
    engine: str, tables: dict[str, pa.Table], spark: Any
) -> Iterator[tuple[Any, dict[str, ir.Table]]]:
    from fatura.mining.engine import backends

    names = {key: f"fatura_kpi_{key}_{uuid.uuid4().hex}" for key in tables}
    if engine in ("fast", "duckdb"):
        backend = ibis.duckdb.connect()
        try:
            for key, table in tables.items():
                backend.con.register(names[key], table)
            with backends._quiet():
                yield backend, {key: backend.table(names[key]) for key in tables}
        finally:
            backend.disconnect()
        return
    session = spark or backends.spark_session()
    with backends._quiet():
        for key, table in tables.items():
            session.createDataFrame(table).createOrReplaceTempView(names[key])
        backend = ibis.pyspark.connect(session)
    try:
        with backends._quiet():
            yield backend, {key: backend.table(names[key]) for key in tables}
    finally:
        for name in names.values():
            session.catalog.dropTempView(name)


def expressions(steps: ir.Table, cases: ir.Table, dunning_days: int) -> dict[str, ir.Table]:
    """The KPI aggregates over the (already filtered) derived tables."""
    c, s = cases, steps
    per_case = c.aggregate(
        cases=c.count(),
        paid=c.paid.sum(),
        dso_sum=c.dso_us.sum(where=c.paid),
        dso_n=c.dso_us.count(where=c.paid),
        on_time=c.is_paid_on_time.sum(),
        on_time_n=c.is_paid_on_time.count(),
        cycle_sum=c.cycle_us.sum(),
        i2c_sum=c.invoice_to_cash_us.sum(),
        i2c_n=c.invoice_to_cash_us.count(),
        rework=c.billing_rework.sum(),
        discount=(c.discount > 0).sum(where=c.paid),
        disputed=c.disputed.sum(),
        written_off=c.written_off.sum(),
        lag_sum=c.posting_lag_us.sum(),
        lag_n=c.posting_lag_us.count(),
        unapplied_sum=c.unapplied.sum(),
        unapplied_n=c.unapplied.count(),
    )
    act, ts = s.activity, s.ts_us
    approvals = (act == d.APPROVED) & s.prev_sfa_us.notnull()
    resolutions = (act == d.DISPUTE_RESOLVED) & s.prev_reg_us.notnull()
    applications = (act == d.APPLIED) & s.prev_recv_us.notnull()
    calls = act == d.CALL
    per_event = s.aggregate(
        approval_sum=(ts - s.prev_sfa_us).sum(where=approvals),
        approval_n=approvals.sum(),
        resolution_sum=(ts - s.prev_reg_us).sum(where=resolutions),
        resolution_n=resolutions.sum(),
        automated=s.is_automated.sum(),
        automated_n=s.is_automated.count(),
        calls=calls.sum(),
        calls_ok=(calls & s.call_outcome.isin(CONTACT_SUCCESS)).sum(),
        apply_sum=(ts - s.prev_recv_us).sum(where=applications),
        apply_n=applications.sum(),
    )
    paid = c.filter(c.paid & c.dso_us.notnull() & c.payment_month.notnull())
    trend = paid.group_by(month=paid.payment_month).aggregate(
        dso_sum=paid.dso_us.sum(), cases=paid.count()
    )
    reminders = s.filter(s.level.notnull())
    firsts = reminders.group_by(["case_id", "level"]).aggregate(
        first_us=reminders.ts_us.min(), next_pay_us=reminders.next_pay_us.min()
    )
    within = firsts.next_pay_us.notnull() & (
        firsts.next_pay_us - firsts.first_us <= dunning_days * DAY_US
    )
    dunning = firsts.group_by("level").aggregate(cases=firsts.count(), paid=within.sum())
    return {"per_case": per_case, "per_event": per_event, "trend": trend, "dunning": dunning}


def compute(
    derived: Derived, filters: Filters | None = None, *, dunning_days: int = 14
) -> dict[str, Any]:
    """Every KPI over ``derived``, restricted to the cases ``filters`` keeps."""
    cases = (filters or Filters()).apply(derived.cases)
    steps = derived.steps.semi_join(cases.select("case_id"), "case_id")
    run = {
        k: derived.backend.to_pyarrow(e) for k, e in expressions(steps, cases, dunning_days).items()
    }
    return build(
        run["per_case"].to_pylist()[0],
        run["per_event"].to_pylist()[0],
        run["trend"].to_pylist(),
        run["dunning"].to_pylist(),
        derived.present,
        dunning_days,
    )


def kpis(
    log: EventLog,
    *,
    engine: str = "fast",
    filters: Filters | None = None,
    options: Options | None = None,
    spark: Any = None,
) -> dict[str, Any]:
    """Every KPI of ``log`` (see :func:`compute`)."""
    options = options or Options()
    with derive(log, engine, options=options, spark=spark) as derived:
        return compute(derived, filters, dunning_days=options.dunning_days)


def is_invoice_log(log: EventLog) -> bool:
    """Whether the log has the order-to-cash activities the KPIs read."""
    names = set(log.activity_names.to_pylist())
    return bool(names & {d.CREATED, d.RECEIVED, d.APPLIED})
