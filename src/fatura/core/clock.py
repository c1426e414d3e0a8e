"""The one place that asks for the time, so tests can pass ``now``/``today`` in."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


def localdate(moment: dt.datetime | None = None) -> dt.date:
    """The calendar date of ``moment`` (default: now) in the configured time zone."""
    return timezone.localdate(moment if moment is not None else now())
