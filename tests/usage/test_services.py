"""usage.services: recording and deleting consumption entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from fatura.core.errors import Forbidden, InvalidInput, RuleViolation
from fatura.core.months import Month
from fatura.eventlog.models import Event
from fatura.eventlog.selectors import event_list, typed_attributes
from fatura.usage.models import Consumption, ConsumptionSource
from fatura.usage.selectors import consumption_list
from fatura.usage.services import (
    ConsumptionEntry,
    consumption_delete,
    consumptions_record,
    volume_file_import,
)
from tests.factories import CustomerFactory
from tests.scenarios import APRIL, MAY, NOW, VOLUME_HEADER, billing_item, finalize, record


@pytest.fixture
def customer(db):
    return CustomerFactory(name="ACME", document="11222333000181")


def test_record_stores_the_entry_and_its_event(ops_user, customer):
    item = billing_item()
    entry = record(ops_user, customer, item, "1500.5")
    entry.refresh_from_db()
    assert (entry.customer, entry.billing_item, entry.month) == (
        customer,
        item,
        dt.date(2026, 4, 1),
    )
    assert entry.quantity == Decimal("1500.5")
    assert entry.source == ConsumptionSource.MANUAL
    assert (entry.recorded_by, entry.recorded_at) == (ops_user, NOW)
    [event] = event_list(case_id="charge:11222333000181:2026-04")
    assert event.activity == "Consumption Recorded"
    assert event.user == "ops" and event.is_automated is False
    assert event.attributes == {
        "customer": "ACME",
        "customer_document": "11222333000181",
        "month": "2026-04",
        "item": "Armazenamento",
        "quantity": "1500.5",
        "source": "manual",
    }
    assert event.attribute_types["quantity"] == "decimal"


@pytest.mark.parametrize(("raw", "stored"), [("12,5", "12.5"), ("0", "0"), (" 3 ", "3")])
def test_quantity_is_a_decimal(ops_user, customer, raw, stored):
    assert record(ops_user, customer, billing_item(), raw).quantity == Decimal(stored)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "Quantidade inválida"),
        ("", "Quantidade inválida"),
        ("-1", "não negativo"),
        ("1e12", "não negativo"),
        ("0.0000001", "6 casas"),
    ],
)
def test_bad_quantities_are_422(ops_user, customer, raw, message):
    with pytest.raises(InvalidInput, match=message) as raised:
        record(ops_user, customer, billing_item(), raw)
    assert raised.value.errors[0]["field"] == "quantity"
    assert not Consumption.objects.exists() and not Event.objects.exists()


def test_a_month_without_a_price_in_force_is_422(ops_user, customer):
    item = billing_item("Suporte", since="2026-05")
    with pytest.raises(InvalidInput, match="não tem preço vigente em abril/2026"):
        record(ops_user, customer, item, "1", APRIL)
    assert record(ops_user, customer, item, "1", MAY).period == MAY


def test_a_month_of_entries_is_recorded_at_once(ops_user, customer):
    storage, support = billing_item(), billing_item("Suporte", price="10")
    entries = [
        ConsumptionEntry(billing_item=storage, quantity="100"),
        ConsumptionEntry(billing_item=support, quantity="2,5"),
        ConsumptionEntry(billing_item=storage, quantity="7"),
    ]
    with CaptureQueriesContext(connection) as queries:
        recorded = consumptions_record(by=ops_user, customer=customer, month=APRIL, entries=entries)
    # the user's roles, lock, closed month, prices, insert, events (+ the savepoint)
    assert len([q for q in queries if "SAVEPOINT" not in q["sql"]]) == 6
    assert [(c.billing_item, c.quantity) for c in recorded] == [
        (storage, Decimal("100")),
        (support, Decimal("2.5")),
        (storage, Decimal("7")),
    ]
    assert all(c.pk and c.recorded_at == NOW for c in recorded)
    events = event_list(case_id="charge:11222333000181:2026-04")
    assert [(e.activity, e.attributes["item"], e.attributes["quantity"]) for e in events] == [
        ("Consumption Recorded", "Armazenamento", "100"),
        ("Consumption Recorded", "Suporte", "2.5"),
        ("Consumption Recorded", "Armazenamento", "7"),
    ]


def test_one_bad_entry_records_none(ops_user, customer):
    later = billing_item("Suporte", since="2026-05")
    entries = [
        ConsumptionEntry(billing_item=billing_item(), quantity="1"),
        ConsumptionEntry(billing_item=later, quantity="1"),
    ]
    with pytest.raises(InvalidInput, match="Suporte não tem preço vigente em abril/2026"):
        consumptions_record(by=ops_user, customer=customer, month=APRIL, entries=entries)
    assert not Consumption.objects.exists() and not Event.objects.exists()


def test_a_finalized_month_takes_no_more_consumption(fin_user, ops_user, customer):
    item = billing_item()
    entry = record(ops_user, customer, item, "1")
    invoice = finalize(fin_user, customer)
    with pytest.raises(RuleViolation) as raised:
        record(ops_user, customer, item, "2")
    assert raised.value.status == 409
    assert invoice.number in raised.value.message and "abril/2026" in raised.value.message
    with pytest.raises(RuleViolation, match="já foi finalizada"):
        consumption_delete(by=ops_user, consumption=entry)
    assert Consumption.objects.count() == 1
    # other customers and other months stay open
    record(ops_user, CustomerFactory(), item, "2")
    record(ops_user, customer, item, "2", MAY)


def test_delete_removes_the_entry_and_writes_an_event(ops_user, customer):
    entry = record(ops_user, customer, billing_item(), "7")
    consumption_delete(by=ops_user, consumption=entry)
    assert not Consumption.objects.exists()
    activities = [e.activity for e in event_list(case_id="charge:11222333000181:2026-04")]
    assert activities == ["Consumption Recorded", "Consumption Deleted"]
    deleted = event_list(activity="Consumption Deleted").get()
    assert typed_attributes(deleted)["quantity"] == Decimal("7")


def test_entries_from_a_volume_file_cannot_be_deleted(fin_user, ops_user, customer):
    billing_item()
    text = VOLUME_HEADER + f"{customer.document},2026-04,Armazenamento,Cloud,GB,,5\n"
    volume_file_import(by=ops_user, filename="v.csv", data=text.encode())
    entry = Consumption.objects.get()
    for user in (ops_user, fin_user):
        with pytest.raises(RuleViolation, match="volumetria"):
            consumption_delete(by=user, consumption=entry)
    assert Consumption.objects.filter(pk=entry.pk).exists()


def test_users_without_a_role_cannot_record_or_delete(ops_user, customer):
    from tests.factories import UserFactory

    nobody = UserFactory(username="nobody")
    item = billing_item()
    with pytest.raises(Forbidden):
        record(nobody, customer, item, "1")
    entry = record(ops_user, customer, item, "1")
    with pytest.raises(Forbidden):
        consumption_delete(by=nobody, consumption=entry)


def test_list_filters_by_customer_and_month(ops_user, customer):
    item = billing_item()
    other = CustomerFactory()
    a = record(ops_user, customer, item, "1", APRIL)
    b = record(ops_user, customer, item, "1", MAY)
    c = record(ops_user, other, item, "1", APRIL)
    assert set(consumption_list()) == {a, b, c}
    assert list(consumption_list(customer_id=customer.pk)) == [b, a]  # newest month first
    assert set(consumption_list(month=APRIL)) == {a, c}
    assert list(consumption_list(customer_id=customer.pk, month=Month(2026, 4))) == [a]


def test_negative_quantities_are_refused_by_the_database(ops_user, customer):
    entry = record(ops_user, customer, billing_item(), "1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Consumption.objects.filter(pk=entry.pk).update(quantity=-1)
