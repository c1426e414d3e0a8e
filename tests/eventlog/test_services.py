"""eventlog.services: appending events, with their typed attributes, inside a transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from fatura.eventlog.models import Event
from fatura.eventlog.selectors import attributes_json, typed_attributes
from fatura.eventlog.services import NewEvent, event_record, events_record_many
from tests.scenarios import NOW

ATTRIBUTES = {
    "amount": Decimal("947.63"),
    "rows": 3,
    "adjusted": False,
    "ratio": 0.5,
    "issue_date": dt.date(2026, 5, 5),
    "sent_at": dt.datetime(2026, 5, 5, 9, 0, tzinfo=dt.UTC),
    "customer": "ACME",
    "note": None,
}


@pytest.mark.django_db
def test_event_record_writes_every_field(fin_user):
    with transaction.atomic():
        event = event_record(
            case_id="FAT-00000001",
            activity="Invoice Created",
            user=fin_user,
            end_timestamp=NOW + dt.timedelta(minutes=5),
            is_automated=True,
            attributes=ATTRIBUTES,
        )
    stored = Event.objects.get(pk=event.pk)
    assert stored.case_id == "FAT-00000001"
    assert stored.activity == "Invoice Created"
    assert stored.timestamp == NOW  # the service clock, when no timestamp is given
    assert stored.end_timestamp == NOW + dt.timedelta(minutes=5)
    assert stored.user == "fin"
    assert stored.is_automated is True
    assert stored.source_system == "Fatura"
    assert stored.attribute_types == {
        "amount": "decimal",
        "rows": "int",
        "adjusted": "boolean",
        "ratio": "float",
        "issue_date": "date",
        "sent_at": "datetime",
        "customer": "string",
        "note": "null",
    }
    assert stored.attributes["amount"] == "947.63"  # exact, not a float
    assert typed_attributes(stored) == ATTRIBUTES


@pytest.mark.django_db
@pytest.mark.parametrize(("user", "expected"), [("importer", "importer"), (None, "system")])
def test_user_may_be_a_name_or_the_system(user, expected):
    with transaction.atomic():
        event = event_record(case_id="c", activity="a", user=user)
    assert event.user == expected
    assert event.is_automated is False
    assert event.end_timestamp is None
    assert event.attributes == {} and event.attribute_types == {}


@pytest.mark.django_db
def test_an_explicit_timestamp_is_kept():
    moment = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
    with transaction.atomic():
        event = event_record(case_id="c", activity="a", user=None, timestamp=moment)
    assert Event.objects.get(pk=event.pk).timestamp == moment


@pytest.mark.django_db
def test_events_record_many_writes_all_in_order():
    with transaction.atomic():
        written = events_record_many(
            NewEvent(case_id="c", activity=f"step {n}", user="u", attributes={"n": n})
            for n in range(5)
        )
    assert written == 5
    rows = list(Event.objects.order_by("id"))
    assert [e.activity for e in rows] == [f"step {n}" for n in range(5)]
    assert {e.timestamp for e in rows} == {NOW}
    assert {e.source_system for e in rows} == {"Fatura"}
    assert rows[2].attribute_types == {"n": "int"}


# No surrounding test transaction here. serialized_rollback: the flush afterwards must give the
# migrations' data (role groups) back to the transactional tests that run after this one.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_event_record_outside_a_transaction_raises_and_writes_nothing():
    with pytest.raises(RuntimeError, match="transaction"):
        event_record(case_id="c", activity="a", user=None)
    with pytest.raises(RuntimeError, match="transaction"):
        events_record_many([NewEvent(case_id="c", activity="a", user=None)])
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_end_timestamp_before_timestamp_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        event_record(
            case_id="c", activity="a", user=None, end_timestamp=NOW - dt.timedelta(seconds=1)
        )
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_attributes_json_is_stable():
    with transaction.atomic():
        event = event_record(case_id="c", activity="a", user=None, attributes={"b": 1, "a": "é"})
    assert attributes_json(event) == '{"a": "é", "b": 1}'
