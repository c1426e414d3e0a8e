"""The billing run on PostgreSQL computes and writes its lines in the database
(``billing.run_sql``) and its rows through COPY (``core.bulk``): everything it writes must be
what the Python path (``pending_charges`` + bulk inserts, SQLite's path) writes for the same
consumption — invoices, lines, installments, charges, closed months, events, numbers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from fatura.billing.models import Charge
from fatura.billing.services import month_finalize_all
from fatura.catalog.services import price_version_add
from fatura.core import bulk
from fatura.core.errors import InvalidInput
from fatura.customers.models import Customer
from fatura.eventlog import services as eventlog_services
from fatura.eventlog.models import Event
from fatura.receivables.models import Invoice, InvoiceInstallment, InvoiceLine
from fatura.usage.models import ClosedMonth, Consumption
from tests.factories import CustomerFactory
from tests.scenarios import APRIL, MAY, NOW, billing_item, finalize, record

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based path is PostgreSQL's"
)


class _UndoError(Exception):
    pass


def _written() -> dict[str, list[Any]]:
    """Everything a run writes, without surrogate ids (invoices by number)."""
    number = dict(Invoice.objects.values_list("id", "number"))
    invoices = [
        {k: v for k, v in row.items() if k != "id"}
        for row in Invoice.objects.order_by("number").values()
    ]
    lines = [
        {**{k: v for k, v in row.items() if k not in ("id", "invoice_id")}, "invoice": number[i]}
        for i, row in (
            (row["invoice_id"], row)
            for row in InvoiceLine.objects.order_by("invoice__number", "position").values()
        )
    ]
    installments = [
        (number[r["invoice_id"]], r["number"], r["due_date"], r["amount"])
        for r in InvoiceInstallment.objects.order_by("invoice__number", "number").values()
    ]
    charges = [
        {
            **{k: v for k, v in r.items() if k not in ("id", "invoice_id")},
            "invoice": number[r["invoice_id"]],
        }
        for r in Charge.objects.order_by("invoice__number").values()
    ]
    closed = list(
        ClosedMonth.objects.order_by("customer_id", "month").values_list(
            "customer_id", "month", "invoice_number", "closed_at"
        )
    )
    events = [
        {k: v for k, v in r.items() if k != "id"} for r in Event.objects.order_by("id").values()
    ]
    return {
        "invoices": invoices,
        "lines": lines,
        "installments": installments,
        "charges": charges,
        "closed": closed,
        "events": events,
    }


def _run(user: Any, *, set_based: bool) -> tuple[dict[str, list[Any]], list[str]]:
    """Run the month both ways from the same database: the writes, then undone."""
    try:
        with transaction.atomic():
            invoices = month_finalize_all(
                by=user,
                month=APRIL,
                result_center="CR-1000 Faturamento",
                ticket="CHG-1",
                now=NOW,
                batch_size=3,  # several batches: numbers and lines cross batch edges
                set_based=set_based,
            )
            written = _written()
            numbers = [i.number for i in invoices]
            raise _UndoError
    except _UndoError:
        pass
    return written, numbers


@pytest.fixture
def month_of_consumption(fin_user: Any) -> list[Customer]:
    storage = billing_item("armazenamento em nuvem", price="0.3333", unit="GB")
    support = billing_item("Horas de Suporte", price="180.00", product="Suporte", unit="hora")
    api = billing_item("Chamadas de API", price="0.4500", product="API", unit="mil chamadas")
    accents = billing_item("Ávila backup", price="0.0050", product="Backup", unit="GB")
    price_version_add(by=fin_user, item=api, unit_price="0.4215", valid_from=APRIL)
    price_version_add(by=fin_user, item=support, unit_price="199.99", valid_from=MAY)  # later
    customers = [
        CustomerFactory(name="bravo comércio"),
        CustomerFactory(name="Alfa", payment_terms="30/60/90"),
        CustomerFactory(name="Álvaro Serviços", withholdings=["iss", "irrf"]),
        CustomerFactory(name="alfa", delivery="email"),  # same name in another case
        CustomerFactory(name="Charlie", payment_terms="2_10_NET30"),
        CustomerFactory(name="Delta"),
        CustomerFactory(name="Eco zero"),
    ]
    quantities = {
        storage: ["1500.123456", "0.000001"],  # summed before pricing
        support: ["7.5"],
        api: ["999999.999999"],  # 421499.99999957… rounds half-up to 421500.00
        accents: ["1"],  # 0.005 → 0.01 (half-up)
    }
    for n, customer in enumerate(customers[:-2]):
        for item, values in quantities.items():
            if (n + item.pk) % 4 == 0:
                continue  # customers with different items
            for value in values:
                record(fin_user, customer, item, value)
    record(fin_user, customers[5], support, "0.01")
    record(fin_user, customers[6], storage, "0")  # a zero invoice: paid on issue
    finalize(fin_user, customers[5])  # already finalized: not in the run
    return customers


@pytest.mark.parametrize("copy_from", [1, 100])  # COPY for every batch, or bulk_create
def test_set_based_run_writes_what_the_python_run_writes(
    fin_user: Any,
    month_of_consumption: list[Customer],
    monkeypatch: pytest.MonkeyPatch,
    copy_from: int,
) -> None:
    python_rows, python_numbers = _run(fin_user, set_based=False)
    monkeypatch.setattr(bulk, "COPY_FROM", copy_from)
    monkeypatch.setattr(eventlog_services, "COPY_FROM", copy_from)
    sql_rows, sql_numbers = _run(fin_user, set_based=True)

    assert len(python_numbers) == 6
    assert sql_numbers == python_numbers
    assert len(python_rows["lines"]) > 10
    for table in python_rows:
        assert sql_rows[table] == python_rows[table], table


def test_set_based_run_refuses_items_without_price_like_the_python_run(
    fin_user: Any, month_of_consumption: list[Customer]
) -> None:
    unpriced = billing_item("Sem preço", since="2026-06")
    for customer in month_of_consumption[:2]:
        Consumption.objects.create(
            customer=customer,
            month=APRIL.first_day,
            billing_item=unpriced,
            quantity=1,
            recorded_by=fin_user,
            recorded_at=NOW,
        )
    refusals = []
    for set_based in (False, True):
        with pytest.raises(InvalidInput) as refused:
            month_finalize_all(
                by=fin_user, month=APRIL, result_center="CR", ticket="T", set_based=set_based
            )
        refusals.append((refused.value.message, refused.value.errors))
    assert refusals[0] == refusals[1]
    assert len(refusals[0][1]) == 2
    assert not Invoice.objects.filter(month=APRIL.first_day, charge__isnull=True).exists()
