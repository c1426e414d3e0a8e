"""The NFS-e KPI read from the database at a million service orders (docs/decisions/0040).

The definitions stay in :mod:`fatura.fiscal.kpi` (Polars, over the counted shares); this
module only feeds them, as cheaply as each database allows:

- the sums that need no rows are one SQL aggregate each: the previous period's counted value,
  the value of the orders completed in the period;
- the period's issued shares (counted or issued before the billing, told by a flag) are one
  join read in bulk: PostgreSQL writes them with ``COPY … TO STDOUT (FORMAT csv)``, SQLite
  with ``group_concat`` (one text per month of the period), and Polars parses the CSV — no
  Python object per row, which is what used to cost most;
- filters go into the SQL, and only the columns the grouping needs are read;
- covering indexes (fiscal 0006) let SQLite read the NFS-e and their shares from indexes (and
  the settings have SQLite map the database file, ``mmap_size``, rather than copy pages).

Also here, because the selectors and this module both need them: the time zone, the local-day
bounds of a period, and the expected-lag settings with their per-row join.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from django.conf import settings
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from fatura.customers.models import Customer
from fatura.fiscal import kpi
from fatura.fiscal.domain import ExpectedLags
from fatura.fiscal.models import DelayReason, ExpectedLag, Nfse, NfseCoverage, ServiceOrder

READERS = 2  # SQLite connections reading a long period's months at once


def zone() -> str:
    return str(settings.TIME_ZONE)


def bounds(start: dt.date, end: dt.date) -> tuple[Any, Any]:
    """[local midnight of start, local midnight after end), as the database's parameters."""
    tz = ZoneInfo(zone())
    adapt = connection.ops.adapt_datetimefield_value
    return (
        adapt(dt.datetime.combine(start, dt.time(), tz)),
        adapt(dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz)),
    )


def expected_lags() -> ExpectedLags:
    by_type: dict[str, Decimal] = {}
    by_customer: dict[int, Decimal] = {}
    by_customer_type: dict[tuple[int, str], Decimal] = {}
    global_days = None
    for lag in ExpectedLag.objects.all():
        if lag.customer_id and lag.service_type:
            by_customer_type[(lag.customer_id, lag.service_type)] = lag.days
        elif lag.customer_id:
            by_customer[lag.customer_id] = lag.days
        elif lag.service_type:
            by_type[lag.service_type] = lag.days
        else:
            global_days = lag.days
    return ExpectedLags(
        default=Decimal(str(settings.FATURA_NFSE_EXPECTED_LAG_DAYS)),
        global_days=global_days,
        by_type=by_type,
        by_customer=by_customer,
        by_customer_type=by_customer_type,
    )


def with_expected_days(frame: pl.DataFrame, lags: ExpectedLags) -> pl.DataFrame:
    """``frame`` (with ``customer_id``, and ``service_type`` when a setting names one) plus
    ``expected_days``: the most specific setting per row, as joins (no Python per row)."""
    fallback = float(lags.global_days if lags.global_days is not None else lags.default)
    out = frame.with_columns(expected_days=pl.lit(fallback, pl.Float64))
    layers = (  # least specific first: each later layer overrides the earlier
        (["service_type"], [((t,), d) for t, d in (lags.by_type or {}).items()]),
        (["customer_id"], [((c,), d) for c, d in (lags.by_customer or {}).items()]),
        (["customer_id", "service_type"], list((lags.by_customer_type or {}).items())),
    )
    for keys, items in layers:
        if not items:
            continue
        table = pl.DataFrame(
            [(*key, float(days)) for key, days in items],
            schema={**{k: frame.schema[k] for k in keys}, "_days": pl.Float64},
            orient="row",
        )
        out = (
            out.join(table, on=keys, how="left")
            .with_columns(expected_days=pl.coalesce("_days", "expected_days"))
            .drop("_days")
        )
    return out


# --- SQL pieces ------------------------------------------------------------------------------


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _cents(column: str) -> str:
    if _postgres():
        return f"({column} * 100)::bigint"
    return f"CAST(ROUND({column} * 100) AS INTEGER)"


def _moment(column: str) -> str:
    """A datetime column as the CSV carries it: integer µs since the epoch on PostgreSQL;
    SQLite's own UTC text, parsed by Polars (cheaper than converting it in SQL)."""
    if _postgres():
        return f"(EXTRACT(EPOCH FROM {column}) * 1000000)::bigint"
    return column


@dataclass(frozen=True)
class Column:
    sql: str
    name: str
    dtype: Any  # pl.Int64, pl.Utf8, or pl.Datetime for a moment (read as *_us integers)


def _copy_csv(columns: Sequence[Column], source: str, where: str, params: Sequence[Any]) -> bytes:
    select = ", ".join(c.sql for c in columns)
    sql = f"COPY (SELECT {select} FROM {source} WHERE {where}) TO STDOUT (FORMAT csv)"
    buffer = bytearray()
    with connection.cursor() as cursor, cursor.cursor.copy(sql, params) as copy:
        for block in copy:
            buffer += block
    return bytes(buffer)


