from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from fatura.core.pagination import DEFAULT_LIMIT, Limit, Offset, page, paged_openapi
from fatura.core.roles import Capability, require
from fatura.core.schemas import text_in
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


@router.get("", response=list[EventOut], openapi_extra=paged_openapi())
def events(
    request: HttpRequest,
    response: HttpResponse,
    case_id: Annotated[str, text_in(100)] | None = None,
    activity: Annotated[str, text_in(100)] | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> list[Any]:
    """Events in the order they happened; filter by case (an invoice number) or activity.
    Paginated (``limit``/``offset``; the total in ``X-Total-Count``, the next page in
    ``Link``)."""
    require(request.user, Capability.VIEW)
    qs = event_list(case_id=case_id, activity=activity)
    return page(qs, request=request, response=response, limit=limit, offset=offset)
