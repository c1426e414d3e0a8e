"""Query count of the invoice detail, pinned. The lists (every list endpoint and page) are in
one table: tests/test_query_counts.py.

Every request also spends 2 queries on authentication (the token and the user's roles).
"""

from __future__ import annotations

from typing import Any

from fatura.catalog.services import price_version_add
from fatura.core.months import Month
from tests.factories import CustomerFactory
from tests.scenarios import APRIL, MAY, billing_item, finalize, record


def _populate(by: Any, size: int) -> dict[str, str]:
    """``size`` customers, each with two items consumed in April (finalized) and May (pending)."""
    items = [billing_item(f"Item {n}", price="1.25") for n in range(3)]
    for item in items:
        price_version_add(by=by, item=item, unit_price="1.50", valid_from=Month(2026, 3))
    customers = [CustomerFactory() for _ in range(size)]
    for customer in customers:
        for item in items[:2]:
            record(by, customer, item, "10", APRIL)
            record(by, customer, item, "4", MAY)
        finalize(by, customer, APRIL)
    return {"customer": str(customers[0].pk), "items": ",".join(str(i.pk) for i in items)}


def test_invoice_detail_query_count(fin_api, fin_user, django_assert_max_num_queries):
    _populate(fin_user, 2)
    # the token, the roles, the invoice, its lines, the adjustment waiting for approval, its
    # installments (docs/decisions/0023)
    with django_assert_max_num_queries(6):
        response = fin_api.get("/invoices/FAT-00000001")
    assert len(response.json()["lines"]) == 2
