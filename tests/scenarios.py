"""Data for the service and API tests of the usage module, made through the services (so rules
and events apply) with a frozen clock. Each test directory's conftest imports ``frozen_clock``,
which is autouse there: tokens, events and invoices all see the same fixed ``NOW``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from fatura.billing.selectors import pending_charges
from fatura.billing.services import charge_finalize
from fatura.catalog.models import BillingItem
from fatura.core import clock
from fatura.core.months import Month
from fatura.customers.models import Customer
from fatura.receivables.models import Invoice
from fatura.usage.models import Consumption
from fatura.usage.services import consumption_record
from tests.factories import BillingItemFactory

NOW = dt.datetime(2026, 5, 5, 14, 30, tzinfo=dt.UTC)
APRIL = Month(2026, 4)
MAY = Month(2026, 5)
VOLUME_HEADER = "customer_document,month,item,product,unit,unit_price,quantity\n"


class FrozenClock:
    """What ``fatura.core.clock.now()`` answers during a test; ``advance`` moves it."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FrozenClock]:
    frozen = FrozenClock(NOW)
    monkeypatch.setattr(clock, "now", lambda: frozen.now)
    yield frozen


def billing_item(
    name: str = "Armazenamento",
    *,
    price: str = "0.3333",
    since: str = "2026-01",
    product: str = "Cloud",
    unit: str = "GB",
) -> BillingItem:
    item: BillingItem = BillingItemFactory(
        name=name, product=product, unit=unit, price=(price, since)
    )
    return item


def record(
    by: Any, customer: Customer, item: BillingItem, quantity: str, month: Month = APRIL
) -> Consumption:
    return consumption_record(
        by=by, customer=customer, month=month, billing_item=item, quantity=quantity
    )


def total_due(customer: Customer, month: Month = APRIL) -> Decimal:
    [pending] = pending_charges(month, customer_id=customer.pk)
    return pending.total_due


def finalize(
    by: Any,
    customer: Customer,
    month: Month = APRIL,
    *,
    total_charged: str | None = None,
    result_center: str = "CR-100",
    ticket: str = "CH-1",
) -> Invoice:
    """Finalize with total charged = total due unless told otherwise."""
    charged = total_charged if total_charged is not None else str(total_due(customer, month))
    return charge_finalize(
        by=by,
        customer=customer,
        month=month,
        result_center=result_center,
        ticket=ticket,
        total_charged=charged,
    )
