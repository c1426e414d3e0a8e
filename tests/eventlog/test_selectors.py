"""eventlog.selectors and GET /events: the log read back in the order things happened."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from fatura.eventlog.activities import LABELS, label
from fatura.eventlog.selectors import event_list
from fatura.eventlog.services import event_record
from tests.scenarios import NOW

T0 = NOW - dt.timedelta(hours=1)


def _write(case_id: str, activity: str, timestamp: dt.datetime) -> None:
    with transaction.atomic():
        event_record(case_id=case_id, activity=activity, user="u", timestamp=timestamp)


@pytest.fixture
def log(db):
    _write("A", "third", T0 + dt.timedelta(minutes=2))
    _write("A", "first", T0)
    _write("B", "other case", T0 + dt.timedelta(minutes=1))
    _write("A", "second (same time, written later)", T0)


def test_events_come_in_time_order_then_write_order(log):
    assert [e.activity for e in event_list(case_id="A")] == [
        "first",
        "second (same time, written later)",
        "third",
    ]


def test_newest_first_is_the_reverse(log):
    assert [e.activity for e in event_list(case_id="A", newest_first=True)] == [
        "third",
        "second (same time, written later)",
        "first",
    ]


def test_filters(log):
    assert [e.case_id for e in event_list(activity="other case")] == ["B"]
    assert len(event_list()) == 4
    since = [e.activity for e in event_list(since=T0 + dt.timedelta(minutes=1))]
    assert since == ["other case", "third"]  # since is inclusive
    until = [e.activity for e in event_list(until=T0 + dt.timedelta(minutes=1))]
    assert until == ["first", "second (same time, written later)"]  # until is exclusive


def test_api_events_of_a_case_in_order(log, ops_api):
    response = ops_api.get("/events", {"case_id": "A"})
    assert response.status_code == 200
    body = response.json()
    assert [e["activity"] for e in body] == [
        "first",
        "second (same time, written later)",
        "third",
    ]
    assert set(body[0]) == {
        "id",
        "case_id",
        "activity",
        "timestamp",
        "end_timestamp",
        "user",
        "is_automated",
        "source_system",
        "attributes",
        "attribute_types",
    }
    assert body[0]["source_system"] == "Fatura"
    assert ops_api.get("/events", {"activity": "third"}).json()[0]["case_id"] == "A"
    assert ops_api.get("/events", {"case_id": "nope"}).json() == []


def test_every_activity_has_a_pt_br_label():
    assert label("Invoice Created") == "Fatura criada"
    assert label("Unknown Thing") == "Unknown Thing"
    assert all(str(text) for text in LABELS.values())
