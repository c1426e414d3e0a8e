"""CSV and Parquet exports with the XES keys as column names (what pm4py, Celonis and Disco map
without asking): ``case:concept:name``, ``concept:name``, ``time:timestamp``,
``org:resource``, ``lifecycle:transition``, ``end_timestamp``, then every attribute under its
own name (case attributes keep their ``case:`` prefix). Rows are in log order (by case, then
time). CSV timestamps are ISO 8601 in UTC with the offset written out
(``2024-03-01T12:00:05.000000+00:00``); Parquet keeps them as ``timestamp[us, UTC]``."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

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

XES_NAMES = {
    CASE: "case:concept:name",
    ACTIVITY: "concept:name",
    TIMESTAMP: "time:timestamp",
    RESOURCE: "org:resource",
    LIFECYCLE: "lifecycle:transition",
    END_TIMESTAMP: "end_timestamp",
}


def export_table(log: EventLog) -> pa.Table:
    """The log in order with XES column names (``event_index`` dropped)."""
    table = log.table
    if EVENT_INDEX in table.column_names:
        table = table.drop_columns([EVENT_INDEX])
    first = [name for name in XES_NAMES if name in table.column_names]
    rest = [name for name in table.column_names if name not in XES_NAMES]
    table = table.select(first + rest)
    taken = set(XES_NAMES.values())
    names = [
        XES_NAMES.get(name, f"attribute:{name}" if name in taken else name)
        for name in table.column_names
    ]
    return table.rename_columns(names)


def write_parquet(log: EventLog, path: Path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(export_table(log), str(path))


def write_csv(log: EventLog, path: Path) -> None:
    from pyarrow import csv

    table = export_table(log)
    columns = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type):
            column = iso_utc(column)
        columns.append(column)
    table = pa.Table.from_arrays(columns, names=table.column_names)
    csv.write_csv(table, str(path), write_options=csv.WriteOptions(quoting_style="needed"))


def iso_utc(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Timestamps as ISO 8601 text in UTC with the offset (``+00:00``), microseconds kept."""
    utc = column.cast(pa.timestamp("us", tz="UTC"))
    text = pc.strftime(utc, format="%Y-%m-%dT%H:%M:%S")
    return pc.binary_join_element_wise(text, pa.scalar("+00:00"), "")
