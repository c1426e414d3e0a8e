"""The one place that asks for the time, so tests can pass ``now``/``today`` in.

``override(moment)`` makes ``now()``/``today()``/``localdate()`` answer ``moment`` inside a
``with`` block: the demo replays a year that way, each action at its own moment. The override
lives in a context variable, so it holds for the code running in that context only (other
threads and other asyncio tasks keep the real time) and nested overrides restore the outer one
when they end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_overridden: ContextVar[dt.datetime | None] = ContextVar("fatura_clock", default=None)


def now() -> dt.datetime:
    moment = _overridden.get()
    return moment if moment is not None else timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


def localdate(moment: dt.datetime | None = None) -> dt.date:
    """The calendar date of ``moment`` (default: now) in the configured time zone."""
    return timezone.localdate(moment if moment is not None else now())


@contextmanager
def override(moment: dt.datetime) -> Iterator[dt.datetime]:
    """``now()`` is ``moment`` (an aware datetime) until the block ends, in this context only."""
    if timezone.is_naive(moment):
        raise ValueError("clock.override: the moment needs a time zone")
    token = _overridden.set(moment)
    try:
        yield moment
    finally:
        _overridden.reset(token)
