from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from fatura.core.roles import Capability, require
from fatura.eventlog.selectors import event_list

router = Router(tags=["event log"])


class EventOut(Schema):
    id: int
    case_id: str
    activity: str
    timestamp: dt.datetime
    end_timestamp: dt.datetime | None
    user: str
    is_automated: bool
    source_system: str
    attributes: dict[str, Any]
    attribute_types: dict[str, str]


@router.get("", response=list[EventOut])
def events(
    request: HttpRequest, case_id: str | None = None, activity: str | None = None
) -> list[Any]:
    """Events in the order they happened; filter by case (an invoice number) or activity."""
    require(request.user, Capability.VIEW)
    return list(event_list(case_id=case_id, activity=activity)[:5000])