def _sqlite_csv(
    columns: Sequence[Column], source: str, where: str, params: Sequence[Any], own: bool = False
) -> bytes:
    """One part as CSV text from SQLite; ``own``: on this thread's own connection, closed
    after."""
    # one printf per row: NULL prints as nothing, %Q quotes text ('' inside); doubled %:
    # Django's SQLite cursor turns %s into ? and %% into %
    fmt = ",".join("%%Q" if c.dtype is pl.Utf8 else "%%s" for c in columns)
    row = ", ".join(c.sql for c in columns)
    sql = f"SELECT group_concat(printf('{fmt}', {row}), char(10)) FROM {source} WHERE {where}"
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            text = cursor.fetchone()[0]
    finally:
        if own:
            # really closed, the tests' shared in-memory database too: Django's SQLite close()
            # keeps an in-memory database's connection open, and each pool thread's would leak
            BaseDatabaseWrapper.close(connection)
    return text.encode() + b"\n" if text else b""


def read_csv_frame(
    columns: Sequence[Column], source: str, parts: Sequence[tuple[str, Sequence[Any]]]
) -> pl.DataFrame:
    """``SELECT columns FROM source WHERE <part>`` for each (where, params) part, as one frame:
    the database writes CSV text, Polars reads it. Moments come back as integer µs."""
    names = [c.name for c in columns]
    read = {c.name: (pl.Utf8 if c.dtype is pl.Datetime else c.dtype) for c in columns}
    if _postgres():
        read = {c.name: (pl.Int64 if c.dtype is pl.Datetime else c.dtype) for c in columns}
    if _postgres():
        texts = [_copy_csv(columns, source, where, params) for where, params in parts]
    elif len(parts) > 1 and not connection.in_atomic_block:
        # two cores: the months are read by two connections at once (sqlite3 lets go of the
        # GIL while SQLite works); not inside a transaction, whose rows only its own
        # connection sees (the tests', a request's)
        with ThreadPoolExecutor(max_workers=READERS) as pool:
            texts = list(
                pool.map(
                    lambda part: _sqlite_csv(columns, source, part[0], part[1], own=True), parts
                )
            )
    else:
        texts = [_sqlite_csv(columns, source, where, params) for where, params in parts]
    body = b"".join(texts)
    if not body:
        return pl.DataFrame(
            schema={c.name: (pl.Int64 if c.dtype is pl.Datetime else c.dtype) for c in columns}
        )
    frame = pl.read_csv(
        body,
        has_header=False,
        new_columns=names,
        schema_overrides=read,
        quote_char='"' if _postgres() else "'",
        infer_schema=False,
    )
    if not _postgres():
        frame = frame.with_columns(
            pl.col(c.name)
            .str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=True)
            .dt.epoch("us")
            for c in columns
            if c.dtype is pl.Datetime
        )
    return frame


# --- the KPI ---------------------------------------------------------------------------------

COUNTED = (
    "o.completed_at IS NOT NULL AND o.billed_at IS NOT NULL"
    " AND o.completed_at <= n.issued_at AND o.billed_at <= n.issued_at"
)


def _shares_source() -> str:
    c, n, o = NfseCoverage._meta.db_table, Nfse._meta.db_table, ServiceOrder._meta.db_table
    return f"{c} c JOIN {n} n ON n.id = c.nfse_id JOIN {o} o ON o.id = c.service_order_id"


def _month_bounds(month: str) -> tuple[dt.date, dt.date]:
    first = dt.date.fromisoformat(f"{month}-01")
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def _filters(filters: kpi.Filters, moment: str) -> tuple[list[str], list[Any]]:
    """SQL conditions (on the order ``o`` and ``moment``'s local month) and their params."""
    where: list[str] = []
    params: list[Any] = []
    for column, values in (
        ("o.customer_id", filters.customer_ids),
        ("o.service_type", filters.service_types),
        ("o.team", filters.teams),
    ):
        if values:
            where.append(f"{column} IN ({', '.join('%s' for _ in values)})")
            params += list(values)
    if filters.months:
        ranges = []
        for month in sorted(set(filters.months)):
            ranges.append(f"({moment} >= %s AND {moment} < %s)")
            params += list(bounds(*_month_bounds(month)))
        where.append(f"({' OR '.join(ranges)})")
    return where, params


def _months_of(period: kpi.Period) -> list[tuple[dt.date, dt.date]]:
    """The period cut at local month ends (SQLite's text per part stays small)."""
    out, start = [], period.start
    while start <= period.end:
        end = min(_month_bounds(start.strftime("%Y-%m"))[1], period.end)
        out.append((start, end))
        start = end + dt.timedelta(days=1)
    return out


