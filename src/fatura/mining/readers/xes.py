"""XES (``.xes``, ``.xes.gz``) -> the canonical Arrow table, streaming.

``lxml.etree.iterparse`` hands over one ``<event>`` / ``<trace>`` at a time; its attribute
elements are copied as text into flat lists, then the element is cleared and dropped from the
tree. Every ``chunk_events`` events the text becomes typed Arrow arrays (grouped and converted
with Arrow, not value by value), so memory stays bounded by the columnar size of the log.

Keys: trace ``concept:name`` -> ``case_id``; event ``concept:name`` -> ``activity``,
``time:timestamp`` -> ``timestamp`` (any XES type: a ``string`` holding a date is parsed too),
``org:resource`` -> ``resource``, ``lifecycle:transition`` -> ``lifecycle``. Every other
attribute is kept with its XES type (string, id -> string; date -> timestamp[us, UTC];
int -> int64; float -> float64; boolean -> bool), recorded in the field's metadata
(``xes:type``); trace attributes become ``case:<key>``. A key seen with two types is widened
(int + float -> float, otherwise text). Nested attributes and ``list``/``container`` values are
not kept; log-level attributes, globals, extensions and classifiers are not events.

Refused with a :class:`LogError` naming line / trace / event: XML that is malformed or
truncated, an unknown encoding or bytes that do not match it, a broken gzip stream, a root that
is not ``<log>``, an event outside a trace, an attribute without key or value, a trace without
``concept:name``, an event without ``concept:name`` or ``time:timestamp`` (a log without any
timestamp is refused as such), a value that does not fit its type.
"""

from __future__ import annotations

import gzip
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from fatura.mining.errors import LogError
from fatura.mining.log import ACTIVITY, CASE, EVENT_INDEX, LIFECYCLE, RESOURCE, TIMESTAMP
from fatura.mining.timestamps import TimestampError, parse_timestamps

EVENT_KEYS = {
    "concept:name": ACTIVITY,
    "time:timestamp": TIMESTAMP,
    "org:resource": RESOURCE,
    "lifecycle:transition": LIFECYCLE,
}
TRACE_KEYS = {"concept:name": CASE}
CANONICAL = {CASE, ACTIVITY, TIMESTAMP, RESOURCE, LIFECYCLE, EVENT_INDEX, "end_timestamp"}
VALUE_TYPES = ("string", "id", "date", "int", "float", "boolean")
CORE = "core"  # the type slot of a standard key: its XES type does not matter
ARROW_TYPES = {"int": pa.int64(), "float": pa.float64(), "boolean": pa.bool_()}


@dataclass
class _Scope:
    """What was read for one scope (events or traces): per row its line, plus the attribute
    elements not yet converted (flat lists) and the converted chunks per (key, type)."""

    what: str  # "event" | "trace"
    core: dict[str, str]
    lines: array = field(default_factory=lambda: array("i"))
    counts: array = field(default_factory=lambda: array("i"))
    tags: list[Any] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)
    texts: list[str | None] = field(default_factory=list)
    flushed_rows: int = 0
    chunks: dict[tuple[str, str], list[tuple[np.ndarray, pa.Array]]] = field(default_factory=dict)

    def has(self, key: str) -> bool:
        return any(name == key for name, _ in self.chunks)


def read_xes(
    path: str | Path, *, naive_zone: str, attributes: bool = True, chunk_events: int = 200_000
) -> pa.Table:
    """Read an XES log into the canonical table (file order). ``attributes=False`` keeps only
    the standard keys (what ``fatura mine`` needs)."""
    reader = _Reader(str(path), naive_zone, attributes, chunk_events)
    with _open(reader.source) as stream:
        reader.parse(stream)
    return reader.table()


