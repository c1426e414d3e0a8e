"""Readers: a file -> the canonical Arrow table (file order) -> :class:`EventLog`.

=================  ===========================================================
``.xes``           XES, streaming (:mod:`.xes`); ``.xes.gz`` gzip-compressed
``.csv``           CSV with a column mapping (:mod:`.tabular`); ``.csv.gz`` too
``.parquet``       Parquet with a column mapping (:mod:`.tabular`)
=================  ===========================================================
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pyarrow as pa

from fatura.mining.errors import LogError
from fatura.mining.log import EventLog
from fatura.mining.readers.capped import DEFAULT_MAX_UNPACKED
from fatura.mining.readers.tabular import ColumnMapping
from fatura.mining.timestamps import check_zone, default_zone

__all__ = ["FORMATS", "ColumnMapping", "log_format", "read_log", "read_table"]

FORMATS = {
    ".xes": "xes",
    ".xes.gz": "xes",
    ".csv": "csv",
    ".csv.gz": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def log_format(path: str | Path) -> str:
    name = str(path).lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return FORMATS[suffix]
    known = ", ".join(FORMATS)
    raise LogError(f"unknown log format; the name must end in one of {known}", str(path))


def read_table(
    path: str | Path,
    *,
    mapping: ColumnMapping | None = None,
    naive_zone: str | None = None,
    attributes: bool | Collection[str] = True,
    encoding: str = "utf-8",
    max_unpacked: int | None = DEFAULT_MAX_UNPACKED,
) -> pa.Table:
    """The log as the canonical table in file order (see :mod:`fatura.mining.log`).

    ``mapping`` applies to CSV and Parquet; ``naive_zone`` is the zone of timestamps without
    an offset (default ``FATURA_TIME_ZONE`` or America/Sao_Paulo); ``attributes=False`` reads
    only the mapped / standard columns, a collection of names those and the attributes so
    named (``fatura mine``'s KPIs); ``max_unpacked``: how far a ``.gz`` may expand (bytes).
    """
    kind = log_format(path)
    zone = naive_zone or default_zone()
    try:
        check_zone(zone)
    except ValueError as error:
        raise LogError(str(error)) from None
    if kind == "xes":
        from fatura.mining.readers.xes import read_xes

        return read_xes(path, naive_zone=zone, attributes=attributes, max_unpacked=max_unpacked)
    mapping = mapping or ColumnMapping()
    if kind == "csv":
        from fatura.mining.readers.tabular import read_csv

        return read_csv(
            path,
            mapping=mapping,
            naive_zone=zone,
            attributes=attributes,
            encoding=encoding,
            max_unpacked=max_unpacked,
        )
    from fatura.mining.readers.tabular import read_parquet

    return read_parquet(path, mapping=mapping, naive_zone=zone, attributes=attributes)


def read_log(
    path: str | Path,
    *,
    mapping: ColumnMapping | None = None,
    naive_zone: str | None = None,
    attributes: bool | Collection[str] = True,
    encoding: str = "utf-8",
) -> EventLog:
    """Read and order a log (options as for :func:`read_table`)."""
    table = read_table(
        path, mapping=mapping, naive_zone=naive_zone, attributes=attributes, encoding=encoding
    )
    return EventLog.from_table(table, name=str(path))
