"""Usage ("Uso"): quantity and amount per month of up to 10 items, from finalized charges only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fatura.billing.usage_selectors import MAX_ITEMS, usage_series
from fatura.catalog.services import price_version_add
from fatura.core.errors import InvalidInput
from fatura.core.months import Month
from tests.factories import CustomerFactory
from tests.scenarios import APRIL, MAY, billing_item, finalize, record

MARCH = Month(2026, 3)


@pytest.fixture
def history(fin_user):
    """ACME: storage in March and April (finalized) and May (pending); support in April."""
    acme = CustomerFactory(name="ACME")
    other = CustomerFactory(name="Outro")
    storage = billing_item("Armazenamento", price="0.50")
    support = billing_item("Suporte", price="100.00", unit="hora")
    price_version_add(by=fin_user, item=storage, unit_price="0.60", valid_from=APRIL)
    record(fin_user, acme, storage, "100", MARCH)
    record(fin_user, acme, storage, "200", APRIL)
    record(fin_user, acme, storage, "50", APRIL)
    record(fin_user, acme, support, "3", APRIL)
    record(fin_user, other, storage, "999", APRIL)
    for month in (MARCH, APRIL):
        finalize(fin_user, acme, month)
    finalize(fin_user, other, APRIL)
    record(fin_user, acme, storage, "7", MAY)  # pending: not in the chart
    return acme, storage, support


def test_series_per_item_and_month_from_finalized_charges(history):
    acme, storage, support = history
    series = usage_series(customer_id=acme.pk, item_ids=[storage.pk, support.pk])
    assert [(s.billing_item_id, s.name, s.unit) for s in series] == [
        (storage.pk, "Armazenamento", "GB"),
        (support.pk, "Suporte", "hora"),
    ]
    assert [(p.month, p.quantity, p.amount) for p in series[0].points] == [
        (MARCH, Decimal("100"), Decimal("50.00")),
        (APRIL, Decimal("250"), Decimal("150.00")),  # the April price, 0.60
    ]
    assert [(p.month, p.amount) for p in series[1].points] == [(APRIL, Decimal("300.00"))]


def test_pending_consumption_does_not_appear(history, fin_user):
    acme, storage, _ = history
    months = [p.month for p in usage_series(customer_id=acme.pk, item_ids=[storage.pk])[0].points]
    assert MAY not in months
    finalize(fin_user, acme, MAY)
    months = [p.month for p in usage_series(customer_id=acme.pk, item_ids=[storage.pk])[0].points]
    assert months == [MARCH, APRIL, MAY]


def test_items_without_finalized_usage_have_an_empty_series(db):
    item = billing_item()
    [series] = usage_series(customer_id=CustomerFactory().pk, item_ids=[item.pk])
    assert series.points == []


def test_up_to_ten_items(db):
    items = [billing_item(f"Item {n}") for n in range(MAX_ITEMS + 1)]
    ids = [i.pk for i in items]
    customer = CustomerFactory()
    assert len(usage_series(customer_id=customer.pk, item_ids=ids[:10])) == 10
    assert len(usage_series(customer_id=customer.pk, item_ids=ids[:10] + ids[:3])) == 10
    with pytest.raises(InvalidInput, match="no máximo 10 itens") as raised:
        usage_series(customer_id=customer.pk, item_ids=ids)
    assert raised.value.errors[0]["field"] == "item_ids"


@pytest.mark.parametrize(("ids", "message"), [([], "ao menos um"), ([999999], "inexistentes")])
def test_empty_or_unknown_items_are_422(db, ids, message):
    with pytest.raises(InvalidInput, match=message):
        usage_series(customer_id=CustomerFactory().pk, item_ids=ids)


def test_api_usage(history, ops_api):
    acme, storage, _ = history
    response = ops_api.get("/usage", {"customer_id": acme.pk, "item_ids": f"{storage.pk}"})
    assert response.status_code == 200
    assert response.json() == {
        "customer_id": acme.pk,
        "series": [
            {
                "billing_item_id": storage.pk,
                "name": "Armazenamento",
                "unit": "GB",
                "points": [
                    {"month": "2026-03", "quantity": "100", "amount": "50.00"},
                    {"month": "2026-04", "quantity": "250", "amount": "150.00"},
                ],
            }
        ],
    }


def test_api_usage_errors(history, ops_api):
    acme, storage, _ = history
    eleven = ",".join(str(billing_item(f"Extra {n}").pk) for n in range(11))
    too_many = ops_api.get("/usage", {"customer_id": acme.pk, "item_ids": eleven})
    assert too_many.status_code == 422
    assert "no máximo 10" in too_many.json()["detail"]
    bad = ops_api.get("/usage", {"customer_id": acme.pk, "item_ids": "1,a"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "item_ids"
    missing = ops_api.get("/usage", {"customer_id": 999999, "item_ids": str(storage.pk)})
    assert missing.status_code == 404
