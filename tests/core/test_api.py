"""The API root: authentication, the role of every endpoint, error bodies, the OpenAPI schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fatura.billing.models import BillingRun
from fatura.billing.runs import billing_run_request
from fatura.catalog.models import BillingItem, PriceVersion
from fatura.catalog.services import price_version_add
from fatura.core.months import Month
from fatura.customers.models import Customer
from fatura.receivables.models import Invoice
from fatura.usage.models import Consumption
from tests.conftest import ApiClient
from tests.factories import CustomerFactory, UserFactory
from tests.scenarios import VOLUME_HEADER, billing_item, finalize, record


@dataclass
class World:
    billed: Customer
    pending: Customer
    storage: BillingItem
    free_item: BillingItem
    free_price: PriceVersion
    entry: Consumption
    invoice: Invoice
    run: BillingRun


@pytest.fixture
def world(fin_user: Any) -> World:
    billed = CustomerFactory(name="ACME")
    pending = CustomerFactory(name="Beta")
    storage = billing_item("Armazenamento")
    free_item = billing_item("Livre", price="5.00")
    free_price = price_version_add(
        by=fin_user, item=free_item, unit_price="6.00", valid_from=Month(2026, 6)
    )
    record(fin_user, billed, storage, "100")
    invoice = finalize(fin_user, billed)
    entry = record(fin_user, pending, storage, "10")
    record(fin_user, pending, storage, "20")
    run = billing_run_request(by=fin_user, month=Month(2026, 3), result_center="CR", ticket="T")
    return World(billed, pending, storage, free_item, free_price, entry, invoice, run)


def _csv(w: World) -> SimpleUploadedFile:
    body = VOLUME_HEADER + f"{w.pending.document},2026-04,Armazenamento,Cloud,GB,,5\n"
    return SimpleUploadedFile("volumes.csv", body.encode(), content_type="text/csv")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: Callable[[World], str]
    ok: int
    ops_may: bool
    body: Callable[[World], Any] | None = None


ENDPOINTS: dict[str, Endpoint] = {
    "customer create": Endpoint(
        "post",
        lambda w: "/customers",
        201,
        False,
        lambda w: {"name": "Nova", "document": "11.222.333/0001-81"},
    ),
    "customer list": Endpoint("get", lambda w: "/customers", 200, True),
    "customer get": Endpoint("get", lambda w: f"/customers/{w.billed.pk}", 200, True),
    "item create": Endpoint(
        "post",
        lambda w: "/billing-items",
        201,
        False,
        lambda w: {
            "name": "Backup",
            "product": "Cloud",
            "unit": "GB",
            "unit_price": "1.00",
            "valid_from": "2026-01",
        },
    ),
    "item list": Endpoint("get", lambda w: "/billing-items", 200, True),
    "item get": Endpoint("get", lambda w: f"/billing-items/{w.storage.pk}", 200, True),
    "price add": Endpoint(
        "post",
        lambda w: f"/billing-items/{w.free_item.pk}/prices",
        201,
        False,
        lambda w: {"unit_price": "7.00", "valid_from": "2026-09"},
    ),
    "price delete": Endpoint(
        "delete", lambda w: f"/billing-items/{w.free_item.pk}/prices/{w.free_price.pk}", 204, False
    ),
    "consumption record": Endpoint(
        "post",
        lambda w: "/consumptions",
        201,
        True,
        lambda w: {
            "customer_id": w.pending.pk,
            "month": "2026-04",
            "billing_item_id": w.storage.pk,
            "quantity": "3",
        },
    ),
    "consumption list": Endpoint("get", lambda w: "/consumptions", 200, True),
    "consumption delete": Endpoint("delete", lambda w: f"/consumptions/{w.entry.pk}", 204, True),
    "volume import": Endpoint(
        "upload", lambda w: "/consumptions/import", 201, True, lambda w: {"file": _csv(w)}
    ),
    "charge list": Endpoint("get", lambda w: "/charges?month=2026-04", 200, True),
    "charge finalize": Endpoint(
        "post",
        lambda w: "/charges/finalize",
        201,
        False,
        lambda w: {
            "customer_id": w.pending.pk,
            "month": "2026-04",
            "result_center": "CR-1",
            "ticket": "CH-9",
            "total_charged": "10.00",
        },
    ),
    "billing run create": Endpoint(
        "post",
        lambda w: "/billing-runs",
        202,
        False,
        lambda w: {"month": "2026-04", "result_center": "CR", "ticket": "T"},
    ),
    "billing run get": Endpoint("get", lambda w: f"/billing-runs/{w.run.pk}", 200, True),
    "invoice list": Endpoint("get", lambda w: f"/invoices?customer_id={w.billed.pk}", 200, True),
    "invoice get": Endpoint("get", lambda w: f"/invoices/{w.invoice.number}", 200, True),
    "invoice pdf": Endpoint("get", lambda w: f"/invoices/{w.invoice.number}/pdf", 200, True),
    "usage": Endpoint(
        "get",
        lambda w: f"/usage?customer_id={w.billed.pk}&item_ids={w.storage.pk}",
        200,
        True,
    ),
    "events": Endpoint("get", lambda w: f"/events?case_id={w.invoice.number}", 200, True),
}


def _call(api: ApiClient, endpoint: Endpoint, world: World) -> Any:
    path = endpoint.path(world)
    body = endpoint.body(world) if endpoint.body else None
    if endpoint.method == "upload":
        return api.upload(path, body)
    if endpoint.method == "post":
        return api.post(path, body)
    return getattr(api, endpoint.method)(path)


ROLES = ("financeiro", "operacao", "superuser", "no_role")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ENDPOINTS)
def test_role_matrix(world, api_as, fin_user, ops_user, role, name):
    users = {
        "financeiro": fin_user,
        "operacao": ops_user,
        "superuser": UserFactory(username="root", is_superuser=True),
        "no_role": UserFactory(username="nobody"),
    }
    endpoint = ENDPOINTS[name]
    allowed = role in {"financeiro", "superuser"} or (role == "operacao" and endpoint.ops_may)
    response = _call(api_as(users[role]), endpoint, world)
    if allowed:
        assert response.status_code == endpoint.ok, response.content[:300]
    else:
        assert response.status_code == 403, response.content[:300]
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["detail"]


@pytest.mark.parametrize("name", ENDPOINTS)
def test_unauthenticated_is_401_json(world, name):
    response = _call(ApiClient(Client(), None), ENDPOINTS[name], world)
    assert response.status_code == 401
    assert response.json() == {"detail": "Não autenticado: envie Authorization: Bearer <token>."}


def test_a_bad_token_is_401(world):
    response = ApiClient(Client(), "not-a-token").get("/customers")
    assert response.status_code == 401


def test_a_denied_action_changes_nothing(world, ops_api):
    before = Invoice.objects.count()
    response = _call(ops_api, ENDPOINTS["charge finalize"], world)
    assert response.status_code == 403
    assert response.json() == {"detail": "Somente o perfil Financeiro finaliza cobranças."}
    assert Invoice.objects.count() == before


@pytest.mark.parametrize(
    "path",
    [
        "/customers/999999",
        "/billing-items/999999",
        "/invoices/FAT-99999999",
        "/invoices/FAT-99999999/pdf",
        "/billing-runs/999999",
    ],
)
def test_missing_things_are_404_with_a_message(fin_api, path):
    response = fin_api.get(path)
    assert response.status_code == 404
    assert "não encontrad" in response.json()["detail"]


def test_bad_input_is_422_with_a_message_and_each_field(fin_api):
    response = fin_api.post(
        "/billing-items", {"name": "X", "product": "P", "unit_price": "1", "valid_from": "2026-13"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("Dados inválidos")
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"unit", "valid_from"}
    assert any("AAAA-MM" in e["message"] for e in body["errors"])


def test_openapi_schema_is_served_and_lists_the_module_paths(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    expected = {
        "/api/v1/auth/token": {"post"},
        "/api/v1/customers": {"get", "post"},
        "/api/v1/billing-items": {"get", "post"},
        "/api/v1/billing-items/{item_id}": {"get"},
        "/api/v1/billing-items/{item_id}/prices": {"post"},
        "/api/v1/billing-items/{item_id}/prices/{price_id}": {"delete"},
        "/api/v1/consumptions": {"get", "post"},
        "/api/v1/consumptions/{consumption_id}": {"delete"},
        "/api/v1/consumptions/import": {"post"},
        "/api/v1/charges": {"get"},
        "/api/v1/charges/finalize": {"post"},
        "/api/v1/invoices": {"get"},
        "/api/v1/invoices/{number}": {"get"},
        "/api/v1/invoices/{number}/pdf": {"get"},
        "/api/v1/usage": {"get"},
        "/api/v1/events": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    assert "BearerToken" in schema["components"]["securitySchemes"]
    assert "AAAA-MM" in schema["info"]["description"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/charges", "month"),  # query
        ("/consumptions?customer_id=x", "customer_id"),  # query
        ("/billing-items/abc", "item_id"),  # path
    ],
)
def test_422_names_the_parameter_not_where_it_was_found(fin_api, path, field):
    response = fin_api.get(path)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert response.json()["detail"].startswith(f"Dados inválidos — {field}: ")
