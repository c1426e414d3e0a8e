"""The columnar event log: one Arrow table, events of a case in order, integer-coded.

Columns (canonical names inside the engine; XES/pm4py keys only at the edges):

========================  ==========================  =========================================
column                    type                        from XES
========================  ==========================  =========================================
``case_id``               string                      trace ``concept:name``
``activity``              string                      event ``concept:name``
``timestamp``             timestamp[us, UTC]          ``time:timestamp``
``end_timestamp``         timestamp[us, UTC], opt.    (CSV/Parquet mapping only)
``resource``              string, optional            ``org:resource``
``lifecycle``             string, optional            ``lifecycle:transition``
any other                 its own type                event attribute (trace ones as ``case:<key>``)
``event_index``           int64                       position in the file (0-based)
========================  ==========================  =========================================

**Ordering rule.** The events of a case are ordered by timestamp; events with the same
timestamp keep their order in the file. It is one stable sort by (case, timestamp, position in
the file) — the order pm4py uses after ``pm4py.format_dataframe``.

For the fast path the log is also kept as NumPy arrays in that order: ``activity_codes`` (int32
codes into ``activity_names``), ``timestamps`` (int64 microseconds since the epoch, UTC) and
``case_offsets`` (case ``k`` is ``case_offsets[k]:case_offsets[k + 1]``, named
``case_names[k]``). The sorted Arrow table is built only when asked for (``table``).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.errors import LogError
from fatura.mining.timestamps import UTC_US

CASE = "case_id"
ACTIVITY = "activity"
TIMESTAMP = "timestamp"
END_TIMESTAMP = "end_timestamp"
RESOURCE = "resource"
LIFECYCLE = "lifecycle"
EVENT_INDEX = "event_index"
REQUIRED = (CASE, ACTIVITY, TIMESTAMP)


class EventLog:
    """An event log in columns. Build it with :meth:`from_table`."""

    def __init__(
        self,
        source: pa.Table,
        *,
        order: np.ndarray | None,
        case_names: pa.Array,
        case_offsets: np.ndarray,
        activity_names: pa.Array,
        activity_codes: np.ndarray,
        timestamps: np.ndarray,
        name: str | None = None,
    ) -> None:
        self.source = source  # as read: file order, canonical column names
        self.order = order  # source row of each event in log order; None: already in order
        self.case_names = case_names
        self.case_offsets = case_offsets
        self.activity_names = activity_names
        self.activity_codes = activity_codes
        self.timestamps = timestamps
        self.name = name

    @classmethod
    def from_table(cls, table: pa.Table, *, name: str | None = None) -> EventLog:
        """Validate, integer-code and order a table with (at least) the canonical columns."""
        missing = [column for column in REQUIRED if column not in table.column_names]
        if missing:
            raise LogError(f"missing column(s) {', '.join(missing)}", source=name)
        if table.num_rows == 0:
            raise LogError("the log has no events", source=name)
        for column in REQUIRED:
            _refuse_nulls(table, column, name)
        stamp = table.column(TIMESTAMP)
        if not (pa.types.is_timestamp(stamp.type) and stamp.type.tz is not None):
            raise LogError(f"column {TIMESTAMP} must be a zoned timestamp, not {stamp.type}")
        stamp = stamp.combine_chunks() if stamp.num_chunks != 1 else stamp.chunk(0)
        if stamp.type != UTC_US:
            stamp = stamp.cast(UTC_US)
        table = table.set_column(table.column_names.index(TIMESTAMP), TIMESTAMP, [stamp])
        case_codes, case_names = encode(table.column(CASE))
        activity_codes, activity_names = encode(table.column(ACTIVITY))
        timestamps = _int64(stamp)
        order = stable_order(case_codes, timestamps, len(case_names))
        counts = np.bincount(case_codes, minlength=len(case_names))
        del case_codes
        if order is not None:
            activity_codes = activity_codes[order]
            timestamps = timestamps[order]
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return cls(
            table,
            order=order,
            case_names=case_names,
            case_offsets=offsets,
            activity_names=activity_names,
            activity_codes=activity_codes,
            timestamps=timestamps,
            name=name,
        )

    @property
    def events(self) -> int:
        return len(self.activity_codes)

    @property
    def cases(self) -> int:
        return len(self.case_names)

    @cached_property
    def case_codes(self) -> np.ndarray:
        """The case of every event, in log order (codes into ``case_names``)."""
        lengths = np.diff(self.case_offsets)
        return np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)

    @cached_property
    def table(self) -> pa.Table:
        """The whole log as one Arrow table in log order, with ``event_index``."""
        source = self.source
        if EVENT_INDEX not in source.column_names:
            source = source.append_column(EVENT_INDEX, pa.array(np.arange(source.num_rows)))
        if self.order is not None:
            source = source.take(pa.array(self.order))
        fields, columns = [], []
        for field, column in zip(source.schema, source.columns, strict=True):
            if pa.types.is_dictionary(field.type):
                column = column.cast(field.type.value_type)
            if field.name in (CASE, ACTIVITY) and column.type != pa.string():
                column = column.cast(pa.string())
            fields.append(pa.field(field.name, column.type, metadata=field.metadata))
            columns.append(column)
        schema = pa.schema(fields, metadata=source.schema.metadata)
        return pa.Table.from_arrays(columns, schema=schema)

    def core_table(self) -> pa.Table:
        """case_id, activity, ts_us (int64 microseconds), event_index — in file order: the
        input of the portable (Ibis) engine, which does its own ordering."""
        case = self.source.column(CASE)
        activity = self.source.column(ACTIVITY)
        return pa.table(
            {
                CASE: _as_string(case),
                ACTIVITY: _as_string(activity),
                "ts_us": pa.array(_int64(self.source.column(TIMESTAMP))),
                EVENT_INDEX: pa.array(np.arange(self.source.num_rows, dtype=np.int64)),
            }
        )


def encode(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Dictionary-encode a column: int32 codes (dense: every code is used) and the values as
    strings (for a plain column, in order of first appearance)."""
    if isinstance(column, pa.Array):
        column = pa.chunked_array([column])
    if pa.types.is_dictionary(column.type):
        codes, names = _encode_dictionary_chunks(column)
    else:
        array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        encoded = pc.dictionary_encode(array)
        codes = _codes(encoded.indices)
        names = encoded.dictionary
    names = names.cast(pa.string())
    used = np.bincount(codes, minlength=len(names)) > 0
    if not used.all():  # a dictionary with values no row uses
        remap = (np.cumsum(used) - 1).astype(np.int32)
        codes = remap[codes]
        names = names.filter(pa.array(used))
    return codes, names


