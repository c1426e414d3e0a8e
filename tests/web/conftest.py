"""Page tests: Django's test client logged in as each role, with data made by the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from fatura.billing.services import charge_finalize
from fatura.catalog.models import BillingItem
from fatura.core import clock
from fatura.core.months import Month
from fatura.customers.models import Customer
from fatura.receivables.models import Invoice
from fatura.usage.services import consumption_record
from tests.factories import BillingItemFactory, CustomerFactory

MONTH = Month.parse("2026-04")
NOW = dt.datetime(2026, 5, 5, 14, 30, tzinfo=dt.UTC)
RECORDED_AT = dt.datetime(2026, 5, 2, 13, 0, tzinfo=dt.UTC)


@pytest.fixture
def fin_client(fin_user: Any) -> Client:
    client = Client()
    client.force_login(fin_user)
    return client


@pytest.fixture
def ops_client(ops_user: Any) -> Client:
    client = Client()
    client.force_login(ops_user)
    return client


@dataclass
class BillingData:
    acme: Customer
    beta: Customer
    storage: BillingItem
    support: BillingItem
    month: Month


@pytest.fixture
def billing_data(fin_user: Any, monkeypatch: pytest.MonkeyPatch) -> BillingData:
    """Two customers with April consumption: ACME 1.500,5 GB x R$ 0,3333 + 10 h x R$ 180,00
    (total R$ 2.300,12); Beta 100 GB (R$ 33,33). Recorded on 02/05/2026 (the clock is fixed)."""
    monkeypatch.setattr(clock, "now", lambda: RECORDED_AT)
    acme = CustomerFactory(name="ACME Serviços Ltda")
    beta = CustomerFactory(name="Beta Comércio SA")
    storage = BillingItemFactory(
        name="Armazenamento", product="Cloud", unit="GB", price=("0.3333", "2026-01")
    )
    support = BillingItemFactory(
        name="Suporte", product="Serviços", unit="hora", price=("180.00", "2026-01")
    )
    for customer, item, quantity in (
        (acme, storage, "1500.5"),
        (acme, support, "10"),
        (beta, storage, "100"),
    ):
        consumption_record(
            by=fin_user, customer=customer, month=MONTH, billing_item=item, quantity=quantity
        )
    return BillingData(acme, beta, storage, support, MONTH)


@pytest.fixture
def invoice(billing_data: BillingData, fin_user: Any) -> Invoice:
    """ACME's April charge, finalized with an adjustment (R$ 2.300,12 due, R$ 2.250,00 charged)."""
    return charge_finalize(
        by=fin_user,
        customer=billing_data.acme,
        month=MONTH,
        result_center="CR-100",
        ticket="CHG-42",
        total_charged="2250.00",
        now=NOW,
    )


def text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8")
    return str(response.content.decode("utf-8"))
