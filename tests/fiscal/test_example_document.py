"""``fiscal.selectors.example_customer_document``: the CPF/CNPJ an example file carries."""

from __future__ import annotations

from fatura.fiscal.selectors import example_customer_document
from tests.factories import CustomerFactory


def test_prefers_a_customer_with_service_orders(ops_api):
    CustomerFactory(name="Alfa")
    with_orders = CustomerFactory(name="Gama")
    created = ops_api.post(
        "/service-orders",
        {"number": "OS-1", "customer_id": with_orders.pk, "service_type": "Instalação",
         "team": "Norte", "value": 10},
    )  # fmt: skip
    assert created.status_code == 201
    assert example_customer_document() == with_orders.document


def test_any_customer_else_none(db):
    assert example_customer_document() is None
    first = CustomerFactory(name="Alfa")
    CustomerFactory(name="Beta")
    assert example_customer_document() == first.document
