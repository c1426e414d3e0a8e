"""The API's lists come in pages (fatura.core.pagination, docs/decisions/0018): ``limit`` (1 to
1000, 100 when absent) and ``offset``, the body the JSON array it always was, the total in
``X-Total-Count`` and the next page in ``Link``; the bounds are in the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from fatura.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from fatura.eventlog.services import event_record
from tests.factories import financeiro
from tests.scenarios import NOW, frozen_clock
from tests.test_query_counts import Rows, _isolated

__all__ = ["_isolated", "frozen_clock"]

PAGED = ["/consumptions", "/events", "/invoices", "/nfse", "/payments", "/service-orders"]
NEXT = re.compile(r'^<(?P<url>/api/v1/[^>]+)>; rel="next"$')


@pytest.fixture
def rows(fin_user: Any, frozen_clock: Any, tmp_path: Path) -> Rows:
    made = Rows(fin_user, financeiro("aprovador"), frozen_clock, tmp_path)
    made.add(3)
    return made


def _all_pages(api: Any, path: str, limit: int) -> list[Any]:
    """Every item, following ``Link: rel="next"`` from the first page of ``limit``."""
    response = api.get(path, {"limit": limit})
    items = []
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body) <= limit
        items += body
        link = response.headers.get("Link")
        if link is None:
            return items
        match = NEXT.match(link)
        assert match, link
        response = api.client.get(match["url"], headers=api.headers)


def test_every_list_is_paged_through_link_and_total(rows: Rows, fin_api: Any) -> None:
    for path in PAGED:
        everything = fin_api.get(path, {"limit": MAX_LIMIT})
        total = int(everything.headers["X-Total-Count"])
        assert total == len(everything.json()) > 2, path
        assert "Link" not in everything.headers
        assert _all_pages(fin_api, path, 2) == everything.json(), path
        second = fin_api.get(path, {"limit": 2, "offset": 2})
        assert second.json() == everything.json()[2:4], path
        assert second.headers["X-Total-Count"] == str(total)
        beyond = fin_api.get(path, {"offset": total})
        assert beyond.status_code == 200 and beyond.json() == []


def test_the_filters_travel_in_the_next_link(rows: Rows, fin_api: Any) -> None:
    first = fin_api.get("/invoices", {"customer_id": rows.first.pk, "limit": 1})
    assert first.headers["X-Total-Count"] == "3"
    link = NEXT.match(first.headers["Link"])
    assert link
    assert f"customer_id={rows.first.pk}" in link["url"]
    assert "offset=1" in link["url"]


@pytest.mark.parametrize("path", PAGED)
def test_the_bounds_are_a_422_naming_the_parameter(path: str, fin_api: Any) -> None:
    for query, field in [
        ({"limit": 0}, "limit"),
        ({"limit": MAX_LIMIT + 1}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": MAX_OFFSET + 1}, "offset"),
        ({"limit": "muitos"}, "limit"),
    ]:
        response = fin_api.get(path, query)
        assert response.status_code == 422, (path, query)
        assert [e["field"] for e in response.json()["errors"]] == [field], (path, query)


def test_without_paging_parameters_the_first_page_of_the_default_size(
    db: Any, fin_api: Any
) -> None:
    with transaction.atomic():
        for n in range(DEFAULT_LIMIT + 1):
            event_record(
                case_id="C", activity=f"step {n}", user="u", timestamp=NOW + dt.timedelta(seconds=n)
            )
    response = fin_api.get("/events", {"case_id": "C"})
    assert response.headers["X-Total-Count"] == str(DEFAULT_LIMIT + 1)
    body = response.json()
    assert [e["activity"] for e in body] == [f"step {n}" for n in range(DEFAULT_LIMIT)]
    link = NEXT.match(response.headers["Link"])
    assert link
    rest = fin_api.client.get(link["url"], headers=fin_api.headers).json()
    assert [e["activity"] for e in rest] == [f"step {DEFAULT_LIMIT}"]


def test_the_openapi_document_tells_the_bounds_and_the_headers() -> None:
    from fatura.api import api

    paths = api.get_openapi_schema()["paths"]
    for path in PAGED:
        get = paths[f"/api/v1{path}"]["get"]
        params = {p["name"]: p["schema"] for p in get["parameters"]}
        assert params["limit"]["maximum"] == MAX_LIMIT, path
        assert params["limit"]["minimum"] == 1, path
        assert params["limit"]["default"] == DEFAULT_LIMIT, path
        assert params["offset"]["minimum"] == 0, path
        assert params["offset"]["maximum"] == MAX_OFFSET, path
        assert {"X-Total-Count", "Link"} <= set(get["responses"][200]["headers"]), path
    assert "X-Total-Count" in api.description