def _issued_where(start: dt.date, end: dt.date, filters: kpi.Filters) -> tuple[str, list[Any]]:
    where, params = _filters(filters, "n.issued_at")
    low, high = bounds(start, end)
    clause = " AND ".join(["n.status = 'issued'", "n.issued_at >= %s", "n.issued_at < %s", *where])
    return clause, [low, high, *params]


def _scalar(sql: str, params: Sequence[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        value = cursor.fetchone()[0]
    return int(value or 0)


def counted_cents(period: kpi.Period, filters: kpi.Filters) -> int:
    """The value of the counted shares of ``period``, summed in SQL."""
    where, params = _issued_where(period.start, period.end, filters)
    sql = f"SELECT SUM({_cents('c.value')}) FROM {_shares_source()} WHERE {where} AND {COUNTED}"
    return _scalar(sql, params)


def completed_cents(period: kpi.Period, filters: kpi.Filters) -> int:
    """The value of the orders (not cancelled) completed in ``period``, summed in SQL."""
    where, params = _filters(filters, "o.completed_at")
    low, high = bounds(period.start, period.end)
    clause = " AND ".join(
        ["o.status <> 'cancelled'", "o.completed_at >= %s", "o.completed_at < %s", *where]
    )
    sql = f"SELECT SUM({_cents('o.value')}) FROM {ServiceOrder._meta.db_table} o WHERE {clause}"
    return _scalar(sql, [low, high, *params])


def period_shares(
    period: kpi.Period, filters: kpi.Filters, *, service_type: bool, team: bool
) -> pl.DataFrame:
    """The shares of NFS-e issued in ``period`` (status issued, filters applied): ``nfse_id``,
    ``issued_us``, ``completed_us`` (null when not completed), ``share_cents``, ``counted``
    (1 when the order was completed and billed at or before the issue, else 0),
    ``customer_id``, ``delay_reason_id``, and ``service_type``/``team`` when asked for."""
    columns = [
        Column("n.id", "nfse_id", pl.Int64),
        Column(_moment("n.issued_at"), "issued_us", pl.Datetime),
        Column(_moment("o.completed_at"), "completed_us", pl.Datetime),
        Column(_cents("c.value"), "share_cents", pl.Int64),
        Column(f"CASE WHEN {COUNTED} THEN 1 ELSE 0 END", "counted", pl.Int64),
        Column("o.customer_id", "customer_id", pl.Int64),
        Column("o.delay_reason_id", "delay_reason_id", pl.Int64),
    ]
    if service_type:
        columns.append(Column("o.service_type", "service_type", pl.Utf8))
    if team:
        columns.append(Column("o.team", "team", pl.Utf8))
    spans = [(period.start, period.end)] if _postgres() else _months_of(period)
    parts = [_issued_where(start, end, filters) for start, end in spans]
    return read_csv_frame(columns, _shares_source(), parts)


def _reasons() -> pl.DataFrame:
    rows = list(DelayReason.objects.values_list("id", "label", "kind"))
    return pl.DataFrame(
        rows,
        schema={"delay_reason_id": pl.Int64, "delay_reason": pl.Utf8, "delay_kind": pl.Utf8},
        orient="row",
    )


def _customers(ids: pl.Series) -> pl.DataFrame:
    rows = list(
        Customer.objects.filter(pk__in=ids.unique().to_list()).values_list("id", "name", "document")
    )
    schema = {"customer_id": pl.Int64, "customer": pl.Utf8, "customer_document": pl.Utf8}
    return pl.DataFrame(rows, schema=schema, orient="row")


def nfse_after_billing(
    period: kpi.Period, *, filters: kpi.Filters | None = None, group_by: str | None = None
) -> kpi.NfseKpi:
    """The KPI for ``period`` from the database (definitions: :mod:`fatura.fiscal.kpi`)."""
    kpi.check_group_by(group_by)
    filters = filters or kpi.Filters()
    lags = expected_lags()
    by_type = bool(lags.by_type or lags.by_customer_type)
    shares = period_shares(
        period,
        filters,
        service_type=by_type or group_by == "service_type",
        team=group_by == "team",
    )
    before = int(shares.filter(pl.col("counted") == 0)["share_cents"].sum() or 0)
    counted = (
        with_expected_days(shares.filter(pl.col("counted") == 1), lags)
        .join(_reasons(), on="delay_reason_id", how="left")
        .with_columns(
            lag_days=(pl.col("issued_us") - pl.col("completed_us")) / kpi.DAY_US,
            delay_kind=pl.col("delay_kind").fill_null("none"),
        )
        .with_columns(within=pl.col("lag_days") <= pl.col("expected_days"))
    )
    if group_by == "customer" and counted.height:
        counted = counted.join(_customers(counted["customer_id"]), on="customer_id", how="left")
    return kpi.summarize(
        counted,
        period,
        previous_cents=counted_cents(period.previous(), filters),
        completed_cents=completed_cents(period, filters),
        before_cents=before,
        group_by=group_by,
        zone=zone(),
    )
