"""billing.selectors: pending charges of a month, invoices per customer and month."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fatura.billing.selectors import pending_charges
from fatura.core.errors import NotFound
from fatura.core.months import Month
from fatura.receivables.selectors import invoice_get, invoice_list
from tests.factories import CustomerFactory
from tests.scenarios import APRIL, MAY, billing_item, finalize, record


def test_every_customer_with_pending_consumption_and_its_total_due(fin_user):
    beta = CustomerFactory(name="Beta")
    acme = CustomerFactory(name="acme")
    CustomerFactory(name="Sem consumo")
    storage = billing_item("Armazenamento", price="0.3333")
    support = billing_item("Suporte", price="180.00")
    record(fin_user, acme, storage, "1500.5")
    record(fin_user, acme, support, "10")
    record(fin_user, beta, storage, "100")
    record(fin_user, beta, storage, "1", MAY)  # another month
    pending = pending_charges(APRIL)
    assert [(p.customer, p.month, p.status, p.total_due) for p in pending] == [
        (acme, APRIL, "pending", Decimal("2300.12")),  # ordered by name, ignoring case
        (beta, APRIL, "pending", Decimal("33.33")),
    ]
    assert [line.item_name for line in pending[0].computed.lines] == ["Armazenamento", "Suporte"]
    assert pending_charges(Month(2026, 3)) == []


def test_finalized_customers_leave_the_pending_list(fin_user):
    acme = CustomerFactory(name="ACME")
    beta = CustomerFactory(name="Beta")
    item = billing_item()
    record(fin_user, acme, item, "1")
    record(fin_user, beta, item, "1")
    finalize(fin_user, acme)
    assert [p.customer for p in pending_charges(APRIL)] == [beta]
    assert pending_charges(APRIL, customer_id=acme.pk) == []
    assert [p.customer for p in pending_charges(APRIL, customer_id=beta.pk)] == [beta]


def test_pending_charges_take_a_constant_number_of_queries(fin_user, django_assert_num_queries):
    items = [billing_item(f"Item {n}") for n in range(4)]
    for _ in range(12):
        customer = CustomerFactory()
        for item in items:
            record(fin_user, customer, item, "2")
    with django_assert_num_queries(4):
        assert len(pending_charges(APRIL)) == 12


def test_invoices_per_customer_and_month(fin_user):
    acme = CustomerFactory(name="ACME")
    beta = CustomerFactory(name="Beta")
    item = billing_item()
    for customer in (acme, beta):
        record(fin_user, customer, item, "1", APRIL)
        record(fin_user, customer, item, "1", MAY)
    a_april = finalize(fin_user, acme, APRIL)
    b_april = finalize(fin_user, beta, APRIL)
    a_may = finalize(fin_user, acme, MAY)
    assert list(invoice_list()) == [a_may, b_april, a_april]  # newest number first
    assert list(invoice_list(customer_id=acme.pk)) == [a_may, a_april]
    assert list(invoice_list(month=APRIL)) == [b_april, a_april]
    assert list(invoice_list(customer_id=acme.pk, month=MAY)) == [a_may]
    assert invoice_get(a_may.number) == a_may
    with pytest.raises(NotFound, match="Fatura FAT-00000009 não encontrada"):
        invoice_get("FAT-00000009")
