"""Small logs written by the tests: edge cases (ties, loops, one-event cases, offsets, rows out
of order) and files in every format, plus a minimal XES writer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from fatura.mining.synthetic import generate

UTC = dt.UTC
BRT = dt.timezone(dt.timedelta(hours=-3))
CET = dt.timezone(dt.timedelta(hours=1))
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def t(day: int, hour: int, minute: int = 0, second: int = 0, zone: dt.tzinfo = UTC) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour, minute, second, tzinfo=zone)


# case, activity, timestamp — in the file's order
EDGE_CASE_ROWS: list[tuple[str, str, dt.datetime]] = [
    ("B", "Invoice Created", t(2, 9)),
    ("A", "Invoice Created", t(1, 9)),
    ("A", "Invoice Completed", t(1, 9)),  # tie with the previous event of A: file order
    ("C", "Invoice Created", t(3, 12)),  # one-event case
    ("A", "Invoice Sent to Customer", t(1, 10, 30, zone=CET)),  # 09:30 UTC
    ("B", "Payment Reminder Issued", t(4, 8, zone=BRT)),  # 11:00 UTC
    ("B", "Payment Reminder Issued", t(4, 11)),  # loop + tie (same instant, other offset)
    ("A", "Payment Received", t(1, 9, 15)),  # out of file order: before Sent to Customer
    ("B", "Invoice Completed", t(2, 9)),  # tie with B's first event, later in the file
    ("D", "Invoice Created", t(5, 1, zone=IST)),
    ("D", "Invoice Created", t(5, 1, zone=IST)),  # a repeated event, same instant
    ("B", "Payment Received", t(6, 0, 0, 1)),
    ("A", "Invoice Closed", t(7, 23, 59, 59, zone=BRT)),
    ("E", "Payment Received", t(8, 10)),
    ("E", "Invoice Created", t(8, 10)),  # tie: file order says Payment first
]


def edge_case_table() -> pa.Table:
    """The edge cases with timestamps as text with their offsets (as a CSV would carry them)."""
    cases, activities, stamps = zip(*EDGE_CASE_ROWS, strict=True)
    return pa.table(
        {
            "case_id": list(cases),
            "activity": list(activities),
            "timestamp": [s.isoformat() for s in stamps],
        }
    )


def generated_table(cases: int = 400, seed: int = 7, *, shuffle: bool = False) -> pa.Table:
    """A generated invoice log; ``shuffle`` puts the rows in a random order (ties then follow
    that order, which both Fatura and pm4py must keep)."""
    table = generate(cases, seed=seed)
    if shuffle:
        order = np.random.default_rng(seed).permutation(table.num_rows)
        table = table.take(pa.array(order))
    return table


def with_offsets(table: pa.Table, seed: int = 3) -> pa.Table:
    """The same instants written as text with a mix of offsets (Z, -03:00, +01:00, +05:30)."""
    zones = [UTC, BRT, CET, IST]
    rng = np.random.default_rng(seed)
    stamps = table.column("timestamp").to_pylist()
    text = [
        s.astimezone(zones[z]).isoformat()
        for s, z in zip(stamps, rng.integers(0, 4, len(stamps)), strict=True)
    ]
    index = table.column_names.index("timestamp")
    return table.set_column(index, "timestamp", pa.array(text))


def write_csv(table: pa.Table, path: Path) -> Path:
    pacsv.write_csv(table, path)
    return path


def write_xes(table: pa.Table, path: Path, *, timestamps_as_text: bool = False) -> Path:
    """A minimal XES writer: one trace per case (in order of first appearance), events in the
    table's order; the timestamp column is written as given (text) or in ISO 8601."""
    rows = table.to_pylist()
    traces: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        traces.setdefault(str(row["case_id"]), []).append(row)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<log xes.version="1.0">']
    for case, events in traces.items():
        lines.append(f'  <trace><string key="concept:name" value={quoteattr(case)}/>')
        for event in events:
            stamp = event["timestamp"]
            value = stamp if isinstance(stamp, str) else stamp.isoformat()  # type: ignore[union-attr]
            kind = "string" if timestamps_as_text else "date"
            lines.append(
                f'    <event><string key="concept:name" value={quoteattr(str(event["activity"]))}/>'
                f'<{kind} key="time:timestamp" value={quoteattr(str(value))}/></event>'
            )
        lines.append("  </trace>")
    lines.append("</log>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def pandas_for_pm4py(table: pa.Table) -> object:
    """The table as pm4py reads a CSV: timestamps parsed to UTC by pandas."""
    import pandas as pd

    frame = table.select(["case_id", "activity", "timestamp"]).to_pandas()
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
    return frame
