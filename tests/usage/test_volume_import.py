"""usage.services.volume_file_import: all rows checked first; any bad row imports nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fatura.billing.selectors import pending_charges
from fatura.catalog.models import BillingItem, ItemSource, PriceVersion
from fatura.core.errors import Forbidden, InvalidInput
from fatura.eventlog.models import Event
from fatura.eventlog.selectors import event_list
from fatura.usage.models import Consumption, ConsumptionSource, VolumeImport
from fatura.usage.services import volume_file_import
from tests.factories import BillingItemFactory, CustomerFactory
from tests.scenarios import APRIL, MAY, NOW, VOLUME_HEADER, billing_item, finalize, record

ACME = "11222333000181"
BETA = "11144477735"


@pytest.fixture
def customers(db):
    return (
        CustomerFactory(name="ACME", document=ACME),
        CustomerFactory(name="Beta", document=BETA, document_type="CPF"),
    )


def _import(by, *rows: str, filename: str = "volumes.csv") -> VolumeImport:
    return volume_file_import(
        by=by, filename=filename, data=(VOLUME_HEADER + "\n".join(rows) + "\n").encode()
    )


def _refused(by, *rows: str) -> InvalidInput:
    entries = Consumption.objects.count()
    with pytest.raises(InvalidInput) as raised:
        _import(by, *rows)
    assert raised.value.status == 422
    assert Consumption.objects.count() == entries and not VolumeImport.objects.exists()
    return raised.value


def test_import_records_entries_marked_volumetria(fin_user, customers):
    acme, beta = customers
    storage = billing_item("Armazenamento", price="0.5000")
    batch = _import(
        fin_user,
        f"{ACME},2026-04,Armazenamento,Cloud,GB,,100",
        f"{BETA},2026-04,armazenamento,Cloud,GB,0.5,20",  # name matched ignoring case
    )
    assert (batch.filename, batch.rows, batch.items_created) == ("volumes.csv", 2, 0)
    assert (batch.imported_by, batch.imported_at) == (fin_user, NOW)
    entries = Consumption.objects.order_by("quantity")
    assert [(e.customer, e.billing_item, e.quantity) for e in entries] == [
        (beta, storage, Decimal("20")),
        (acme, storage, Decimal("100")),
    ]
    assert {(e.source, e.volume_import_id, e.month) for e in entries} == {
        (ConsumptionSource.VOLUMETRIA, batch.pk, dt.date(2026, 4, 1))
    }
    recorded = event_list(activity="Consumption Recorded")
    assert recorded.count() == 2 and all(e.is_automated for e in recorded)
    assert recorded.filter(case_id=f"charge:{ACME}:2026-04").exists()
    [imported] = event_list(case_id=f"volume-import:{batch.pk}")
    assert imported.activity == "Volume File Imported"
    assert imported.attributes == {"filename": "volumes.csv", "rows": 2, "items_created": 0}


def test_unknown_items_are_created_from_volumetria(fin_user, customers):
    batch = _import(
        fin_user,
        f"{ACME},2026-03,Backup,Cloud,GB,0.10,10",
        f"{ACME},2026-04,Backup,Cloud,GB,0.12,10",
        f"{BETA},2026-04,Backup,Cloud,GB,0.12,5",
    )
    assert batch.items_created == 1
    item = BillingItem.objects.get(name="Backup")
    assert (item.product, item.unit, item.source) == ("Cloud", "GB", ItemSource.VOLUMETRIA)
    prices = list(item.prices.order_by("valid_from").values_list("valid_from", "unit_price"))
    assert prices == [
        (dt.date(2026, 3, 1), Decimal("0.1000")),
        (dt.date(2026, 4, 1), Decimal("0.1200")),
    ]
    created = event_list(case_id=f"item:{item.pk}").first()
    assert created.activity == "Billing Item Created" and created.is_automated
    assert created.attributes["source"] == "volumetria"
    [acme_april] = [p for p in pending_charges(APRIL) if p.customer.document == ACME]
    assert acme_april.total_due == Decimal("1.20")


def test_a_new_file_price_for_a_volumetria_item_starts_a_version(fin_user, customers):
    item = BillingItemFactory(name="Vol", source=ItemSource.VOLUMETRIA, price=("1.00", "2026-01"))
    _import(fin_user, f"{ACME},2026-05,Vol,Plataforma,un,1.50,2")
    assert item.prices.get(valid_from=dt.date(2026, 5, 1)).unit_price == Decimal("1.50")
    assert event_list(activity="Price Version Added").get().is_automated


def test_every_bad_row_is_listed_with_its_field_and_nothing_is_imported(fin_user, customers):
    billing_item("Armazenamento", price="0.5000")
    error = _refused(
        fin_user,
        f"{ACME},2026-04,Armazenamento,Cloud,GB,,100",  # line 2: fine
        "99999999000191,2026-04,Armazenamento,Cloud,GB,,1",  # 3: unknown customer
        f"{ACME},2026-04,Novo,Cloud,GB,,1",  # 4: new item without a price
        f"{ACME},2026-04,Armazenamento,Outro,GB,,1",  # 5: product differs
        f"{ACME},2026-04,Armazenamento,Cloud,GB,0.9,1",  # 6: price differs (manual item)
        f"{ACME},2025-12,Armazenamento,Cloud,GB,,1",  # 7: no price in force
    )
    assert [(e["row"], e["field"]) for e in error.errors] == [
        (3, "customer_document"),
        (4, "unit_price"),
        (5, "item"),
        (6, "unit_price"),
        (7, "unit_price"),
    ]
    assert "linhas 3, 4, 5, 6, 7" in error.message and "nada foi importado" in error.message
    assert not BillingItem.objects.filter(name="Novo").exists()
    assert not Event.objects.exists()


def test_parse_errors_are_reported_before_touching_the_database(fin_user, customers):
    error = _refused(fin_user, f"{ACME},abril,X,P,u,1,1", f"{ACME},2026-04,X,P,u,1,dez")
    assert [(e["row"], e["field"]) for e in error.errors] == [(2, "month"), (3, "quantity")]
    assert all(e["message"] for e in error.errors)


def test_rows_for_a_finalized_month_are_bad_rows(fin_user, customers):
    acme, _ = customers
    item = billing_item("Armazenamento")
    record(fin_user, acme, item, "1")
    finalize(fin_user, acme)
    error = _refused(
        fin_user,
        f"{BETA},2026-04,Armazenamento,Cloud,GB,,1",
        f"{ACME},2026-04,Armazenamento,Cloud,GB,,1",
    )
    assert [(e["row"], e["field"]) for e in error.errors] == [(3, "month")]
    assert Consumption.objects.count() == 1  # only the finalized manual entry


def test_operacao_imports_consumption_but_cannot_create_items(ops_user, customers):
    billing_item("Armazenamento")
    assert _import(ops_user, f"{ACME},2026-04,Armazenamento,Cloud,GB,,1").rows == 1
    with pytest.raises(Forbidden, match="Novo"):
        _import(ops_user, f"{ACME},2026-04,Novo,Cloud,GB,1,1")
    assert not BillingItem.objects.filter(name="Novo").exists()
    assert Consumption.objects.count() == 1


def test_operacao_cannot_change_a_price_through_a_file(ops_user, customers):
    item = BillingItemFactory(name="Vol", source=ItemSource.VOLUMETRIA, price=("1.00", "2026-01"))
    with pytest.raises(Forbidden, match="Financeiro"):
        _import(ops_user, f"{ACME},2026-05,Vol,Plataforma,un,1.50,2")
    assert list(PriceVersion.objects.filter(item=item).values_list("unit_price", flat=True)) == [
        Decimal("1.00")
    ]
    assert not Consumption.objects.exists()
    _import(ops_user, f"{ACME},2026-05,Vol,Plataforma,un,1.00,2")  # same price: no change


def test_a_new_item_given_two_products_is_a_bad_row(fin_user, customers):
    error = _refused(
        fin_user,
        f"{ACME},2026-04,Novo,Cloud,GB,1,1",
        f"{BETA},2026-04,Novo,Rede,GB,1,1",
    )
    assert [(e["row"], e["field"]) for e in error.errors] == [(3, "item")]
    assert not BillingItem.objects.exists()


def test_the_same_new_item_priced_twice_in_one_month_is_refused(fin_user, customers):
    error = _refused(
        fin_user,
        f"{ACME},2026-04,Novo,Cloud,GB,1,1",
        f"{BETA},2026-04,Novo,Cloud,GB,2,1",
    )
    assert error.errors[0]["field"] == "unit_price"
    assert not BillingItem.objects.exists()


def test_imported_consumption_is_charged_in_its_month(fin_user, customers):
    billing_item("Armazenamento", price="0.3333")
    _import(fin_user, f"{ACME},2026-05,Armazenamento,Cloud,GB,,1500.5")
    [pending] = pending_charges(MAY)
    assert pending.total_due == Decimal("500.12")
    assert pending_charges(APRIL) == []


def test_a_file_price_cannot_reach_back_into_a_billed_month(fin_user, customers):
    """The same rule as adding a price by hand: a version starting on or before a month already
    billed would change the price other customers pay in that month."""
    acme, _ = customers
    item = BillingItemFactory(name="Vol", source=ItemSource.VOLUMETRIA, price=("1.00", "2026-01"))
    record(fin_user, acme, item, "1", APRIL)
    finalize(fin_user, acme, APRIL)
    error = _refused(fin_user, f"{BETA},2026-03,Vol,Plataforma,un,1.50,2")
    assert [(e["row"], e["field"]) for e in error.errors] == [(2, "unit_price")]
    assert "abril/2026" in error.message
    assert item.prices.count() == 1
    _import(fin_user, f"{BETA},2026-05,Vol,Plataforma,un,1.50,2")  # after the billed month: ok
    assert item.prices.count() == 2
