"""Every invoice event carries a billing department: the invoice's result center, else (a
direct invoice has none) the customer's business unit (docs/decisions/0031)."""

from __future__ import annotations

from typing import Any

from fatura.eventlog.models import Event
from fatura.receivables.events import invoice_attributes


def test_direct_invoice_events_carry_the_customers_business_unit(books: Any) -> None:
    invoice = books.sent(amount="500.00")
    departments = {
        e.attributes.get("billing_department") for e in Event.objects.filter(case_id=invoice.number)
    }
    assert departments == {"Cloud"}


def test_the_result_center_comes_first(books: Any) -> None:
    invoice = books.draft(amount="10.00")
    invoice.result_center = "CR-1002 Comercial Sudeste"
    assert invoice_attributes(invoice)["billing_department"] == "CR-1002 Comercial Sudeste"
