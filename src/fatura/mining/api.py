"""/api/v1/mining: the registry of imported logs and a log's mining summary."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from fatura.core.roles import Capability, require
from fatura.mining.selectors import mined_log_get, mined_log_list, mined_log_summary

router = Router(tags=["mining"])


class MinedLogOut(Schema):
    id: int
    name: str
    source_system: str
    file_format: str
    original_filename: str
    rows: int
    cases: int
    activities: int
    first_event_at: dt.datetime
    last_event_at: dt.datetime
    imported_at: dt.datetime
    imported_by: str
    attribute_schema: list[dict[str, str]]


@router.get("/logs", response=list[MinedLogOut])
def logs(request: HttpRequest) -> list[Any]:
    """The imported logs, newest first (``imported_at`` is the log's LastDataUpdate)."""
    require(request.user, Capability.VIEW)
    return list(mined_log_list())


@router.get("/logs/{log_id}/summary", response=dict[str, Any])
def log_summary(request: HttpRequest, log_id: int) -> dict[str, Any]:
    """Directly-follows graph, variants, start/end activities and case durations: the JSON of
    ``fatura mine`` for this log."""
    require(request.user, Capability.VIEW)
    return mined_log_summary(mined_log_get(id=log_id))
