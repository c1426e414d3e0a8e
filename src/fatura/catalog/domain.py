"""Effective-dated prices, without the database."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Sequence
from typing import Protocol, TypeVar

from fatura.core.months import Month


class Dated(Protocol):
    @property
    def valid_from(self) -> dt.date: ...


V = TypeVar("V", bound=Dated)


def version_for_month(versions: Sequence[V], month: Month) -> V | None:
    """The version with the latest start on or before ``month``; ``versions`` sorted by start."""
    starts = [v.valid_from for v in versions]
    index = bisect_right(starts, month.first_day)
    return versions[index - 1] if index else None