def _encode_dictionary_chunks(column: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Chunks read from Parquet share a dictionary per row group: encode each distinct
    dictionary once, then map every chunk's indices through it."""
    first_of: dict[tuple[int, ...], int] = {}
    dictionaries: list[pa.Array] = []
    for chunk in column.chunks:
        dictionary = chunk.dictionary
        key = (*(b.address if b else 0 for b in dictionary.buffers()), dictionary.offset)
        if key not in first_of:
            first_of[key] = len(dictionaries)
            dictionaries.append(dictionary)
    values = pa.concat_arrays([d.cast(column.type.value_type) for d in dictionaries])
    encoded = pc.dictionary_encode(values)
    global_codes = _codes(encoded.indices)
    starts = np.cumsum([0, *(len(d) for d in dictionaries)])
    codes = np.empty(len(column), dtype=np.int32)
    at = 0
    for chunk in column.chunks:
        dictionary = chunk.dictionary
        key = (*(b.address if b else 0 for b in dictionary.buffers()), dictionary.offset)
        which = first_of[key]
        mapping = global_codes[starts[which] : starts[which + 1]]
        np.take(mapping, _codes(chunk.indices), out=codes[at : at + len(chunk)])
        at += len(chunk)
    return codes, encoded.dictionary


def stable_order(case_codes: np.ndarray, timestamps: np.ndarray, cases: int) -> np.ndarray | None:
    """The permutation that sorts events by (case code, timestamp, position), or ``None`` when
    they already are.

    One sort of one int64 key where the bits allow it (NumPy's SIMD sort), else ``lexsort``:
    a log in time order (an event table) sorts by (case, position); a log grouped by case
    (XES) usually needs no sort at all.
    """
    n = len(case_codes)
    if n < 2:
        return None
    steps_back = timestamps[1:] < timestamps[:-1]
    same_case = case_codes[1:] == case_codes[:-1]
    if not np.any(case_codes[1:] < case_codes[:-1]) and not np.any(steps_back & same_case):
        return None  # grouped by case (in code order) and in time order within each case
    del same_case
    row_bits = int(n).bit_length()
    case_bits = max(int(cases - 1).bit_length(), 1)
    index_type = np.int32 if n < 2**31 else np.int64
    mask = (1 << row_bits) - 1
    if not steps_back.any() and case_bits + row_bits <= 63:
        key = case_codes.astype(np.int64)
        key <<= row_bits
        key |= np.arange(n, dtype=np.int64)
        key.sort()
        key &= mask
        return key.astype(index_type)
    del steps_back
    low = int(timestamps.min())
    time_bits = max(int(int(timestamps.max()) - low).bit_length(), 1)
    if case_bits + time_bits > 63 or 2 * row_bits > 63:
        return np.lexsort((timestamps, case_codes)).astype(index_type)
    key = case_codes.astype(np.int64)
    key <<= time_bits
    key |= timestamps - low
    order = np.argsort(key)  # not stable: ties are put back in file order below
    key = key[order]
    tied = key[1:] == key[:-1]
    if tied.any():
        run = np.zeros(n, dtype=np.int64)
        np.cumsum(~tied, out=run[1:])
        run <<= row_bits
        run |= order
        run.sort()
        run &= mask
        order = run
    return order.astype(index_type)


def _refuse_nulls(table: pa.Table, column: str, name: str | None) -> None:
    values = table.column(column)
    if values.null_count:
        row = int(pc.index(pc.is_null(values), True).as_py())
        raise LogError(f"row {row + 1} has no {column}", source=name)


def _codes(indices: pa.Array) -> np.ndarray:
    return np.asarray(indices.to_numpy(zero_copy_only=False), dtype=np.int32)


def _int64(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Timestamps as int64 microseconds, without a copy when they are one chunk."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if array.null_count == 0:
        return np.asarray(array.view(pa.int64()).to_numpy(), dtype=np.int64)
    return np.asarray(array.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _as_string(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return column if column.type == pa.string() else column.cast(pa.string())
