"""Fatura's own event log (``eventlog.Event``) read straight into Arrow.

No model instances: the rows come from a ``values_list(...).iterator(chunk_size=...)`` (a
server-side cursor on PostgreSQL) ordered by (case, timestamp, id) — the index
``event_case_time`` — and each chunk becomes Arrow arrays. The JSON attributes are fetched as
text and parsed by Arrow's JSON reader, one chunk at a time, into typed columns:

=====================  ============================================================
``attribute_types``    column type
=====================  ============================================================
decimal                float64 (money as float: exact to the cent for amounts below
                       about 10^13; the database keeps the exact value)
int                    int64 (int and float mixed: float64)
float                  float64
boolean                bool
date                   timestamp[us, UTC] at midnight in ``TIME_ZONE``
datetime               timestamp[us, UTC]
string, other, mixed   string
=====================  ============================================================

Columns: ``case_id``, ``activity``, ``timestamp``, ``end_timestamp`` (when any event has
one), ``resource`` (the user), ``is_automated``, then one column per attribute key (a key that
clashes with these is named ``attribute:<key>``). Events with the same timestamp in a case keep
the order they were written (their id).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from django.conf import settings
from django.db.models import TextField
from django.db.models.functions import Cast

from fatura.core.errors import InvalidInput
from fatura.eventlog.models import Event
from fatura.mining.errors import LogError
from fatura.mining.log import (
    ACTIVITY,
    CASE,
    END_TIMESTAMP,
    EVENT_INDEX,
    LIFECYCLE,
    RESOURCE,
    TIMESTAMP,
    EventLog,
)
from fatura.mining.timestamps import UTC_US, to_utc

OWN_NAME = "fatura"
NO_CASE = pa.scalar(None, pa.string())
INVOICE_PREFIX = "FAT-"
AUTOMATED = "is_automated"
RESERVED = {CASE, ACTIVITY, TIMESTAMP, END_TIMESTAMP, RESOURCE, LIFECYCLE, EVENT_INDEX, AUTOMATED}
_JSON_TYPES = {
    "int": pa.int64(),
    "float": pa.float64(),
    "boolean": pa.bool_(),
    "decimal": pa.string(),
    "date": pa.string(),
    "datetime": pa.string(),
    "string": pa.string(),
}
_FIELDS = ("case_id", "activity", "timestamp", "end_timestamp", "user", "is_automated")
# business facts with an end: the start's end_timestamp is the first end event of its case at
# or after it (events are written when they happen, so the start cannot know its end)
ENDS: dict[str, tuple[str, ...]] = {
    "Dispute Registered": ("Dispute Resolved",),
    "Invoice Sent for Approval": ("Invoice Approved", "Invoice Rejected"),
    "Adjustment Sent for Approval": ("Adjustment Approved", "Adjustment Rejected"),
}


def own_event_log(
    *,
    activity_prefix: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    invoices_only: bool = False,
    chunk_size: int = 20_000,
) -> EventLog:
    """Fatura's event log as an :class:`EventLog` (see :func:`own_table` for the filters)."""
    table = own_table(
        activity_prefix=activity_prefix,
        since=since,
        until=until,
        invoices_only=invoices_only,
        chunk_size=chunk_size,
    )
    try:
        return EventLog.from_table(table, name=OWN_NAME)
    except LogError as error:
        raise InvalidInput(f"Fatura's event log: {error.message}") from None


def own_table(
    *,
    activity_prefix: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    invoices_only: bool = False,
    chunk_size: int = 20_000,
) -> pa.Table:
    """The events as one Arrow table ordered by (case, timestamp, id). Filters: activities
    starting with ``activity_prefix``; ``since <= timestamp < until``; ``invoices_only``: cases
    that are invoices (``FAT-...``)."""
    events = Event.objects.all()
    if activity_prefix:
        events = events.filter(activity__startswith=activity_prefix)
    if since is not None:
        events = events.filter(timestamp__gte=since)
    if until is not None:
        events = events.filter(timestamp__lt=until)
    if invoices_only:
        events = events.filter(case_id__startswith=INVOICE_PREFIX)
    kinds = _attribute_kinds(events)
    rows = (
        events.order_by("case_id", "timestamp", "id")
        .annotate(attributes_text=Cast("attributes", TextField()))
        .values_list(*_FIELDS, "attributes_text")
        .iterator(chunk_size=chunk_size)
    )
    chunks: list[pa.Table] = []
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == chunk_size:
            chunks.append(_chunk(batch, kinds))
            batch = []
    if batch or not chunks:
        chunks.append(_chunk(batch, kinds))
    table = with_ends(pa.concat_tables(chunks))
    if table.column(END_TIMESTAMP).null_count == table.num_rows:
        table = table.drop_columns([END_TIMESTAMP])
    return table


