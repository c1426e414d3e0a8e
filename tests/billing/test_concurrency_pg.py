"""Finalizing at the same moment from several connections: what only PostgreSQL's row locks
can show. Each thread has its own connection (Django's are per thread), waits on a barrier so
all start together, and closes its connection at the end.

Run: ``FATURA_TEST_DATABASES=postgres scripts/test.sh -q tests/billing/test_concurrency_pg.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from fatura.billing import services
from fatura.billing.models import Charge
from fatura.billing.services import ChargeAlreadyFinalized, charge_finalize, month_finalize_all
from fatura.core.errors import DomainError
from fatura.core.models import Counter
from fatura.core.months import Month
from fatura.core.roles import Capability, can
from fatura.customers.models import Customer
from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.receivables.models import Invoice
from fatura.receivables.numbering import INVOICES
from fatura.usage.services import consumption_record
from tests.concurrency import POSTGRES_ONLY, at_once
from tests.factories import BillingItemFactory, CustomerFactory, financeiro

pytestmark = POSTGRES_ONLY

MONTH = Month(2026, 4)
NOW = dt.datetime(2026, 5, 6, 15, 0, tzinfo=dt.UTC)


def _customers_with_usage(count: int, by: Any) -> list[Customer]:
    item = BillingItemFactory(name="Armazenamento", unit="GB", price=("0.50", "2026-01"))
    customers = [CustomerFactory() for _ in range(count)]
    for position, customer in enumerate(customers, start=1):
        consumption_record(
            by=by, customer=customer, month=MONTH, billing_item=item, quantity=100 * position
        )
    return customers


def _finalizer(user: Any, customer: Customer, **kwargs: Any) -> Callable[[], str]:
    assert can(user, Capability.FINALIZE_CHARGES)  # roles read (and cached) before the race

    def call() -> str:
        invoice = charge_finalize(
            by=user,
            customer=customer,
            month=MONTH,
            result_center="CR-1001 Comercial Sul",
            ticket=f"CHG-2026-{customer.pk:04d}",
            total_charged=kwargs.get("total_charged", "50.00"),
            now=NOW,
        )
        return invoice.number

    return call


def _numbers(count: int) -> list[str]:
    return [f"FAT-{n:08d}" for n in range(1, count + 1)]


@pytest.mark.parametrize("users", [2, 8])
def test_one_charge_finalized_by_many_users_at_once_gives_one_invoice(users: int) -> None:
    finance = [financeiro(f"fin{n}") for n in range(users)]
    [customer] = _customers_with_usage(1, finance[0])

    results = at_once([_finalizer(user, customer) for user in finance])

    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if not isinstance(r, str)]
    assert winners == ["FAT-00000001"]
    assert len(losers) == users - 1
    assert all(isinstance(e, ChargeAlreadyFinalized) and e.status == 409 for e in losers)
    assert all("FAT-00000001" in e.message for e in losers)
    assert Charge.objects.count() == Invoice.objects.count() == 1
    assert Event.objects.filter(activity=activities.INVOICE_CREATED).count() == 1
    assert Counter.objects.get(name=INVOICES.counter).last_value == 1


def test_two_users_through_the_api_get_201_and_409(api_as: Callable[[Any], Any]) -> None:
    finance = [financeiro("fin-a"), financeiro("fin-b")]
    [customer] = _customers_with_usage(1, finance[0])
    clients = [api_as(user) for user in finance]
    body = {
        "customer_id": customer.pk,
        "month": str(MONTH),
        "result_center": "CR-1002 Comercial Sudeste",
        "ticket": "CHG-2026-0412",
        "total_charged": "50.00",
    }

    def post(client: Any) -> Callable[[], int]:
        def call() -> int:
            return int(client.post("/charges/finalize", body).status_code)

        return call

    assert sorted(at_once([post(c) for c in clients])) == [201, 409]  # type: ignore[type-var]
    assert list(Invoice.objects.values_list("number", flat=True)) == ["FAT-00000001"]


def test_different_customers_at_once_take_numbers_without_gaps_or_repeats() -> None:
    user = financeiro()
    customers = _customers_with_usage(12, user)

    results = at_once([_finalizer(user, customer) for customer in customers])

    assert sorted(results) == _numbers(12)  # type: ignore[type-var]
    invoices = Invoice.objects.order_by("sequence")
    assert [i.number for i in invoices] == _numbers(12)
    assert len({i.customer_id for i in invoices}) == 12
    assert Counter.objects.get(name=INVOICES.counter).last_value == 12


def _failing_after_the_number(monkeypatch: pytest.MonkeyPatch, failing: set[str]) -> list[str]:
    """Make the finalization of the ``failing`` customers (by document) fail after the invoice
    and its number were written: while the events are recorded, the last step."""
    original = services.events_record_many
    taken: list[str] = []

    def record(events: Any, **kwargs: Any) -> int:
        events = list(events)
        if events and events[0].attributes.get("customer_document") in failing:
            taken.extend(str(e.attributes["invoice_number"]) for e in events[:1])
            raise DomainError("falha simulada depois de numerar a fatura")
        return original(events, **kwargs)

    monkeypatch.setattr(services, "events_record_many", record)
    return taken


def test_a_rollback_after_taking_a_number_leaves_no_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    user = financeiro()
    customers = _customers_with_usage(8, user)
    failing = {c.document for c in customers[1::3]}
    original = services.events_record_many
    taken = _failing_after_the_number(monkeypatch, failing)

    results = at_once([_finalizer(user, customer) for customer in customers])

    assert len(taken) == len(failing)  # the failing ones did take a number first
    failed = [r for r in results if isinstance(r, DomainError)]
    assert len(failed) == len(failing)
    done = sorted(r for r in results if isinstance(r, str))
    assert done == _numbers(8 - len(failing))
    assert Invoice.objects.count() == Charge.objects.count() == 8 - len(failing)
    assert not Invoice.objects.filter(customer__document__in=failing).exists()
    # the numbers given back are taken by the next finalizations
    monkeypatch.setattr(services, "events_record_many", original)
    again = at_once(
        [_finalizer(user, c) for c in customers if c.document in failing]  # retried
    )
    assert sorted(again) == _numbers(8)[8 - len(failing) :]  # type: ignore[type-var]


def test_a_billing_run_and_single_finalizations_at_once_bill_each_customer_once() -> None:
    user = financeiro()
    customers = _customers_with_usage(6, user)

    def billing_run() -> list[str]:
        invoices = month_finalize_all(
            by=user, month=MONTH, result_center="CR-1000 Faturamento", ticket="RUN-1", now=NOW
        )
        return [i.number for i in invoices]

    singles = [_finalizer(user, customers[n]) for n in (0, 3, 5)]
    results = at_once([billing_run, *singles])

    from_run = results[0]
    assert isinstance(from_run, list)
    from_singles = [r for r in results[1:] if isinstance(r, str)]
    refused = [r for r in results[1:] if isinstance(r, ChargeAlreadyFinalized)]
    assert len(from_singles) + len(refused) == 3
    assert sorted(from_run + from_singles) == _numbers(6)
    assert sorted(Invoice.objects.values_list("customer_id", flat=True)) == sorted(
        c.pk for c in customers
    )


@pytest.mark.parametrize("round_", range(3))
def test_consumption_recorded_while_finalizing_is_billed_or_refused_never_lost(
    round_: int,
) -> None:
    """Recording a consumption takes the customer's row lock too: either it lands before the
    charge is finalized (and is on the invoice) or it is refused with 409, never in between."""
    user = financeiro()
    [customer] = _customers_with_usage(1, user)
    extra = BillingItemFactory(name=f"Backup {round_}", unit="GB", price=("2.00", "2026-01"))

    def record() -> str:
        consumption_record(
            by=user, customer=customer, month=MONTH, billing_item=extra, quantity="7"
        )
        return "recorded"

    results = at_once([_finalizer(user, customer), record])

    invoice = Invoice.objects.get()
    billed = set(invoice.lines.values_list("item_name", flat=True))
    if results[1] == "recorded":
        assert extra.name in billed
    else:
        assert isinstance(results[1], DomainError) and results[1].status == 409
        assert extra.name not in billed
        assert not customer.consumptions.filter(billing_item=extra).exists()
