"""The billing run writes its invoice lines as plain rows (COPY on PostgreSQL, executemany
elsewhere) instead of model instances: they must be exactly the lines ``charge_finalize``
writes for the same consumption."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fatura.billing.services import month_finalize_all
from fatura.catalog.services import price_version_add
from fatura.receivables.models import Invoice, InvoiceLine
from tests.factories import CustomerFactory
from tests.scenarios import APRIL, billing_item, finalize, record

FIELDS = (
    "position",
    "billing_item_id",
    "price_version_id",
    "item_name",
    "product",
    "unit",
    "quantity",
    "unit_price",
    "amount",
)


def _lines(invoice: Invoice) -> list[dict[str, Any]]:
    return list(InvoiceLine.objects.filter(invoice=invoice).order_by("position").values(*FIELDS))


def test_billing_run_lines_equal_the_lines_of_finalizing_one_by_one(fin_user: Any) -> None:
    storage = billing_item("Armazenamento em nuvem", price="0.3333", unit="GB")
    support = billing_item("Horas de suporte", price="180.00", product="Suporte", unit="hora")
    api = billing_item("Chamadas de API", price="0.4500", product="API", unit="mil chamadas")
    price_version_add(by=fin_user, item=api, unit_price="0.4215", valid_from=APRIL)
    alone, in_run = CustomerFactory(name="Alfa"), CustomerFactory(name="Bravo")
    for customer in (alone, in_run):
        record(fin_user, customer, storage, "1500.123456")
        record(fin_user, customer, storage, "0.000001")  # summed with the line above
        record(fin_user, customer, support, "7.5")
        record(fin_user, customer, api, "999999.999999")
    single = finalize(fin_user, alone)

    [from_run] = month_finalize_all(by=fin_user, month=APRIL, result_center="CR", ticket="T")

    expected = _lines(single)
    assert [line["item_name"] for line in expected] == [
        "Armazenamento em nuvem",
        "Chamadas de API",
        "Horas de suporte",
    ]
    assert expected[0]["quantity"] == Decimal("1500.123457")
    assert expected[1]["unit_price"] == Decimal("0.4215")  # the April price
    assert expected[1]["amount"] == Decimal("421500.00")  # 421499.99999957... half-up
    assert _lines(from_run) == expected
    assert from_run.total_due == single.total_due == sum(line["amount"] for line in expected)
