"""XES (IEEE 1849-2016) export: one ``<trace>`` per case with its events in log order.

Standard keys: trace ``concept:name`` (case id); event ``concept:name`` (activity),
``time:timestamp``, ``org:resource``, ``lifecycle:transition``; the extensions are declared.
Every other column is an attribute typed by its Arrow type — text -> ``string`` (``id`` when
the XES reader recorded it so), timestamps -> ``date`` (ISO 8601 in UTC, microseconds, offset
``+00:00``), integers -> ``int``, floating point and decimals -> ``float``, booleans ->
``boolean`` — and a null is no attribute. Columns ``case:<key>`` are trace attributes (their
value at the case's first event). ``end_timestamp`` is written as a ``date`` attribute.

Built in columns, not event by event: each attribute becomes an Arrow array of XML fragments
(escaped with Arrow string kernels), fragments are joined per event, events per case (a list
array over the case offsets), and the bytes are written in batches of cases.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO, cast
from xml.sax.saxutils import quoteattr

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.log import ACTIVITY, CASE, EVENT_INDEX, LIFECYCLE, RESOURCE, TIMESTAMP, EventLog
from fatura.mining.writers.tabular import iso_utc

EVENT_KEYS = {
    ACTIVITY: "concept:name",
    TIMESTAMP: "time:timestamp",
    RESOURCE: "org:resource",
    LIFECYCLE: "lifecycle:transition",
}
HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">
<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
<classifier name="Activity" keys="concept:name"/>
<string key="source" value="Fatura"/>
"""
FOOTER = "</log>\n"
BATCH_EVENTS = 100_000


def write_xes(log: EventLog, path: Path, *, compress: bool = False) -> None:
    table = log.table
    if EVENT_INDEX in table.column_names:
        table = table.drop_columns([EVENT_INDEX])
    offsets = log.case_offsets
    with _open(path, compress) as stream:
        stream.write(HEADER.encode())
        first = 0
        while first < log.cases:
            last = int(np.searchsorted(offsets, offsets[first] + BATCH_EVENTS, side="right"))
            last = min(max(last - 1, first + 1), log.cases)
            _write_cases(stream, table, offsets[first : last + 1])
            first = last
        stream.write(FOOTER.encode())


def _open(path: Path, compress: bool) -> IO[bytes]:
    if compress:
        return cast(IO[bytes], gzip.open(path, "wb", compresslevel=6))
    return open(path, "wb")


def _write_cases(stream: IO[bytes], table: pa.Table, offsets: np.ndarray) -> None:
    start, stop = int(offsets[0]), int(offsets[-1])
    events = table.slice(start, stop - start)
    event_fragments = [pa.scalar("<event>")]
    firsts = pa.array(offsets[:-1] - start)
    trace_fragments = [_fragment("concept:name", events.column(CASE).take(firsts))]
    for field, column in zip(events.schema, events.columns, strict=True):
        if field.name == CASE:
            continue
        if field.name.startswith("case:"):
            trace_fragments.append(_fragment(field.name[5:], column.take(firsts), field))
        else:
            key = EVENT_KEYS.get(field.name, field.name)
            event_fragments.append(_fragment(key, column, field))
    event_fragments.append(pa.scalar("</event>\n"))
    event_lines = pc.binary_join_element_wise(*event_fragments, "")
    event_lines = _one_chunk(event_lines)
    per_case = pa.LargeListArray.from_arrays(pa.array(offsets - start, pa.int64()), event_lines)
    body = pc.binary_join(per_case, "")
    trace_lines = pc.binary_join_element_wise(
        pa.scalar("<trace>"), *trace_fragments, pa.scalar("\n"), body, pa.scalar("</trace>\n"), ""
    )
    stream.write(_concatenated(_one_chunk(trace_lines)))


def _fragment(
    key: str, column: pa.ChunkedArray | pa.Array, field: pa.Field | None = None
) -> pa.Array:
    """``<tag key="key" value="..."/>`` per row, ``""`` where the value is null."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    declared = (field.metadata or {}).get(b"xes:type", b"").decode() if field else ""
    if pa.types.is_timestamp(kind):
        tag, text = "date", iso_utc(column)
    elif pa.types.is_date(kind):
        tag, text = "date", iso_utc(column.cast(pa.timestamp("us")).cast(pa.timestamp("us", "UTC")))
    elif pa.types.is_boolean(kind):
        tag, text = "boolean", column.cast(pa.string())
    elif pa.types.is_integer(kind):
        tag, text = "int", column.cast(pa.string())
    elif pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        tag, text = "float", column.cast(pa.float64()).cast(pa.string())
    else:
        tag = "id" if declared == "id" else "string"
        try:
            text = _escape(column.cast(pa.string()))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return pa.scalar("")
    head = pa.scalar(f'<{tag} key={quoteattr(key)} value="')
    return pc.fill_null(pc.binary_join_element_wise(head, text, pa.scalar('"/>'), ""), "")


def _escape(text: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    text = pc.replace_substring_regex(text, r"[\x{00}-\x{08}\x{0B}\x{0C}\x{0E}-\x{1F}]", "")
    for raw, entity in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ('"', "&quot;"),
        ("\n", "&#10;"),
        ("\r", "&#13;"),
        ("\t", "&#9;"),
    ):
        text = pc.replace_substring(text, raw, entity)
    return text


def _one_chunk(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    return values


def _concatenated(values: pa.Array) -> memoryview:
    """The bytes of every string of ``values`` one after the other (no nulls): a slice of the
    array's data buffer, no copy."""
    values = values.cast(pa.large_string())
    _, offsets_buffer, data = values.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)
    start, stop = int(offsets[values.offset]), int(offsets[values.offset + len(values)])
    if data is None:
        return memoryview(b"")
    return memoryview(data)[start:stop]
