"""``--as-of``: a log as it stood at a moment (``fatura import-log`` and ``fatura mine``;
docs/decisions/0037-erp-zip-import-and-as-of.md).

``--as-of 2024-03-31`` means *the end of that day* in the analysis zone (FATURA_TIME_ZONE or
America/Sao_Paulo): every event at or after the next local midnight is dropped, and the KPIs'
open state (DaysOverdue of unpaid invoices, the aging, "open") is evaluated at that midnight.
An ISO 8601 instant with its offset (``2024-03-31T12:00:00-03:00``) keeps the events up to and
including it and evaluates the open state at it. A case whose every event is later is gone; a
case paid after the date is unpaid as of it. Events are cut by their (start) timestamp; an
``end_timestamp`` after the date is kept as written.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.log import TIMESTAMP
from fatura.mining.timestamps import UTC_US, default_zone

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class AsOfError(ValueError):
    """An ``--as-of`` that is neither a date nor an instant with its offset."""


def parse_as_of(text: str, zone: str | None = None) -> dt.datetime:
    """The moment ``text`` stands for (see the module docstring), timezone-aware."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value) + dt.timedelta(days=1)
            return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(zone or default_zone()))
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise AsOfError(
            f"--as-of {text!r} is not a date (2024-03-31) or an instant with its offset "
            "(2024-03-31T12:00:00-03:00)"
        ) from None
    if moment.tzinfo is None:
        raise AsOfError(f"--as-of {text!r} has no offset (write e.g. -03:00 or Z)")
    return moment


def is_day(text: str) -> bool:
    return len(text.strip()) == 10


def microseconds(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def until(table: pa.Table, text: str, zone: str | None = None) -> pa.Table:
    """The rows of a canonical table (file order) that happened as of ``text``: before the
    next local midnight for a date, at or before the instant otherwise."""
    moment = parse_as_of(text, zone)
    bound = pa.scalar(microseconds(moment), pa.int64())
    stamps = pc.cast(pc.cast(table.column(TIMESTAMP), UTC_US), pa.int64())
    keep = pc.less(stamps, bound) if is_day(text) else pc.less_equal(stamps, bound)
    return table.filter(pc.fill_null(keep, False))
