"""customers.services and selectors: registering a customer (CPF/CNPJ validated)."""

from __future__ import annotations

import pytest

from fatura.core.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from fatura.customers.models import Customer
from fatura.customers.selectors import customer_get, customer_list
from fatura.customers.services import customer_create
from fatura.eventlog.models import Event
from tests.factories import CustomerFactory
from tests.scenarios import NOW

FULL = {
    "name": "  ACME Serviços Ltda ",
    "document": "11.222.333/0001-81",
    "email": "financeiro@acme.example",
    "segment": "Varejo",
    "region": "Sudeste",
    "country": "br",
    "business_unit": "Cloud",
    "payment_terms": "NET60",
}


def test_create_stores_every_field_and_writes_its_event(fin_user):
    customer = customer_create(by=fin_user, **FULL)
    customer.refresh_from_db()
    assert customer.name == "ACME Serviços Ltda"
    assert customer.document == "11222333000181"  # digits only
    assert customer.document_type == "CNPJ"
    assert customer.document_display == "11.222.333/0001-81"
    assert (customer.email, customer.segment, customer.region) == (
        "financeiro@acme.example",
        "Varejo",
        "Sudeste",
    )
    assert (customer.country, customer.business_unit, customer.payment_terms) == (
        "BR",
        "Cloud",
        "NET60",
    )
    event = Event.objects.get()
    assert event.case_id == "customer:11222333000181"
    assert event.activity == "Customer Created"
    assert (event.user, event.timestamp, event.is_automated) == ("fin", NOW, False)
    assert event.attributes["customer"] == "ACME Serviços Ltda"
    assert event.attributes["business_unit"] == "Cloud"


def test_a_cpf_is_a_person(fin_user):
    customer = customer_create(by=fin_user, name="Maria", document="111.444.777-35")
    assert (customer.document, customer.document_type) == ("11144477735", "CPF")
    assert customer.payment_terms == "NET30" and customer.country == "BR"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("document", "11.222.333/0001-80"),
        ("document", "111.444.777-36"),
        ("document", "123"),
        ("name", "   "),
        ("email", "not-an-email"),
        ("country", "BRA"),
        ("payment_terms", "NET90"),
    ],
)
def test_invalid_input_is_422_naming_the_field(fin_user, field, value):
    with pytest.raises(InvalidInput) as raised:
        customer_create(by=fin_user, **{**FULL, field: value})
    assert raised.value.status == 422
    assert [e["field"] for e in raised.value.errors] == [field]
    assert raised.value.message
    assert not Customer.objects.exists() and not Event.objects.exists()


def test_every_bad_field_is_reported_at_once(fin_user):
    with pytest.raises(InvalidInput) as raised:
        customer_create(by=fin_user, name="", document="1", email="x", country="1")
    assert {e["field"] for e in raised.value.errors} == {"name", "document", "email", "country"}


def test_the_same_document_twice_is_409(fin_user):
    customer_create(by=fin_user, name="ACME", document="11222333000181")
    with pytest.raises(RuleViolation, match="Já existe um cliente"):
        customer_create(by=fin_user, name="Other", document="11.222.333/0001-81")
    assert Customer.objects.count() == 1


def test_operacao_cannot_register_customers(ops_user):
    with pytest.raises(Forbidden):
        customer_create(by=ops_user, **FULL)
    assert not Customer.objects.exists()


def test_list_searches_name_and_document(db):
    acme = CustomerFactory(name="ACME Serviços", document="11222333000181")
    beta = CustomerFactory(name="Beta Comércio")
    assert list(customer_list()) == [acme, beta]
    assert list(customer_list(search="acme")) == [acme]
    assert list(customer_list(search="11.222.333")) == [acme]
    assert list(customer_list(search="nothing")) == []


def test_get_missing_is_404(db):
    with pytest.raises(NotFound, match="Cliente 42 não encontrado"):
        customer_get(42)
