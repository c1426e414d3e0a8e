"""Reads of the per-invoice derived attributes (:mod:`fatura.mining.case_table`) for the API,
the page and the exports: the table of a log's cases that the ``where`` filters keep, sorted,
and its rows as Python values (money as Decimal, instants timezone-aware).

The table is computed once on the whole log (so a case's DaysOverdue is measured at the same
``as_of`` whatever the filters) and the filters' case mask then picks its rows.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.case_table import COLUMNS, DERIVED, TEXT, case_table
from fatura.mining.log import EventLog

SORTABLE = COLUMNS
DEFAULT_SORT = "case_id"
CENT = Decimal("0.01")
DAY_PLACES = 4  # durations in days: to the ~9 seconds
DAY_COLUMNS = tuple(k for k in DERIVED if k.endswith("_days"))


def epoch_us(moment: dt.datetime | None) -> int | None:
    if moment is None:
        return None
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


def cases_table(
    log: EventLog,
    where: Any = None,
    *,
    sort: str = DEFAULT_SORT,
    descending: bool = False,
    as_of: dt.datetime | None = None,
    zone: str | None = None,
) -> pa.Table:
    """The derived attributes of the cases of ``log`` that ``where`` (a
    :class:`~fatura.mining.engine.filters.CaseFilter`, or None) keeps, sorted by ``sort``
    (nulls last; ties by case id)."""
    if sort not in SORTABLE:
        raise ValueError(f"cannot sort by {sort!r}; use one of {', '.join(SORTABLE)}")
    table = case_table(log, as_of=epoch_us(as_of), zone=zone)
    if where:
        table = table.filter(pa.array(where.case_mask(log)))
    keys = [(sort, "descending" if descending else "ascending", "at_end")]
    if sort != "case_id":
        keys.append(("case_id", "ascending", "at_end"))
    return table.take(pc.sort_indices(table, sort_keys=keys))


def _days(value: float | None) -> float | None:
    return None if value is None else round(value, DAY_PLACES)


def row_values(row: dict[str, Any]) -> dict[str, Any]:
    """One row of the table as the API and the CSV give it."""
    out = dict(row)
    amount = out.get("amount")
    out["amount"] = None if amount is None else Decimal(repr(amount)).quantize(CENT)
    for key in DAY_COLUMNS:
        out[key] = _days(out.get(key))
    return out


def rows(table: pa.Table, offset: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
    """Rows ``offset`` .. ``offset + limit`` of ``table`` as :func:`row_values`."""
    end = table.num_rows if limit is None else min(table.num_rows, offset + limit)
    if offset >= end:
        return []
    return [row_values(r) for r in table.slice(offset, end - offset).to_pylist()]


def iter_rows(table: pa.Table, batch: int = 10_000) -> Iterator[dict[str, Any]]:
    """Every row, a batch at a time (the CSV streams them)."""
    for start in range(0, table.num_rows, batch):
        yield from rows(table, start, batch)


def parquet_bytes(table: pa.Table) -> bytes:
    """The table as one Parquet file (the columns and types of :mod:`.case_table`)."""
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def csv_text(table: pa.Table) -> str:
    """The table as CSV for programs (the API): field names, ISO instants, dot decimals."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in iter_rows(table):
        writer.writerow(["" if row[k] is None else _plain(row[k]) for k in COLUMNS])
    return out.getvalue()


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def text_columns() -> Sequence[str]:
    return TEXT