def with_ends(table: pa.Table) -> pa.Table:
    """``end_timestamp`` filled for the starts of :data:`ENDS` that have none."""
    from fatura.mining.readers.oracle_attributes import first_at_or_after

    if table.num_rows == 0:
        return table
    case = table.column(CASE).combine_chunks()
    activity = table.column(ACTIVITY).combine_chunks()
    at = table.column(TIMESTAMP).combine_chunks()
    end = table.column(END_TIMESTAMP).combine_chunks()
    for start, finishes in ENDS.items():
        starts = pc.equal(activity, start)
        if not pc.any(starts).as_py():
            continue
        finish_case = pc.if_else(pc.is_in(activity, pa.array(finishes)), case, NO_CASE)
        found = first_at_or_after(case, at, finish_case, at)
        end = pc.if_else(pc.and_(starts, pc.is_null(end)), found, end)
    return table.set_column(table.column_names.index(END_TIMESTAMP), END_TIMESTAMP, end)


def _attribute_kinds(events: Any) -> dict[str, str]:
    """key -> one type for the column, from the distinct ``attribute_types`` maps (few: one or
    two per activity), computed by the database."""
    seen: dict[str, set[str]] = {}
    maps = events.order_by().annotate(types_text=Cast("attribute_types", TextField()))
    for text in maps.values_list("types_text", flat=True).distinct():
        for key, kind in (json.loads(text) if text else {}).items():
            seen.setdefault(key, set()).add(str(kind))
    return {key: _one_kind(found - {"null"}) for key, found in seen.items()}


def _one_kind(kinds: set[str]) -> str:
    if not kinds:
        return "string"
    if len(kinds) == 1:
        kind = next(iter(kinds))
        return kind if kind in _JSON_TYPES else "string"
    if kinds <= {"int", "float", "decimal"}:
        return "number" if "decimal" not in kinds else "mixed"
    if kinds <= {"date", "datetime"}:
        return "datetime"
    return "mixed"  # e.g. text in some events, numbers in others: read as text


def _chunk(rows: list[tuple[Any, ...]], kinds: dict[str, str]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [()] * (len(_FIELDS) + 1)
    case, activity, stamp, end, user, automated, attributes = columns
    table: dict[str, pa.Array] = {
        CASE: pa.array(case, pa.string()),
        ACTIVITY: pa.array(activity, pa.string()),
        TIMESTAMP: pa.array(stamp, UTC_US),
        END_TIMESTAMP: pa.array(end, UTC_US),
        RESOURCE: pa.array(user, pa.string()),
        AUTOMATED: pa.array(automated, pa.bool_()),
    }
    for key, values in _attributes(attributes, kinds).items():
        table[f"attribute:{key}" if key in RESERVED else key] = values
    return pa.table(table)


def _attributes(texts: tuple[str, ...], kinds: dict[str, str]) -> dict[str, pa.Array]:
    if not kinds:
        return {}
    fast = {key: kind for key, kind in kinds.items() if kind != "mixed"}
    schema = pa.schema(
        [
            (key, pa.float64() if kind == "number" else _JSON_TYPES[kind])
            for key, kind in fast.items()
        ]
    )
    data = "\n".join(text or "{}" for text in texts).encode()
    parsed = (
        pj.read_json(
            io.BytesIO(data),
            read_options=pj.ReadOptions(block_size=max(1 << 20, len(data) + 1)),
            parse_options=pj.ParseOptions(
                explicit_schema=schema, unexpected_field_behavior="ignore"
            ),
        )
        if texts
        else schema.empty_table()
    )
    zone = str(settings.TIME_ZONE)
    out: dict[str, pa.Array] = {}
    for key, kind in kinds.items():
        if kind == "mixed":
            out[key] = _as_text(texts, key)
            continue
        values = parsed.column(key).combine_chunks()
        if kind == "decimal":
            values = values.cast(pa.float64())
        elif kind == "date":  # a calendar day stays a day (a due date is not an instant)
            values = values.cast(pa.date32())
        elif kind == "datetime":
            values = to_utc(values, zone)
        out[key] = values
    return out


def _as_text(texts: tuple[str, ...], key: str) -> pa.Array:
    """A key whose values differ in JSON kind: each value as text (rare; row by row)."""
    values = [json.loads(text or "{}").get(key) for text in texts]
    return pa.array([None if v is None else str(v) for v in values], pa.string())
