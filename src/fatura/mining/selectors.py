"""Reads of the mining app: the registry, and a registered log (or Fatura's own) as an
:class:`EventLog` for the engine and the writers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Max, Min, QuerySet

from fatura.core.errors import InvalidInput, NotFound
from fatura.eventlog.models import Event
from fatura.mining.errors import LogError
from fatura.mining.log import EventLog
from fatura.mining.models import ImportStatus, MinedLog
from fatura.mining.own_log import INVOICE_PREFIX as INVOICE_PREFIX
from fatura.mining.own_log import own_event_log

OWN_LOG = "fatura"  # the name that means Fatura's own event log (eventlog.Event)


def mined_log_list() -> QuerySet[MinedLog]:
    """The logs ready to mine (imports still queued, running or failed are not listed)."""
    return MinedLog.objects.filter(status=ImportStatus.READY).order_by("-imported_at", "-id")


def mined_log_get(*, id: int | None = None, name: str | None = None) -> MinedLog:
    """A log ready to mine."""
    ready = MinedLog.objects.filter(status=ImportStatus.READY)
    try:
        if id is not None:
            return ready.get(pk=id)
        return ready.get(name=name)
    except MinedLog.DoesNotExist:
        what = f"id {id}" if id is not None else f"name {name!r}"
        raise NotFound(f"no imported log with {what}") from None


def mined_log_import_get(log_id: int) -> MinedLog:
    """A log in any state of its import (queued, running, ready, failed)."""
    found = MinedLog.objects.filter(pk=log_id).first()
    if found is None:
        raise NotFound(f"no imported log with id {log_id}")
    return found


def mined_log_imports_pending() -> QuerySet[MinedLog]:
    """Imports not finished yet, and the failed ones (newest first), for the page."""
    return MinedLog.objects.exclude(status=ImportStatus.READY).order_by("-imported_at", "-id")


def mined_logs_by_state() -> tuple[list[MinedLog], list[MinedLog]]:
    """The logs ready to mine and the other imports (queued, running, failed), newest first,
    read in one query."""
    every = list(MinedLog.objects.order_by("-imported_at", "-id"))
    ready = [log for log in every if log.status == ImportStatus.READY]
    return ready, [log for log in every if log.status != ImportStatus.READY]


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
        return own_event_log(**own_filters)
    return mined_log_read(mined_log_get(name=name))


def mined_log_summary(
    log: MinedLog, *, engine: str = "fast", where: Sequence[str] = ()
) -> dict[str, Any]:
    """What ``fatura mine`` writes for this log (``--where`` each of ``where``)."""
    from fatura.mining.engine import mine

    event_log = mined_log_read(log)
    chosen = case_filter(where, event_log, as_of=mined_log_as_of(log))
    return mine(event_log, engine, where=chosen).to_json()


def mined_log_as_of(log: MinedLog) -> dt.datetime | None:
    """The instant a log imported ``--as-of`` is measured at (None: its last event)."""
    from fatura.mining.services import as_of_moment

    return as_of_moment(log.options or {})


def mined_log_cases(
    log: MinedLog, *, where: Sequence[str] = (), sort: str = "case_id", descending: bool = False
) -> Any:
    """The per-invoice derived attributes of the log's cases ``where`` keeps, sorted
    (:func:`fatura.mining.case_rows.cases_table`; an Arrow table)."""
    from fatura.mining.case_rows import cases_table

    event_log = mined_log_read(log)
    as_of = mined_log_as_of(log)
    chosen = case_filter(where, event_log, as_of=as_of)
    zone = (log.options or {}).get("zone")
    return cases_table(event_log, chosen, sort=sort, descending=descending, as_of=as_of, zone=zone)


def case_filter(
    where: Sequence[str], log: EventLog | None = None, *, as_of: dt.datetime | None = None
) -> Any:
    """The :class:`~fatura.mining.engine.filters.CaseFilter` of ``where``, checked against
    ``log`` when given (an unknown attribute is found now); a bad condition is a 422 on the
    field ``where`` naming it. ``as_of``: when DaysOverdue of unpaid cases is measured
    (default: the log's last event)."""
    from fatura.mining.case_rows import epoch_us
    from fatura.mining.engine.filters import FilterError, parse

    try:
        chosen = parse(where, as_of_us=epoch_us(as_of))
        if log is not None and chosen:
            chosen.case_mask(log)
    except FilterError as error:
        raise InvalidInput(str(error), errors=[{"field": "where", "message": str(error)}]) from None
    return chosen


def filter_options(log: EventLog) -> dict[str, Any]:
    """What a filter can name in ``log``: its case attributes (text values, most frequent
    first, or a number range), its activities, and the per-invoice derived attributes with
    their kind (number or yes/no; decision 0036)."""
    from fatura.mining.case_table import DERIVED
    from fatura.mining.engine.filters import activities, available

    attributes = available(log)
    derived = {k: v for k, v in DERIVED.items() if v != "instant" and k not in attributes}
    return {"attributes": attributes, "activities": activities(log), "derived": derived}


def mined_log_filter_options(log: MinedLog) -> dict[str, Any]:
    return filter_options(mined_log_read(log))


def own_log_stats() -> dict[str, Any]:
    """How much of Fatura's own log there is (the invoice cases): events, the last event's id,
    cases, the first and last timestamps. One query."""
    return Event.objects.filter(case_id__startswith=INVOICE_PREFIX).aggregate(
        events=Count("id"),
        last=Max("id"),
        cases=Count("case_id", distinct=True),
        first_at=Min("timestamp"),
        last_at=Max("timestamp"),
    )


def own_invoice_log() -> EventLog:
    """Fatura's own event log, the invoice cases only (their case ids start with
    ``INVOICE_PREFIX``)."""
    return own_event_log(invoices_only=True)
