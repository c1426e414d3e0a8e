"""/billing-items: items, their price versions, and the rules for removing them."""

from __future__ import annotations

from fatura.catalog.models import BillingItem, ItemSource
from tests.factories import BillingItemFactory, CustomerFactory
from tests.scenarios import billing_item, finalize, record

BODY = {
    "name": "Armazenamento",
    "product": "Cloud",
    "unit": "GB",
    "unit_price": "0.0125",
    "valid_from": "2026-01",
}


def test_create_answers_201_with_the_item_and_its_price(fin_api):
    response = fin_api.post("/billing-items", BODY)
    assert response.status_code == 201
    body = response.json()
    [price] = body["prices"]
    assert body == {
        "id": body["id"],
        "name": "Armazenamento",
        "product": "Cloud",
        "unit": "GB",
        "source": "manual",
        "prices": [
            {"id": price["id"], "unit_price": "0.0125", "valid_from": "2026-01", "used": False}
        ],
    }
    assert fin_api.get(f"/billing-items/{body['id']}").json() == body


def test_prices_are_added_as_versions_and_listed_by_start(fin_api):
    item_id = fin_api.post("/billing-items", {**BODY, "unit_price": "12.5"}).json()["id"]
    response = fin_api.post(
        f"/billing-items/{item_id}/prices", {"unit_price": "13", "valid_from": "2026-04"}
    )
    assert response.status_code == 201
    added = response.json()
    assert added == {
        "id": added["id"],
        "unit_price": "13.00",
        "valid_from": "2026-04",
        "used": False,
    }
    prices = fin_api.get(f"/billing-items/{item_id}").json()["prices"]
    assert [(p["unit_price"], p["valid_from"]) for p in prices] == [
        ("12.50", "2026-01"),
        ("13.00", "2026-04"),
    ]


def test_same_month_twice_is_409(fin_api):
    item_id = fin_api.post("/billing-items", BODY).json()["id"]
    response = fin_api.post(
        f"/billing-items/{item_id}/prices", {"unit_price": "1", "valid_from": "2026-01"}
    )
    assert response.status_code == 409
    assert "janeiro/2026" in response.json()["detail"]


def test_bad_price_or_month_is_422(fin_api):
    response = fin_api.post("/billing-items", {**BODY, "unit_price": "-3"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "unit_price", "message": "informe um valor de pelo menos 0"}
    ]
    response = fin_api.post("/billing-items", {**BODY, "valid_from": "01/2026"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "valid_from"
    assert not BillingItem.objects.exists()


def test_delete_versions_one_by_one_then_the_item_goes(fin_api):
    created = fin_api.post("/billing-items", BODY).json()
    item_id = created["id"]
    second = fin_api.post(
        f"/billing-items/{item_id}/prices", {"unit_price": "2", "valid_from": "2026-05"}
    ).json()
    response = fin_api.delete(f"/billing-items/{item_id}/prices/{second['id']}")
    assert response.status_code == 204 and response.content == b""
    assert len(fin_api.get(f"/billing-items/{item_id}").json()["prices"]) == 1
    first_id = created["prices"][0]["id"]
    assert fin_api.delete(f"/billing-items/{item_id}/prices/{first_id}").status_code == 204
    assert fin_api.get(f"/billing-items/{item_id}").status_code == 404
    assert not BillingItem.objects.exists()


def test_delete_a_price_of_another_item_is_404(fin_api):
    a = billing_item("A")
    b = billing_item("B")
    response = fin_api.delete(f"/billing-items/{a.pk}/prices/{b.prices.get().pk}")
    assert response.status_code == 404
    assert b.prices.exists()


def test_delete_refusals_are_409_with_a_message(fin_api, fin_user):
    volume = BillingItemFactory(name="Vol", source=ItemSource.VOLUMETRIA, price=("1", "2026-01"))
    used = billing_item("Usado")
    record(fin_user, CustomerFactory(), used, "2")
    billed = billing_item("Cobrado")
    customer = CustomerFactory()
    record(fin_user, customer, billed, "2")
    finalize(fin_user, customer)
    for item, words in [
        (volume, "arquivo de volumetria"),
        (used, "lançamentos de consumo"),
        (billed, "cobrança finalizada"),
    ]:
        response = fin_api.delete(f"/billing-items/{item.pk}/prices/{item.prices.get().pk}")
        assert response.status_code == 409
        assert words in response.json()["detail"]
        assert item.prices.exists()


def test_list_and_search(ops_api):
    billing_item("Armazenamento")
    billing_item("Suporte")
    names = [i["name"] for i in ops_api.get("/billing-items").json()]
    assert names == ["Armazenamento", "Suporte"]
    assert [i["name"] for i in ops_api.get("/billing-items", {"search": "sup"}).json()] == [
        "Suporte"
    ]


def test_a_wrong_future_price_is_removed_or_replaced_unless_a_finalized_charge_used_it(
    fin_api, fin_user
):
    item = billing_item("Cobrado", price="10.00", since="2026-01")
    customer = CustomerFactory()
    record(fin_user, customer, item, "2")
    finalize(fin_user, customer)
    used = item.prices.get().pk
    wrong = fin_api.post(
        f"/billing-items/{item.pk}/prices", {"unit_price": "99", "valid_from": "2027-06"}
    ).json()["id"]
    prices = fin_api.get(f"/billing-items/{item.pk}").json()["prices"]
    used_by_month = [(p["valid_from"], p["used"]) for p in prices]
    assert used_by_month == [("2026-01", True), ("2027-06", False)]
    # replace the wrong one in place, then remove it and enter it again
    response = fin_api.patch(f"/billing-items/{item.pk}/prices/{wrong}", {"unit_price": "12"})
    assert response.status_code == 200
    assert response.json() == {
        "id": wrong,
        "unit_price": "12.00",
        "valid_from": "2027-06",
        "used": False,
    }
    assert fin_api.delete(f"/billing-items/{item.pk}/prices/{wrong}").status_code == 204
    again = fin_api.post(
        f"/billing-items/{item.pk}/prices", {"unit_price": "12", "valid_from": "2027-06"}
    )
    assert again.status_code == 201
    # the version the finalized charge used: 409 both ways
    for response in (
        fin_api.patch(f"/billing-items/{item.pk}/prices/{used}", {"unit_price": "11"}),
        fin_api.delete(f"/billing-items/{item.pk}/prices/{used}"),
    ):
        assert response.status_code == 409
        assert "usado em uma cobrança finalizada" in response.json()["detail"]


def test_replace_errors(fin_api, ops_api):
    item = billing_item("A")
    other = billing_item("B")
    price = item.prices.get().pk
    url = f"/billing-items/{item.pk}/prices/{price}"
    assert fin_api.patch(url, {"unit_price": "-1"}).status_code == 422
    assert fin_api.patch(url, {}).status_code == 422
    assert (
        fin_api.patch(f"/billing-items/{other.pk}/prices/{price}", {"unit_price": "1"}).status_code
        == 404
    )
    assert ops_api.patch(url, {"unit_price": "1"}).status_code == 403
