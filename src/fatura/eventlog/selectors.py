from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from fatura.eventlog.models import Event


def event_list(
    *,
    case_id: str | None = None,
    activity: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    newest_first: bool = False,
) -> QuerySet[Event]:
    """Events in the order they happened (timestamp, then the order they were written), or
    the other way round (``newest_first``: the Eventos page)."""
    qs = Event.objects.all()
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    if activity is not None:
        qs = qs.filter(activity=activity)
    if since is not None:
        qs = qs.filter(timestamp__gte=since)
    if until is not None:
        qs = qs.filter(timestamp__lt=until)
    if newest_first:
        return qs.order_by("-timestamp", "-id")
    return qs.order_by("timestamp", "id")


def typed_attributes(event: Event) -> dict[str, Any]:
    """Attributes with their stored types restored (decimal strings back to ``Decimal``...)."""
    out: dict[str, Any] = {}
    for key, value in (event.attributes or {}).items():
        kind = (event.attribute_types or {}).get(key)
        if value is None:
            out[key] = None
        elif kind == "decimal":
            out[key] = Decimal(value)
        elif kind == "datetime":
            out[key] = dt.datetime.fromisoformat(value)
        elif kind == "date":
            out[key] = dt.date.fromisoformat(value)
        else:
            out[key] = value
    return out


def attributes_json(event: Event) -> str:
    return json.dumps(event.attributes, ensure_ascii=False, sort_keys=True)
