"""The KPI input: the log's events (file order) with the attributes the KPIs read, normalized.

One Arrow table, the same for every path (fast, DuckDB, PySpark):

=====================  =========  ==========================================================
column                 type       meaning
=====================  =========  ==========================================================
``case_id``            string     the case
``activity``           string     the activity
``ts_us``              int64      event time, microseconds since the epoch (UTC)
``event_index``        int64      position in the file (ties keep it)
``month``              int32      year * 100 + month of the event, in the analysis zone
``resource``           string     ``resource`` (null when the log has none)
``automated``          bool       ``is_automated`` (or resource in ``automated_resources``)
``amount`` …           float64    ``amount``, ``discount``, ``unapplied``
``dunning_level``      int64      the reminder level on reminder events
``invoice_date_us``    int64      ``invoice_date`` as an instant (a date: its local midnight)
``due_us``             int64      the deadline of ``due_date`` (a date: next local midnight)
``customer`` …         string     the text attributes in :data:`TEXT_ATTRIBUTES`
=====================  =========  ==========================================================

An attribute is looked up as an event column ``key`` first, then as a trace attribute
``case:key`` (XES). A missing one is a column of nulls, and is left out of :attr:`present`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.errors import LogError
from fatura.mining.kpis.activities import DAY_US, TEXT_ATTRIBUTES
from fatura.mining.log import EventLog
from fatura.mining.timestamps import NAIVE_US, UTC_US, default_zone, to_utc

NUMBER_ATTRIBUTES = ("amount", "discount", "unapplied")


__all__ = ["DAY_US", "TEXT_ATTRIBUTES", "KpiInput", "find", "kpi_input"]


@dataclass(frozen=True)
class KpiInput:
    table: pa.Table  # the columns above, in file order
    present: frozenset[str]  # attributes the log really has


def find(log_table: pa.Table, key: str) -> pa.ChunkedArray | None:
    for name in (key, f"case:{key}"):
        if name in log_table.column_names:
            return log_table.column(name)
    return None


def kpi_input(
    log: EventLog,
    *,
    zone: str | None = None,
    automated_resources: tuple[str, ...] = ("system",),
    lean: bool = False,
) -> KpiInput:
    """Normalize ``log`` for the KPIs (see the module docstring). ``lean``: without
    ``case_id``, ``activity``, ``event_index``, ``amount`` and the text attributes but
    ``call_outcome`` (the NumPy path, :mod:`.quick`, reads the log's codes instead)."""
    zone = zone or default_zone()
    source = log.source
    n = source.num_rows
    nulls = _Nulls(n)
    present: set[str] = set()
    columns: dict[str, pa.Array | pa.ChunkedArray]
    if lean:
        stamps = _one(source.column("timestamp"))
        columns = {"ts_us": stamps.cast(UTC_US).cast(pa.int64())}
    else:
        core = log.core_table()
        columns = {
            "case_id": core.column("case_id"),
            "activity": core.column("activity"),
            "ts_us": core.column("ts_us"),
            "event_index": core.column("event_index"),
        }
    columns["month"] = _months(source.column("timestamp"), zone)
    resource = find(source, "resource")
    columns["resource"] = _text(resource, "resource", log) if resource is not None else nulls()
    flag = find(source, "is_automated")
    if flag is not None:
        columns["automated"] = _boolean(flag, log)
        present.add("automated")
    elif resource is not None and automated_resources:
        # users compare without case ("System", "SYSTEM")
        wanted = pa.array(sorted({r.casefold() for r in automated_resources}), pa.string())
        columns["automated"] = pc.is_in(pc.utf8_lower(columns["resource"]), wanted).cast(pa.bool_())
        columns["automated"] = pc.if_else(
            pc.is_null(columns["resource"]), None, columns["automated"]
        )
        present.add("automated")
    else:
        columns["automated"] = pa.nulls(n, pa.bool_())
    for key in NUMBER_ATTRIBUTES:
        values = find(source, key)
        present.update([key] if values is not None else [])
        if lean and key == "amount":  # no KPI aggregates the amount (filters do)
            continue
        columns[key] = _number(values, key, log) if values is not None else nulls(pa.float64())
    level = find(source, "dunning_level")
    columns["dunning_level"] = (
        _number(level, "dunning_level", log).cast(pa.int64(), safe=False)
        if level is not None
        else nulls(pa.int64())
    )
    present.update(["dunning_level"] if level is not None else [])
    for key, column, end_of_day in (
        ("invoice_date", "invoice_date_us", False),
        ("due_date", "due_us", True),
    ):
        values = find(source, key)
        columns[column] = (
            _instant(values, key, zone, end_of_day, log)
            if values is not None
            else nulls(pa.int64())
        )
        present.update([key] if values is not None else [])
    for key in TEXT_ATTRIBUTES:
        values = find(source, key)
        present.update([key] if values is not None else [])
        if lean and key != "call_outcome":
            continue
        columns[key] = _text(values, key, log) if values is not None else nulls()
    table = pa.table({name: _one(values) for name, values in columns.items()})
    return KpiInput(table, frozenset(present))


def _one(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


class _Nulls:
    """Columns of ``n`` nulls: one array per type, shared by the columns a log lacks (an
    absent attribute costs its buffers once per type, not once per column)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.made: dict[pa.DataType, pa.Array] = {}

    def __call__(self, kind: pa.DataType | None = None) -> pa.Array:
        kind = kind or pa.string()
        if kind not in self.made:
            self.made[kind] = pa.nulls(self.n, kind)
        return self.made[kind]


def _text(values: pa.ChunkedArray, key: str, log: EventLog) -> pa.Array:
    array = _one(values)
    if pa.types.is_dictionary(array.type):
        array = array.cast(array.type.value_type)
    try:
        return array.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise LogError(f"attribute {key!r} cannot be read as text ({error})", log.name) from None


def _number(values: pa.ChunkedArray, key: str, log: EventLog) -> pa.Array:
    array = _one(values)
    if pa.types.is_dictionary(array.type):
        array = array.cast(array.type.value_type)
    try:
        return array.cast(pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        text = array.cast(pa.string())
        for row, value in enumerate(text.to_pylist()):  # the error path only: find the row
            try:
                float(value) if value is not None else None
            except ValueError:
                raise LogError(
                    f"attribute {key!r}: {value!r} is not a number", log.name, f"row {row + 1}"
                ) from None
        raise


def _boolean(values: pa.ChunkedArray, log: EventLog) -> pa.Array:
    array = _one(values)
    if pa.types.is_boolean(array.type):
        return array
    text = pc.utf8_lower(array.cast(pa.string()))
    truthy = pc.is_in(text, pa.array(["true", "1", "yes", "t"]))
    falsy = pc.is_in(text, pa.array(["false", "0", "no", "f"]))
    unknown = pc.and_(pc.invert(pc.or_(truthy, falsy)), pc.is_valid(text))
    if pc.any(unknown).as_py():
        row = int(pc.index(unknown, True).as_py())
        raise LogError(
            f"attribute 'is_automated': {array[row].as_py()!r} is not true/false",
            log.name,
            f"row {row + 1}",
        )
    return pc.if_else(pc.is_null(text), None, truthy)


def _instant(
    values: pa.ChunkedArray, key: str, zone: str, end_of_day: bool, log: EventLog
) -> pa.Array:
    """A date attribute as int64 µs: a date alone is its local midnight (the next one for a
    deadline: due on the 10th means paid before the 11th began); a date-time is itself."""
    array = _one(values)
    if pa.types.is_dictionary(array.type):
        array = array.cast(array.type.value_type)
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        text = array.cast(pa.string())
        date_only = pc.match_substring_regex(text, r"^\s*\d{4}-\d{2}-\d{2}\s*$")
        if pc.all(pc.or_(date_only, pc.is_null(text))).as_py():
            array = pc.utf8_trim_whitespace(text).cast(pa.date32())
    try:
        if pa.types.is_date(array.type):
            days = array.cast(pa.date32()).cast(pa.int32()).cast(pa.int64())
            if end_of_day:
                days = pc.add(days, 1)
            naive = pc.multiply(days, DAY_US).cast(NAIVE_US)
            stamps = to_utc(naive, zone)
        else:
            stamps = to_utc(array, zone)
    except (TypeError, ValueError, pa.ArrowInvalid) as error:
        raise LogError(f"attribute {key!r} is not a date ({error})", log.name) from None
    return stamps.cast(UTC_US).cast(pa.int64())


def _months(stamps: pa.ChunkedArray, zone: str, slice_rows: int = 1 << 20) -> pa.Array:
    """year * 100 + month of each instant in ``zone``, a slice at a time (the int64
    temporaries of a slice, not of the whole log)."""
    array = _one(stamps)
    if len(array) <= slice_rows:
        return _months_of(array, zone)
    parts = [
        _months_of(array.slice(at, slice_rows), zone) for at in range(0, len(array), slice_rows)
    ]
    return pa.concat_arrays(parts)


def _months_of(stamps: pa.Array, zone: str) -> pa.Array:
    local = pc.local_timestamp(stamps.cast(pa.timestamp("us", tz=zone)))
    year = pc.year(local).cast(pa.int32())
    month = pc.month(local).cast(pa.int32())
    return pc.add(pc.multiply(year, 100), month)


def by_log_order(log: EventLog, table: pa.Table) -> pa.Table:
    """``table`` (file order) in log order: the fast path's view."""
    return table if log.order is None else table.take(pa.array(np.asarray(log.order)))
