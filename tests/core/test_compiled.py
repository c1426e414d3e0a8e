"""core.compiled: a read compiled once gives what the queryset gives, with other values."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from fatura.core.compiled import CompiledRead
from fatura.customers.models import Customer
from tests.factories import CustomerFactory, financeiro

pytestmark = pytest.mark.django_db


def _by_document(documents: str | list[str]):  # type: ignore[no-untyped-def]
    lookup = {"document": documents} if isinstance(documents, str) else {"document__in": documents}
    customers = Customer.objects.select_related("collector").filter(country="BR", **lookup)
    return customers.order_by("pk")


def test_same_instances_as_the_queryset_for_other_values() -> None:
    read = CompiledRead(_by_document)
    ana, bia = financeiro("ana"), financeiro("bia")
    first = CustomerFactory(collector=ana)
    second = CustomerFactory(collector=bia)
    CustomerFactory(country="PT")
    for customer in (first, second):
        (got,) = read.fetch(customer.document)
        (want,) = _by_document(customer.document)
        assert got.pk == want.pk and got.collector == want.collector
        fields = [f.attname for f in Customer._meta.concrete_fields]
        assert [getattr(got, f) for f in fields] == [getattr(want, f) for f in fields]
        assert got._state.adding is False and got._state.db == "default"
    assert read.fetch("00.000.000/0000-00") == []
    both = read.fetch([second.document, first.document])
    assert [c.pk for c in both] == [first.pk, second.pk]
    assert read.fetch([]) == []


def test_compiled_once_then_only_runs() -> None:
    read = CompiledRead(_by_document)
    customer = CustomerFactory(collector=financeiro("ana"))
    read.fetch(customer.document)
    with CaptureQueriesContext(connection) as queries:
        (again,) = read.fetch(customer.document)
        assert again.collector.username == "ana"  # selected with it: no query
    assert len(queries) == 1


def test_a_lock_needs_a_transaction() -> None:
    read = CompiledRead(lambda d: Customer.objects.select_for_update().filter(document=d))
    customer = CustomerFactory()
    with transaction.atomic():
        assert read.fetch(customer.document) == [customer]
    if connection.features.has_select_for_update and not connection.in_atomic_block:
        with pytest.raises(TransactionManagementError):
            read.fetch(customer.document)


def test_a_value_the_orm_transforms_is_refused() -> None:
    read = CompiledRead(lambda name: Customer.objects.filter(name__icontains=name))
    with pytest.raises(ValueError, match="CompiledRead"):
        read.fetch("Ltda")


def test_integer_values_and_lists() -> None:
    read = CompiledRead(
        lambda pk: (
            Customer.objects.filter(pk__in=pk)
            if isinstance(pk, list)
            else Customer.objects.filter(pk=pk)
        )
    )
    first, second = CustomerFactory(), CustomerFactory()
    assert read.fetch(second.pk) == [second]
    assert read.fetch(first.pk) == [first]
    assert read.fetch(-1) == []
    assert sorted(c.pk for c in read.fetch([first.pk, second.pk])) == [first.pk, second.pk]
    with pytest.raises(TypeError):
        read.fetch(True)
