"""Pages of the API's lists, read the same way on every list (docs/decisions/0018).

``limit`` (1 to ``MAX_LIMIT``, ``DEFAULT_LIMIT`` when absent) and ``offset`` are query
parameters whose bounds are in the schema, so a bad value is a 422 naming it before the handler
runs. The body stays the JSON array it always was — a client that sends no paging parameters gets
the first page — and the page's context travels in headers: ``X-Total-Count`` (every row the
filters select) and, while there are more, ``Link: <...>; rel="next"`` (RFC 8288), the same
request with the next offset.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from pydantic import Field

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Far beyond any table, and offset + limit still fits a 64-bit integer (SQLite's and
# PostgreSQL's OFFSET).
MAX_OFFSET = 10**12
TOTAL_HEADER = "X-Total-Count"
LIMIT_DOC = f"Itens por página (1 a {MAX_LIMIT}; padrão {DEFAULT_LIMIT})."
OFFSET_DOC = (
    f"Itens a pular (0 a {MAX_OFFSET}). O total vem no cabeçalho {TOTAL_HEADER}; a próxima "
    'página, enquanto houver, no cabeçalho Link (rel="next").'
)

Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=LIMIT_DOC)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description=OFFSET_DOC)]

M = TypeVar("M", bound=Model)
T = TypeVar("T")


def page(
    qs: QuerySet[M], *, request: HttpRequest, response: HttpResponse, limit: int, offset: int
) -> list[M]:
    """``limit`` rows of ``qs`` (which must be ordered) from ``offset``: two queries whatever
    the page (the count and the rows), plus the prefetches of ``qs``."""
    _headers(qs.count(), request=request, response=response, limit=limit, offset=offset)
    return list(qs[offset : offset + limit])


def page_rows(
    rows: Sequence[T], *, request: HttpRequest, response: HttpResponse, limit: int, offset: int
) -> list[T]:
    """The same page of a list computed in Python (rows that are not a query)."""
    _headers(len(rows), request=request, response=response, limit=limit, offset=offset)
    return list(rows[offset : offset + limit])


def _headers(
    total: int, *, request: HttpRequest, response: HttpResponse, limit: int, offset: int
) -> None:
    response[TOTAL_HEADER] = str(total)
    if offset + limit < total:
        query = request.GET.copy()
        query["offset"] = str(offset + limit)
        query["limit"] = str(limit)
        response["Link"] = (
            f'<{request.path}?{urlencode(sorted(query.lists()), doseq=True)}>; rel="next"'
        )


def paged_openapi() -> dict[str, Any]:
    """For the list's ``openapi_extra``: the page headers of its 200 answer, in the OpenAPI
    document."""
    return {
        "responses": {
            200: {
                "headers": {
                    TOTAL_HEADER: {
                        "description": "Total de itens que os filtros selecionam.",
                        "schema": {"type": "integer", "minimum": 0},
                    },
                    "Link": {
                        "description": 'A próxima página (rel="next"), enquanto houver.',
                        "schema": {"type": "string"},
                    },
                }
            }
        }
    }
