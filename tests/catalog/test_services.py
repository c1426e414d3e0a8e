"""catalog.services and selectors: billing items and their effective-dated price versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from fatura.catalog.models import BillingItem, ItemSource, PriceVersion
from fatura.catalog.selectors import billing_item_by_name, price_version_for
from fatura.catalog.services import billing_item_create, price_version_add, price_version_delete
from fatura.core.errors import Forbidden, InvalidInput, RuleViolation
from fatura.core.months import Month
from fatura.eventlog.models import Event
from fatura.eventlog.selectors import event_list
from tests.factories import BillingItemFactory, CustomerFactory
from tests.scenarios import APRIL, billing_item, finalize, record


def _create(by, **overrides):
    fields = {
        "name": "Armazenamento",
        "product": "Cloud",
        "unit": "GB",
        "unit_price": "0.3333",
        "valid_from": Month(2026, 1),
        **overrides,
    }
    return billing_item_create(by=by, **fields)


def test_create_makes_the_item_its_first_price_and_an_event(fin_user):
    item = _create(fin_user, name=" Armazenamento ")
    assert (item.name, item.product, item.unit, item.source) == (
        "Armazenamento",
        "Cloud",
        "GB",
        "manual",
    )
    [version] = item.prices.all()
    assert version.unit_price == Decimal("0.3333")
    assert version.valid_from == dt.date(2026, 1, 1)
    [event] = event_list(case_id=f"item:{item.pk}")
    assert event.activity == "Billing Item Created"
    assert event.attributes["unit_price"] == "0.3333"
    assert event.attribute_types["unit_price"] == "decimal"
    assert event.attributes["valid_from"] == "2026-01"


def test_names_are_unique_ignoring_case(fin_user):
    _create(fin_user)
    with pytest.raises(RuleViolation, match="Já existe um item"):
        _create(fin_user, name="ARMAZENAMENTO")
    assert BillingItem.objects.count() == 1


@pytest.mark.parametrize("field", ["name", "product", "unit"])
def test_text_fields_are_required(fin_user, field):
    with pytest.raises(InvalidInput) as raised:
        _create(fin_user, **{field: " "})
    assert [e["field"] for e in raised.value.errors] == [field]


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("abc", "inválido"),
        ("", "inválido"),
        (None, "inválido"),
        ("NaN", "inválido"),
        ("-1", "negativo"),
        ("0.00001", "4 casas"),
        ("10000000000", "grande demais"),
    ],
)
def test_bad_unit_prices_are_422(fin_user, price, message):
    with pytest.raises(InvalidInput, match=message) as raised:
        _create(fin_user, unit_price=price)
    assert raised.value.errors[0]["field"] == "unit_price"
    assert not BillingItem.objects.exists()


def test_a_comma_decimal_price_is_read(fin_user):
    assert _create(fin_user, unit_price="12,5").prices.get().unit_price == Decimal("12.5")


def test_operacao_cannot_create_or_change_items(ops_user):
    with pytest.raises(Forbidden):
        _create(ops_user)
    item = billing_item()
    with pytest.raises(Forbidden):
        price_version_add(by=ops_user, item=item, unit_price="1", valid_from=Month(2026, 6))
    with pytest.raises(Forbidden):
        price_version_delete(by=ops_user, item=item, version=item.prices.get())
    assert item.prices.count() == 1


def test_only_price_and_start_change_as_new_versions(fin_user):
    item = billing_item(price="10.00", since="2026-01")
    version = price_version_add(by=fin_user, item=item, unit_price="12.00", valid_from=APRIL)
    assert version.valid_from == dt.date(2026, 4, 1) and version.unit_price == Decimal("12.00")
    assert [v.unit_price for v in item.prices.order_by("valid_from")] == [
        Decimal("10.00"),
        Decimal("12.00"),
    ]
    events = [e.activity for e in event_list(case_id=f"item:{item.pk}")]
    assert events == ["Price Version Added"]  # the factory wrote no creation event


def test_one_version_per_month(fin_user):
    item = billing_item(since="2026-04")
    with pytest.raises(RuleViolation, match="já tem um preço a partir de abril/2026"):
        price_version_add(by=fin_user, item=item, unit_price="1", valid_from=APRIL)


def test_price_in_force_is_the_latest_start_not_after_the_month(fin_user):
    item = billing_item(price="10.00", since="2026-01")
    price_version_add(by=fin_user, item=item, unit_price="12.00", valid_from=APRIL)
    assert price_version_for(item, Month(2026, 3)).unit_price == Decimal("10.00")
    assert price_version_for(item, APRIL).unit_price == Decimal("12.00")
    assert price_version_for(item, Month(2027, 1)).unit_price == Decimal("12.00")


def test_no_price_in_force_is_422_with_a_clear_message(db):
    item = billing_item("Suporte", since="2026-03")
    with pytest.raises(InvalidInput) as raised:
        price_version_for(item, Month(2026, 2))
    assert raised.value.message == (
        "O item Suporte não tem preço vigente em fevereiro/2026. "
        "O primeiro preço vale a partir de março/2026."
    )


def test_a_new_price_cannot_reach_back_into_a_finalized_month(fin_user):
    item = billing_item(price="10.00", since="2026-01")
    customer = CustomerFactory()
    record(fin_user, customer, item, "1", APRIL)
    finalize(fin_user, customer, APRIL)
    with pytest.raises(RuleViolation, match="a partir de 2026-05"):
        price_version_add(by=fin_user, item=item, unit_price="11", valid_from=APRIL)
    price_version_add(by=fin_user, item=item, unit_price="11", valid_from=Month(2026, 5))


def test_versions_are_removed_one_by_one_and_the_last_takes_the_item(fin_user):
    item = billing_item(price="10.00", since="2026-01")
    later = price_version_add(by=fin_user, item=item, unit_price="12", valid_from=APRIL)
    case_id = f"item:{item.pk}"
    assert price_version_delete(by=fin_user, item=item, version=later) is False
    assert list(item.prices.values_list("unit_price", flat=True)) == [Decimal("10.00")]
    assert price_version_delete(by=fin_user, item=item, version=item.prices.get()) is True
    assert not BillingItem.objects.exists()
    assert [e.activity for e in event_list(case_id=case_id)] == [
        "Price Version Added",
        "Price Version Removed",
        "Price Version Removed",
        "Billing Item Deleted",
    ]


def test_removing_the_last_price_deletes_the_item_even_with_prices_prefetched(fin_user):
    from fatura.catalog.selectors import billing_item_get

    item = billing_item()
    fetched = billing_item_get(item.pk)  # prefetches the prices, as the API does
    assert price_version_delete(by=fin_user, item=fetched, version=fetched.prices.get()) is True
    assert not BillingItem.objects.filter(pk=item.pk).exists()


def test_items_from_a_volume_file_cannot_be_deleted(fin_user):
    item = BillingItemFactory(
        name="Do arquivo", source=ItemSource.VOLUMETRIA, price=("1", "2026-01")
    )
    with pytest.raises(RuleViolation) as raised:
        price_version_delete(by=fin_user, item=item, version=item.prices.get())
    assert raised.value.status == 409
    assert "volumetria" in raised.value.message
    assert item.prices.exists()


def test_items_used_by_consumption_cannot_be_deleted(fin_user):
    item = billing_item()
    record(fin_user, CustomerFactory(), item, "1")
    with pytest.raises(RuleViolation, match="usado em lançamentos de consumo"):
        price_version_delete(by=fin_user, item=item, version=item.prices.get())


def test_items_on_a_finalized_charge_cannot_be_deleted(fin_user):
    item = billing_item()
    customer = CustomerFactory()
    record(fin_user, customer, item, "1")
    finalize(fin_user, customer)
    with pytest.raises(RuleViolation, match="cobrança finalizada"):
        price_version_delete(by=fin_user, item=item, version=item.prices.get())
    assert item.prices.exists()


def test_refused_deletion_writes_no_event(fin_user):
    item = BillingItemFactory(source=ItemSource.VOLUMETRIA, price=("1", "2026-01"))
    with pytest.raises(RuleViolation):
        price_version_delete(by=fin_user, item=item, version=item.prices.get())
    assert not Event.objects.exists()


def test_by_name_ignores_case_and_spaces(db):
    item = billing_item("Armazenamento")
    assert billing_item_by_name(" armazenamento ") == item
    assert billing_item_by_name("outro") is None


def test_database_constraints(db):
    item = billing_item(since="2026-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceVersion.objects.create(item=item, unit_price=1, valid_from=dt.date(2026, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceVersion.objects.create(item=item, unit_price=-1, valid_from=dt.date(2026, 2, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        BillingItem.objects.create(name="ARMAZENAMENTO", product="p", unit="u")


# --- the manual's rule: a version may be removed or replaced unless a finalized charge used it


def test_a_wrong_future_price_of_a_billed_item_is_removed_and_entered_again(fin_user):
    item = billing_item(price="10.00", since="2026-01")
    customer = CustomerFactory()
    record(fin_user, customer, item, "1", APRIL)
    finalize(fin_user, customer, APRIL)  # the January version is used
    wrong = price_version_add(by=fin_user, item=item, unit_price="99", valid_from=Month(2027, 6))
    assert price_version_delete(by=fin_user, item=item, version=wrong) is False
    right = price_version_add(by=fin_user, item=item, unit_price="12", valid_from=Month(2027, 6))
    assert right.unit_price == Decimal("12")
    assert [e.activity for e in event_list(case_id=f"item:{item.pk}")][-2:] == [
        "Price Version Removed",
        "Price Version Added",
    ]


def test_a_version_a_finalized_charge_used_is_neither_removed_nor_replaced(fin_user):
    from fatura.catalog.services import price_version_replace

    item = billing_item(price="10.00", since="2026-01")
    used = item.prices.get()
    price_version_add(by=fin_user, item=item, unit_price="12", valid_from=Month(2027, 6))
    customer = CustomerFactory()
    record(fin_user, customer, item, "1", APRIL)
    finalize(fin_user, customer, APRIL)
    events = Event.objects.count()
    with pytest.raises(RuleViolation, match="usado em uma cobrança finalizada") as raised:
        price_version_delete(by=fin_user, item=item, version=used)
    assert raised.value.status == 409 and "não pode ser removido" in raised.value.message
    with pytest.raises(RuleViolation, match="não pode ser substituído"):
        price_version_replace(by=fin_user, item=item, version=used, unit_price="11")
    used.refresh_from_db()
    assert used.unit_price == Decimal("10.00") and Event.objects.count() == events


def test_an_unused_version_is_replaced_in_place_with_an_event(fin_user):
    from fatura.catalog.services import price_version_replace

    item = billing_item(price="10.00", since="2026-01")
    customer = CustomerFactory()
    record(fin_user, customer, item, "1", APRIL)
    finalize(fin_user, customer, APRIL)
    future = price_version_add(by=fin_user, item=item, unit_price="99", valid_from=Month(2027, 6))
    replaced = price_version_replace(by=fin_user, item=item, version=future, unit_price="12,5")
    assert replaced.pk == future.pk and replaced.unit_price == Decimal("12.5")
    event = event_list(case_id=f"item:{item.pk}").last()
    assert event.activity == "Price Version Replaced"
    assert Decimal(event.attributes["previous_unit_price"]) == Decimal("99")
    assert event.attributes["valid_from"] == "2027-06"


def test_pending_consumption_does_not_lock_a_version_only_a_finalized_charge_does(fin_user):
    item = billing_item(price="10.00", since="2026-01")
    later = price_version_add(by=fin_user, item=item, unit_price="12", valid_from=APRIL)
    record(fin_user, CustomerFactory(), item, "1", APRIL)  # pending, not finalized
    assert price_version_delete(by=fin_user, item=item, version=later) is False
