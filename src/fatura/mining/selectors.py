"""Reads of the mining app: the registry, and a registered log (or Fatura's own) as an
:class:`EventLog` for the engine and the writers."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from fatura.core.errors import InvalidInput, NotFound
from fatura.mining.errors import LogError
from fatura.mining.log import EventLog
from fatura.mining.models import MinedLog

OWN_LOG = "fatura"  # the name that means Fatura's own event log (eventlog.Event)


def mined_log_list() -> QuerySet[MinedLog]:
    return MinedLog.objects.order_by("-imported_at", "-id")


def mined_log_get(*, id: int | None = None, name: str | None = None) -> MinedLog:
    try:
        if id is not None:
            return MinedLog.objects.get(pk=id)
        return MinedLog.objects.get(name=name)
    except MinedLog.DoesNotExist:
        what = f"id {id}" if id is not None else f"name {name!r}"
        raise NotFound(f"no imported log with {what}") from None


def mined_log_read(log: MinedLog) -> EventLog:
    """The stored Parquet dataset as an :class:`EventLog`."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(str(log.path))
    except (OSError, ValueError) as error:
        raise InvalidInput(f"the dataset of log {log.name!r} cannot be read ({error})") from None
    try:
        return EventLog.from_table(table, name=log.name)
    except LogError as error:
        raise InvalidInput(str(error)) from None


def event_log_by_name(name: str, **own_filters: Any) -> EventLog:
    """A registered log by name, or Fatura's own event log for ``"fatura"`` (with the filters
    of :func:`fatura.mining.own_log.own_event_log`)."""
    if name == OWN_LOG:
        from fatura.mining.own_log import own_event_log

        return own_event_log(**own_filters)
    return mined_log_read(mined_log_get(name=name))


def mined_log_summary(log: MinedLog, *, engine: str = "fast") -> dict[str, Any]:
    """What ``fatura mine`` writes for this log."""
    from fatura.mining.engine import mine

    return mine(mined_log_read(log), engine).to_json()
