"""CSV and Parquet -> the canonical Arrow table, through a column mapping.

The mapping names the file's columns for the case id, the activity and the timestamp (defaults
``case_id``, ``activity``, ``timestamp``) and, optionally, the end timestamp and the resource.
Every other column is kept as an attribute with the type Arrow reads (CSV: inferred). Text
timestamps may carry an offset; naive ones are read in the configured zone (see
:mod:`fatura.mining.timestamps`). A missing column, an empty case id / activity / timestamp or
a bad date is a :class:`LogError` naming the row (1 = the first data row) and the column.
"""

from __future__ import annotations

import codecs
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.errors import LogError
from fatura.mining.log import (
    ACTIVITY,
    CASE,
    END_TIMESTAMP,
    EVENT_INDEX,
    LIFECYCLE,
    RESOURCE,
    TIMESTAMP,
)
from fatura.mining.readers.capped import DEFAULT_MAX_UNPACKED, unpacked_size
from fatura.mining.timestamps import TimestampError, to_utc

CANONICAL = (CASE, ACTIVITY, TIMESTAMP, END_TIMESTAMP, RESOURCE, LIFECYCLE, EVENT_INDEX)


@dataclass(frozen=True)
class ColumnMapping:
    """Which column of the file plays which role."""

    case: str = CASE
    activity: str = ACTIVITY
    timestamp: str = TIMESTAMP
    end_timestamp: str | None = None
    resource: str | None = None

    def roles(self) -> dict[str, str]:
        """canonical name -> file column, for the roles that are mapped."""
        pairs = {
            CASE: self.case,
            ACTIVITY: self.activity,
            TIMESTAMP: self.timestamp,
            END_TIMESTAMP: self.end_timestamp,
            RESOURCE: self.resource,
        }
        return {role: column for role, column in pairs.items() if column}


