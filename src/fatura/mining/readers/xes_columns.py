"""What both XES paths produce, and the table made of it: per scope (events, traces) the rows,
the attribute text handed over in groups, typed with Arrow per (key, XES type), then widened and
assembled into the canonical table (see :mod:`.xes` for the keys, types and refusals).

Conversion orders keys and types by their first appearance within each group, so the two paths
hand over the same groups (every ``chunk_events`` rows) to get the very same table.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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
class Scope:
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


class Columns:
    """The rows read so far and their typed attribute chunks; :meth:`table` assembles them."""

    def __init__(
        self,
        source: str,
        naive_zone: str,
        attributes: bool | Collection[str],
        chunk_events: int,
    ):
        self.source = source
        self.naive_zone = naive_zone
        self.attributes = attributes
        # the keys read when not all are: the standard ones, and those of a collection
        # ``attributes`` (as events' or traces' own keys)
        extra = () if isinstance(attributes, bool) else tuple(attributes)
        self.event_keys = {*EVENT_KEYS, *extra}
        self.trace_keys = {*TRACE_KEYS, *extra}
        self.chunk_events = chunk_events
        self.events = Scope("event", EVENT_KEYS)
        self.traces = Scope("trace", TRACE_KEYS)
        self.events_per_trace = array("q")
        self.local_names: dict[Any, str] = {}

    def local(self, tag: Any) -> str:
        name = self.local_names.get(tag)
        if name is None:
            name = self.local_names[tag] = (
                str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""
            )
        return name

    def convert(
        self, scope: Scope, counts: np.ndarray, tags: pa.Array, keys: pa.Array, texts: pa.Array
    ) -> None:
        """Attribute text (per row its count) -> typed Arrow chunks per (key, type)."""
        first = scope.flushed_rows
        rows = np.repeat(np.arange(first, first + len(counts), dtype=np.int64), counts)
        scope.flushed_rows += len(counts)
        if len(rows) == 0:
            return
        tags = pc.dictionary_encode(tags)
        kind_names = [self.local(tag) for tag in tags.dictionary.to_pylist()]
        kept = np.isin(
            tags.indices.to_numpy(),
            [code for code, kind in enumerate(kind_names) if kind in VALUE_TYPES],
        )
        incomplete = kept & np.asarray(pc.or_(keys.is_null(), texts.is_null()))
        if incomplete.any():
            at = int(np.flatnonzero(incomplete)[0])
            missing = "key" if keys[at].as_py() is None else "value"
            kind = kind_names[tags.indices[at].as_py()]
            raise self.error(scope, int(rows[at]), f"a <{kind}> attribute without {missing}")
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
                raise self.error(scope, row, f"{key} = {shown!r}: {bad.reason}") from None
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

    def error(self, scope: Scope, row: int, message: str) -> LogError:
        where = f"line {scope.lines[row]}, {self._where(scope, row)}"
        return LogError(message, self.source, where)

    def _where(self, scope: Scope, row: int) -> str:
        if scope.what == "trace":
            return f"trace {row + 1}"
        ends = np.cumsum(np.frombuffer(self.events_per_trace, dtype=np.int64))
        trace = int(np.searchsorted(ends, row, side="right"))
        first = int(ends[trace - 1]) if trace else 0
        return f"trace {trace + 1}, event {row - first + 1}"

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

    def _column(self, scope: Scope, key: str) -> pa.Array:
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

    def _refuse_missing(self, scope: Scope, values: pa.Array, key: str) -> None:
        if values.null_count:
            row = int(pc.index(pc.is_null(values), True).as_py())
            raise self.error(scope, row, f"{scope.what} without {key}")


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
