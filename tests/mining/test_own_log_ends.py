"""Fatura's own log: a start with an end (dispute, approval request) gets the end's time as
its ``end_timestamp`` in the export."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from fatura.mining.own_log import with_ends
from fatura.mining.timestamps import UTC_US


def day(n: int) -> dt.datetime:
    return dt.datetime(2024, 1, n, tzinfo=dt.UTC)


def test_starts_get_the_first_end_of_their_case_at_or_after_them() -> None:
    rows = [
        ("FAT-1", "Invoice Sent for Approval", day(1), None),
        ("FAT-1", "Invoice Rejected", day(2), None),
        ("FAT-1", "Invoice Sent for Approval", day(3), None),
        ("FAT-1", "Invoice Approved", day(4), None),
        ("FAT-1", "Dispute Registered", day(5), None),
        ("FAT-1", "Dispute Resolved", day(9), None),
        ("FAT-1", "Dispute Registered", day(10), None),  # still open: no end
        ("FAT-2", "Dispute Registered", day(1), day(2)),  # kept as written
        ("FAT-2", "Dispute Resolved", day(3), None),
        ("FAT-3", "Dispute Resolved", day(1), None),  # the end of FAT-1 is not FAT-3's
    ]
    case, activity, at, end = zip(*rows, strict=True)
    table = pa.table(
        {
            "case_id": pa.array(case),
            "activity": pa.array(activity),
            "timestamp": pa.array(at, UTC_US),
            "end_timestamp": pa.array(end, UTC_US),
        }
    )
    got = with_ends(table).column("end_timestamp").to_pylist()
    assert got == [day(2), None, day(4), None, day(9), None, None, day(2), None, None]


def test_no_events() -> None:
    empty = pa.table(
        {
            "case_id": pa.array([], pa.string()),
            "activity": pa.array([], pa.string()),
            "timestamp": pa.array([], UTC_US),
            "end_timestamp": pa.array([], UTC_US),
        }
    )
    assert with_ends(empty).num_rows == 0
