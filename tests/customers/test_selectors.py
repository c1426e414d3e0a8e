"""Customer reads the pages use: documents for example files, segments, collectors."""

from __future__ import annotations

from typing import Any

from fatura.customers.selectors import (
    collectors,
    collects_for_anyone,
    customer_documents,
    customer_segments,
)
from tests.factories import CustomerFactory, UserFactory


def test_customer_documents_first_by_name(db: Any) -> None:
    b = CustomerFactory(name="Beta")
    a = CustomerFactory(name="Alfa")
    CustomerFactory(name="Gama")
    assert customer_documents(2) == [a.document, b.document]


def test_customer_segments_sorted_ignoring_case_without_empty(db: Any) -> None:
    for segment in ("varejo", "Indústria", "", "Indústria"):
        CustomerFactory(segment=segment)
    assert customer_segments() == ["Indústria", "varejo"]


def test_collectors_and_who_collects(db: Any) -> None:
    ana = UserFactory(username="ana", first_name="Ana", last_name="Lima")
    bia = UserFactory(username="bia")
    CustomerFactory(collector=ana)
    CustomerFactory(collector=ana)
    CustomerFactory()
    assert collectors() == [(ana.pk, "Ana Lima")]
    assert collects_for_anyone(ana.pk) and not collects_for_anyone(bia.pk)
    assert not collects_for_anyone(None)
