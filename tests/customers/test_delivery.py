"""The customer's delivery policy (issue 11 §2): automatic e-mail or manual, and
``PATCH /customers/{id}``."""

from __future__ import annotations

import pytest

from fatura.core.errors import InvalidInput, NotFound
from fatura.customers.models import DeliveryPolicy
from fatura.customers.services import customer_create, customer_update
from fatura.eventlog.models import Event
from tests.factories import CustomerFactory, financeiro

pytestmark = pytest.mark.django_db


def _patch(api, path, data):
    return api._call("patch", path, data)


BODY = {
    "name": "ACME Serviços Ltda",
    "document": "11.222.333/0001-81",
    "email": "financeiro@acme.example",
}


def test_default_is_email_when_the_customer_has_one():
    by = financeiro()
    with_email = customer_create(by=by, **BODY)
    without = customer_create(by=by, name="Sem E-mail", document="529.982.247-25")
    assert with_email.delivery == DeliveryPolicy.EMAIL
    assert without.delivery == DeliveryPolicy.MANUAL
    created = Event.objects.get(case_id=f"customer:{with_email.document}")
    assert created.attributes["delivery"] == "email"


def test_manual_can_be_chosen_and_email_needs_an_address():
    by = financeiro()
    assert customer_create(by=by, **BODY, delivery="manual").delivery == "manual"
    with pytest.raises(InvalidInput) as caught:
        customer_create(by=by, name="X", document="529.982.247-25", delivery="email")
    assert caught.value.errors == [
        {"field": "delivery", "message": "Envio automático por e-mail exige o e-mail do cliente."}
    ]


def test_update_changes_only_what_is_given_with_an_event():
    customer = CustomerFactory(delivery="email")
    updated = customer_update(by=financeiro(), customer_id=customer.pk, delivery="manual")
    assert updated.delivery == "manual"
    assert updated.email == customer.email
    event = Event.objects.get(case_id=f"customer:{customer.document}", activity="Customer Updated")
    assert event.attributes["changed"] == "delivery"
    assert event.attributes["delivery"] == "manual"
    # nothing changed: no event
    customer_update(by=financeiro("fin2"), customer_id=customer.pk, delivery="manual")
    assert Event.objects.filter(activity="Customer Updated").count() == 1


def test_update_refuses_clearing_the_email_of_an_automatic_customer():
    customer = CustomerFactory(delivery="email")
    with pytest.raises(InvalidInput):
        customer_update(by=financeiro(), customer_id=customer.pk, email="")
    cleared = customer_update(
        by=financeiro("fin2"), customer_id=customer.pk, email="", delivery="manual"
    )
    assert (cleared.email, cleared.delivery) == ("", "manual")


def test_update_of_a_missing_customer_is_not_found():
    with pytest.raises(NotFound):
        customer_update(by=financeiro(), customer_id=999_999, delivery="manual")


def test_migration_sets_email_for_customers_with_an_address():
    from importlib import import_module

    from django.apps import apps

    with_email = CustomerFactory(delivery="manual")
    without = CustomerFactory(email="", delivery="manual")
    module = import_module("fatura.customers.migrations.0003_customer_delivery")
    module.email_when_known(apps, None)
    with_email.refresh_from_db()
    without.refresh_from_db()
    assert (with_email.delivery, without.delivery) == ("email", "manual")


# --- API ----------------------------------------------------------------------------------


def test_post_accepts_delivery_and_answers_it(fin_api):
    response = fin_api.post("/customers", {**BODY, "delivery": "manual"})
    assert response.status_code == 201
    assert response.json()["delivery"] == "manual"
    default = fin_api.post(
        "/customers", {"name": "Outra", "document": "529.982.247-25", "email": "a@b.example"}
    )
    assert default.json()["delivery"] == "email"


def test_post_with_an_unknown_delivery_is_422(fin_api):
    response = fin_api.post("/customers", {**BODY, "delivery": "fax"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["delivery"]


def test_patch_changes_the_policy(fin_api):
    customer = CustomerFactory(delivery="email")
    response = _patch(fin_api, f"/customers/{customer.pk}", {"delivery": "manual"})
    assert response.status_code == 200
    assert response.json()["delivery"] == "manual"
    assert fin_api.get(f"/customers/{customer.pk}").json()["delivery"] == "manual"


def test_patch_errors(fin_api, ops_api):
    customer = CustomerFactory(email="", delivery="manual")
    refused = _patch(fin_api, f"/customers/{customer.pk}", {"delivery": "email"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "delivery"
    assert _patch(fin_api, f"/customers/{customer.pk}", {"delivery": "fax"}).status_code == 422
    assert _patch(fin_api, "/customers/999999", {"delivery": "manual"}).status_code == 404
    assert _patch(ops_api, f"/customers/{customer.pk}", {"delivery": "manual"}).status_code == 403


def test_patch_needs_a_login(client):
    customer = CustomerFactory()
    response = client.patch(
        f"/api/v1/customers/{customer.pk}", {"delivery": "manual"}, content_type="application/json"
    )
    assert response.status_code == 401


def test_schema_states_the_delivery_enum(client):
    schema = client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    text = str(components["CustomerIn"]["properties"]["delivery"])
    assert "'email'" in text and "'manual'" in text
    assert "patch" in schema["paths"]["/api/v1/customers/{customer_id}"]