def read_csv(
    path: str | Path,
    *,
    mapping: ColumnMapping,
    naive_zone: str,
    attributes: bool | Collection[str] = True,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    max_unpacked: int | None = DEFAULT_MAX_UNPACKED,
) -> pa.Table:
    """Read a CSV event log (header on the first line; ``delimiter`` guessed from it: ``,``
    ``;`` or tab). A ``.csv.gz`` expanding past ``max_unpacked`` bytes is refused first."""
    from pyarrow import csv

    source = str(path)
    unpacked_size(source, max_unpacked)  # Arrow decompresses by itself: count it once first
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise LogError(f"unknown encoding {encoding!r}", source) from None
    header = _header(source, encoding)
    delimiter = delimiter or _guess_delimiter(header)
    roles = mapping.roles()
    _refuse_missing_columns(_names(header, delimiter), roles, source)
    text_columns = {column: pa.string() for column in roles.values()}
    try:
        table = csv.read_csv(
            source,
            read_options=csv.ReadOptions(encoding=encoding),
            parse_options=csv.ParseOptions(delimiter=delimiter),
            convert_options=csv.ConvertOptions(
                column_types=text_columns,
                include_columns=_columns(attributes, roles, _names(header, delimiter)),
                null_values=[""],
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as error:
        raise _csv_error(source, encoding, error) from None
    except OSError as error:
        raise LogError(f"cannot read the file ({error})", source) from None
    return canonical(table, mapping, naive_zone, source, attributes)


def read_parquet(
    path: str | Path,
    *,
    mapping: ColumnMapping,
    naive_zone: str,
    attributes: bool | Collection[str] = True,
) -> pa.Table:
    """Read a Parquet event log. Text case ids and activities come straight out of Parquet's
    dictionary pages (no string hashing per row)."""
    import pyarrow.parquet as pq

    source = str(path)
    try:
        schema = pq.read_schema(source)
    except (pa.ArrowInvalid, OSError) as error:
        raise LogError(f"not a readable Parquet file ({error})", source) from None
    roles = mapping.roles()
    _refuse_missing_columns(schema.names, roles, source)
    text = [
        column
        for column in (mapping.case, mapping.activity)
        if pa.types.is_string(schema.field(column).type)
        or pa.types.is_large_string(schema.field(column).type)
    ]
    columns = _columns(attributes, roles, schema.names)
    try:
        table = pq.read_table(source, columns=columns, read_dictionary=text)
    except (pa.ArrowInvalid, OSError) as error:
        raise LogError(f"not a readable Parquet file ({error})", source) from None
    return canonical(table, mapping, naive_zone, source, attributes)


def _columns(
    attributes: bool | Collection[str], roles: dict[str, str], names: list[str]
) -> list[str] | None:
    """The file's columns to read: all (None), the mapped ones, or those and the attributes
    named in ``attributes`` (each also as ``case:<name>``) that the file has."""
    if attributes is True:
        return None
    wanted = set() if attributes is False else {*attributes, *(f"case:{a}" for a in attributes)}
    return list(dict.fromkeys([*roles.values(), *(n for n in names if n in wanted)]))


def canonical(
    table: pa.Table,
    mapping: ColumnMapping,
    naive_zone: str,
    source: str,
    attributes: bool | Collection[str] = True,
) -> pa.Table:
    """The file's table renamed and typed: roles first, then the other columns as attributes."""
    roles = mapping.roles()
    _refuse_missing_columns(table.column_names, roles, source)
    columns: dict[str, pa.ChunkedArray | pa.Array] = {}
    for role, column in roles.items():
        values = table.column(column)
        if role in (CASE, ACTIVITY, TIMESTAMP) and values.null_count:
            row = int(pc.index(pc.is_null(values), True).as_py())
            raise LogError(f"empty {role} (column {column!r})", source, f"row {row + 1}")
        if role in (TIMESTAMP, END_TIMESTAMP):
            values = _timestamps(values, column, naive_zone, source)
        elif role == RESOURCE:
            values = values.cast(pa.string())
        columns[role] = values
    if attributes:
        used = set(roles.values())
        for name in table.column_names:
            if name not in used:
                renamed = f"source:{name}" if name in CANONICAL else name
                columns[renamed] = table.column(name)
    return pa.table(columns)


def _timestamps(values: pa.ChunkedArray, column: str, naive_zone: str, source: str) -> pa.Array:
    try:
        return to_utc(values, naive_zone)
    except TimestampError as bad:
        where = f"row {bad.index + 1}, column {column!r}"
        raise LogError(
            f"{bad.value!r} is not a date and time ({bad.reason})", source, where
        ) from None
    except TypeError as error:
        raise LogError(f"column {column!r}: {error}", source) from None


def _refuse_missing_columns(names: list[str], roles: dict[str, str], source: str) -> None:
    missing = [f"{column!r} ({role})" for role, column in roles.items() if column not in names]
    if missing:
        found = ", ".join(repr(name) for name in names)
        raise LogError(
            f"missing column(s) {', '.join(missing)}; the file has {found} "
            "(map yours with --case / --activity / --timestamp)",
            source,
        )


def _header(source: str, encoding: str) -> str:
    try:
        with pa.input_stream(source, compression="detect") as file:  # .csv.gz too
            first = b""
            while b"\n" not in first and (block := file.read(1 << 16)):
                first += block
        first = first.split(b"\n", 1)[0]
    except (OSError, pa.ArrowInvalid) as error:
        raise LogError(f"cannot open the file ({error})", source) from None
    try:
        return first.decode(encoding)
    except UnicodeDecodeError:
        raise LogError(f"the header is not {encoding} text", source, "line 1") from None


def _guess_delimiter(header: str) -> str:
    counts = {mark: header.count(mark) for mark in (",", ";", "\t")}
    best = max(counts, key=lambda mark: counts[mark])
    return best if counts[best] else ","


def _names(header: str, delimiter: str) -> list[str]:
    import csv as pycsv

    return next(pycsv.reader([header.lstrip("\ufeff")], delimiter=delimiter), [])


def _csv_error(source: str, encoding: str, error: Exception) -> LogError:
    message = str(error)
    if "invalid UTF8" in message or "UTF8" in message:
        where = _first_undecodable_line(source, encoding)
        return LogError(
            f"bytes that are not {encoding} text; give the file's encoding (e.g. --encoding "
            "latin-1)",
            source,
            where,
        )
    return LogError(f"malformed CSV ({message.strip()})", source)


def _first_undecodable_line(source: str, encoding: str) -> str | None:
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with open(source, "rb") as file:
        for raw in file:
            try:
                decoder.decode(raw)
            except UnicodeDecodeError:
                return f"line {line}"
            line += 1
    return None