class _Reader:
    def __init__(self, source: str, naive_zone: str, attributes: bool, chunk_events: int):
        self.source = source
        self.naive_zone = naive_zone
        self.attributes = attributes
        self.chunk_events = chunk_events
        self.events = _Scope("event", EVENT_KEYS)
        self.traces = _Scope("trace", TRACE_KEYS)
        self.events_per_trace = array("q")
        self.local_names: dict[Any, str] = {}

    # --- parsing ----------------------------------------------------------------------------

    def parse(self, stream: IO[bytes]) -> None:
        context = etree.iterparse(
            stream,
            events=("end",),
            tag=("{*}event", "{*}trace"),
            resolve_entities=False,
            no_network=True,
            huge_tree=True,
            remove_comments=True,
            remove_pis=True,
        )
        events, traces = self.events, self.traces
        keep_all, core_event = self.attributes, EVENT_KEYS
        tags, keys, texts = events.tags, events.keys, events.texts
        add_tag, add_key, add_text = tags.append, keys.append, texts.append
        add_line, add_count = events.lines.append, events.counts.append
        in_trace = 0
        try:
            for _, element in context:
                if self._local(element.tag) == "trace":
                    self._trace(element, in_trace)
                    in_trace = 0
                    continue
                parent = element.getparent()
                if parent is None or self._local(parent.tag) != "trace":
                    where = f"line {element.sourceline}"
                    raise LogError("an <event> outside a <trace>", self.source, where)
                add_line(element.sourceline or 0)
                count = 0
                for child in element:
                    key = child.get("key")
                    if keep_all or key in core_event:
                        add_tag(child.tag)
                        add_key(key)
                        add_text(child.get("value"))
                        count += 1
                add_count(count)
                in_trace += 1
                element.clear(keep_tail=True)
                previous = element.getprevious()  # drop events already read
                while previous is not None and previous.tag == element.tag:
                    parent.remove(previous)
                    previous = element.getprevious()
                if len(events.counts) >= self.chunk_events:
                    self._flush(events)
            root = context.root
        except etree.XMLSyntaxError as error:
            raise self._xml_error(error) from None
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise LogError(f"broken gzip stream ({error})", source=self.source) from None
        root_tag = self._local(root.tag) if root is not None else None
        if root_tag != "log":
            found = f"<{root_tag}>" if root_tag else "no element"
            raise LogError(f"not an XES log: the root is {found}, not <log>", self.source)
        if in_trace:  # cannot happen in well-formed XML: the trace would have ended
            raise LogError("events after the last trace", self.source)
        self._flush(events)
        self._flush(traces)

    def _trace(self, element: Any, events: int) -> None:
        traces = self.traces
        traces.lines.append(element.sourceline or 0)
        self.events_per_trace.append(events)
        count = 0
        for child in element:
            key = child.get("key")
            if self._local(child.tag) == "event" or not (self.attributes or key in TRACE_KEYS):
                continue
            traces.tags.append(child.tag)
            traces.keys.append(key)
            traces.texts.append(child.get("value"))
            count += 1
        traces.counts.append(count)
        element.clear(keep_tail=True)
        parent = element.getparent()
        while element.getprevious() is not None:
            del parent[0]
        if len(traces.counts) >= self.chunk_events:
            self._flush(traces)

    def _local(self, tag: Any) -> str:
        name = self.local_names.get(tag)
        if name is None:
            name = self.local_names[tag] = (
                str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""
            )
        return name

    def _flush(self, scope: _Scope) -> None:
        """Pending attribute text -> typed Arrow chunks per (key, type), with Arrow."""
        counts = np.array(scope.counts, dtype=np.int32)
        first = scope.flushed_rows
        rows = np.repeat(np.arange(first, first + len(counts), dtype=np.int64), counts)
        scope.flushed_rows += len(counts)
        del scope.counts[:]  # emptied in place: the parse loop holds their append methods
        if len(rows) == 0:
            return
        try:
            tags = pc.dictionary_encode(pa.array(scope.tags, pa.string()))
        except (pa.ArrowTypeError, pa.ArrowInvalid):  # an entity or other non-element child
            tags = pc.dictionary_encode(pa.array([self._local(t) for t in scope.tags]))
        keys = pa.array(scope.keys, pa.string())
        texts = pa.array(scope.texts, pa.string())
        del scope.tags[:], scope.keys[:], scope.texts[:]
        kind_names = [self._local(tag) for tag in tags.dictionary.to_pylist()]
        kept = np.isin(
            tags.indices.to_numpy(),
            [code for code, kind in enumerate(kind_names) if kind in VALUE_TYPES],
        )
        incomplete = kept & np.asarray(pc.or_(keys.is_null(), texts.is_null()))
        if incomplete.any():
            at = int(np.flatnonzero(incomplete)[0])
            missing = "key" if keys[at].as_py() is None else "value"
            kind = kind_names[tags.indices[at].as_py()]
            raise self._error(scope, int(rows[at]), f"a <{kind}> attribute without {missing}")
        key_codes = pc.dictionary_encode(keys)
        key_names = key_codes.dictionary.to_pylist()
        group = key_codes.indices.to_numpy(zero_copy_only=False).astype(np.int64) * (
            len(kind_names) + 1
        ) + np.asarray(tags.indices.to_numpy(), dtype=np.int64)
        group[~kept] = -1
        order = np.argsort(group, kind="stable")
        ordered = group[order]
        bounds = np.flatnonzero(np.diff(ordered)) + 1
        for positions in np.split(order, bounds):
            code = int(group[positions[0]])
            if code < 0:
                continue
            key = key_names[code // (len(kind_names) + 1)]
            kind = CORE if key in scope.core else kind_names[code % (len(kind_names) + 1)]
            values = texts.take(pa.array(positions))
            try:
                typed = self._typed(key, kind, values)
            except _BadValueError as bad:
                row = int(rows[positions[bad.index]])
                shown = values[bad.index].as_py()
                raise self._error(scope, row, f"{key} = {shown!r}: {bad.reason}") from None
            scope.chunks.setdefault((key, kind), []).append((rows[positions], typed))

    def _typed(self, key: str, kind: str, text: pa.Array) -> pa.Array:
        if key == "time:timestamp" or kind == "date":
            try:
                return parse_timestamps(text, self.naive_zone)
            except TimestampError as bad:
                raise _BadValueError(bad.index, bad.reason) from None
        if kind not in ARROW_TYPES:  # string, id, and the standard keys other than time
            return text
        clean = pc.utf8_trim_whitespace(text)
        try:
            return pc.cast(clean, ARROW_TYPES[kind])
        except pa.ArrowInvalid:
            index = next(i for i in range(len(clean)) if not _castable(clean[i], kind))
            raise _BadValueError(index, f"not a valid {kind}") from None

    def _error(self, scope: _Scope, row: int, message: str) -> LogError:
        where = f"line {scope.lines[row]}, {self._where(scope, row)}"
        return LogError(message, self.source, where)

    def _where(self, scope: _Scope, row: int) -> str:
        if scope.what == "trace":
            return f"trace {row + 1}"
        ends = np.cumsum(np.frombuffer(self.events_per_trace, dtype=np.int64))
        trace = int(np.searchsorted(ends, row, side="right"))
        first = int(ends[trace - 1]) if trace else 0
        return f"trace {trace + 1}, event {row - first + 1}"

    def _xml_error(self, error: etree.XMLSyntaxError) -> LogError:
        line, column = error.position if error.position else (error.lineno, 0)
        message = str(error.msg or error).split(", line ")[0]
        if message.startswith("Unsupported encoding"):
            encoding = message.split(":", 1)[-1].strip()
            text = f"unknown encoding {encoding!r} declared in the XML header"
        elif "encoding" in message.lower() or "UTF-8" in message:
            text = f"bytes that do not match the declared encoding ({message})"
        else:
            text = f"malformed or truncated XML ({message})"
        return LogError(text, self.source, f"line {line}, column {column}")

    # --- the table ---------------------------------------------------------------------------

    def table(self) -> pa.Table:
        events = len(self.events.lines)
        if events == 0:
            raise LogError("the log has no events", self.source)
        if not self.events.has("time:timestamp"):
            raise LogError(
                "the log has no timestamps: no event has time:timestamp, so there is no order in "
                "time and no duration to mine; Fatura refuses such logs (export them again with "
                "the events' timestamps)",
                self.source,
            )
        trace_of_event = pa.array(
            np.repeat(
                np.arange(len(self.events_per_trace), dtype=np.int64),
                np.frombuffer(self.events_per_trace, dtype=np.int64),
            )
        )
        case = self._column(self.traces, "concept:name")
        self._refuse_missing(self.traces, case, "concept:name (the case id)")
        columns: dict[str, pa.Array] = {CASE: case.take(trace_of_event)}
        metadata: dict[str, dict[bytes, bytes]] = {}
        for key, name in EVENT_KEYS.items():
            values = self._column(self.events, key)
            if name in (ACTIVITY, TIMESTAMP):
                self._refuse_missing(self.events, values, key)
            if values.null_count < events:
                columns[name] = values
        for scope, prefix in ((self.events, ""), (self.traces, "case:")):
            for key in dict.fromkeys(name for name, _ in scope.chunks):
                if key in scope.core:
                    continue
                values = self._column(scope, key)
                if scope is self.traces:
                    values = values.take(trace_of_event)
                name = prefix + key
                if name in CANONICAL or name in columns:
                    name = f"xes:{name}"
                columns[name] = values
                kinds = {kind for found, kind in scope.chunks if found == key}
                metadata[name] = {b"xes:type": _xes_type(kinds).encode()}
        schema = pa.schema(
            [
                pa.field(name, values.type, metadata=metadata.get(name))
                for name, values in columns.items()
            ]
        )
        return pa.Table.from_arrays(list(columns.values()), schema=schema)

    def _column(self, scope: _Scope, key: str) -> pa.Array:
        """The key's values over all rows of the scope (null where absent)."""
        length = len(scope.lines)
        chunks = [
            chunk for (name, _), found in scope.chunks.items() if name == key for chunk in found
        ]
        if not chunks:
            return pa.nulls(length, pa.string())
        target = _widest([typed.type for _, typed in chunks])
        rows = np.concatenate([found for found, _ in chunks])
        typed = pa.concat_arrays([_widen(values, target) for _, values in chunks])
        index = np.full(length, -1, dtype=np.int64)
        index[rows] = np.arange(len(rows), dtype=np.int64)  # a repeated key: the last one wins
        return typed.take(pa.array(index, mask=index < 0))

    def _refuse_missing(self, scope: _Scope, values: pa.Array, key: str) -> None:
        if values.null_count:
            row = int(pc.index(pc.is_null(values), True).as_py())
            raise self._error(scope, row, f"{scope.what} without {key}")


class _BadValueError(ValueError):
    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index = index
        self.reason = reason


def _xes_type(kinds: set[str]) -> str:
    if len(kinds) == 1:
        return next(iter(kinds))
    return "float" if kinds <= {"int", "float"} else "string"


def _castable(value: pa.Scalar, kind: str) -> bool:
    try:
        pa.array([value.as_py()], pa.string()).cast(ARROW_TYPES[kind])
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return False
    return True


def _widest(types: list[pa.DataType]) -> pa.DataType:
    distinct = set(types)
    if len(distinct) == 1:
        return types[0]
    if distinct <= {pa.int64(), pa.float64()}:
        return pa.float64()
    return pa.string()


def _widen(values: pa.Array, target: pa.DataType) -> pa.Array:
    if values.type == target:
        return values
    if pa.types.is_timestamp(values.type) and target == pa.string():
        return pc.strftime(values, format="%Y-%m-%dT%H:%M:%S.%f%z")
    return values.cast(target)


class _open:  # noqa: N801 - a context manager used like open()
    """The file, or its gzip stream (by its magic bytes, whatever the name says)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.files: list[IO[bytes]] = []

    def __enter__(self) -> IO[bytes]:
        try:
            raw = open(self.source, "rb")
        except OSError as error:
            raise LogError(f"cannot open the file ({error.strerror})", self.source) from None
        self.files.append(raw)
        if raw.read(2) == b"\x1f\x8b":
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw)
            self.files.append(stream)  # type: ignore[arg-type]
            return stream  # type: ignore[return-value]
        raw.seek(0)
        return raw

    def __exit__(self, *exc: object) -> None:
        for file in reversed(self.files):
            file.close()
