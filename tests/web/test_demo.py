"""The demo data of ``make run``: loaded once per module (inside a transaction rolled back at
the end), then read by each test."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import management
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.test import Client

from fatura import cli
from fatura.billing.models import Charge, Invoice
from fatura.billing.selectors import pending_charges
from fatura.catalog.models import BillingItem, ItemSource, PriceVersion
from fatura.core import clock
from fatura.core.documents import document_kind
from fatura.core.months import Month
from fatura.core.roles import Capability, can
from fatura.customers.models import Customer
from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.usage.models import Consumption, ConsumptionSource, VolumeImport
from fatura.web.demo import DEMO_USERS, DemoSummary, demo_load

TODAY = dt.date(2026, 5, 15)
NOW = dt.datetime(2026, 5, 15, 11, 0, tzinfo=dt.UTC)
PENDING = Month(2026, 4)
FIRST = Month(2025, 5)


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoSummary]:
    """The clock says 15/05/2026, so the demo year is May/2025 to April/2026."""
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as mp:
        mp.setattr(clock, "today", lambda: TODAY)
        mp.setattr(clock, "now", lambda: NOW)
        with transaction.atomic():
            summary = demo_load()
            yield summary
            transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    models = (User, Customer, BillingItem, PriceVersion, Consumption, Charge, Invoice, Event)
    return {model.__name__: model.objects.count() for model in models}


def test_demo_year_ends_with_the_month_before_today(demo: DemoSummary, db: Any) -> None:
    assert demo.loaded
    assert demo.pending_month == PENDING
    months = sorted({Month.of(d) for d in Consumption.objects.values_list("month", flat=True)})
    assert months[0] == FIRST and months[-1] == PENDING and len(months) == 12
    finalized = {Month.of(d) for d in Invoice.objects.values_list("month", flat=True)}
    assert finalized == set(months) - {PENDING}


def test_customers_are_brazilian_companies_and_people(demo: DemoSummary, db: Any) -> None:
    customers = list(Customer.objects.all())
    assert demo.customers == len(customers) == 30
    kinds = [document_kind(c.document) for c in customers]  # valid check digits
    assert kinds.count("CPF") == 3 and kinds.count("CNPJ") == 27
    assert {c.document_type for c in customers} == {"CPF", "CNPJ"}
    assert {"Varejo", "Indústria", "Saúde", "Educação", "Serviços Financeiros"} <= {
        c.segment for c in customers
    }
    assert {c.region for c in customers} == {"Sudeste", "Sul", "Nordeste", "Centro-Oeste", "Norte"}
    assert all("@" in c.email and c.business_unit and c.payment_terms for c in customers)


def test_invoices_carry_result_centres_tickets_and_some_adjustments(
    demo: DemoSummary, db: Any
) -> None:
    assert demo.invoices == Invoice.objects.count() > 250
    charges = list(Charge.objects.all())
    assert all(re.fullmatch(r"CR-10\d\d Comercial [\w-]+", c.result_center) for c in charges)
    assert all(re.fullmatch(r"CHG-20\d\d-\d{4}", c.ticket) for c in charges)
    assert len({c.ticket for c in charges}) == len(charges)
    adjusted = Invoice.objects.exclude(total_charged=F("total_due"))
    assert 0 < adjusted.count() < Invoice.objects.count() / 5
    assert all(i.total_charged < i.total_due for i in adjusted)
    numbers = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))


def test_last_month_is_pending_with_volume_file_entries(demo: DemoSummary, db: Any) -> None:
    pending = pending_charges(PENDING)
    assert len(pending) == demo.pending_charges >= 25
    assert all(p.total_due > 0 and not p.computed.problems for p in pending)
    assert VolumeImport.objects.get().filename == "volumetria-2026-04.csv"
    from_file = Consumption.objects.filter(source=ConsumptionSource.VOLUMETRIA)
    assert from_file.exists()
    assert set(from_file.values_list("month", flat=True)) == {PENDING.first_day}
    new_items = BillingItem.objects.filter(source=ItemSource.VOLUMETRIA)
    assert new_items.count() == 2
    billed_from_file = {line.item_name for p in pending for line in p.computed.lines}
    assert set(new_items.values_list("name", flat=True)) <= billed_from_file


def test_prices_change_over_time(demo: DemoSummary, db: Any) -> None:
    assert 10 <= demo.items == BillingItem.objects.count() <= 16
    changed = [i for i in BillingItem.objects.all() if i.prices.count() > 1]
    assert len(changed) >= 4
    scheduled = PriceVersion.objects.filter(valid_from__gt=TODAY)
    assert scheduled.exists()  # a price already set for next month
    invoiced = {
        (line.item_name, line.unit_price)
        for invoice in Invoice.objects.prefetch_related("lines")
        for line in invoice.lines.all()
    }
    storage_prices = {price for name, price in invoiced if name == "Armazenamento em nuvem"}
    assert len(storage_prices) == 2  # invoices before and after the price change


def test_events_replay_the_year_in_order(demo: DemoSummary, db: Any) -> None:
    stamps = Event.objects.values_list("timestamp", flat=True)
    assert min(stamps) < dt.datetime(2025, 5, 1, tzinfo=dt.UTC) and max(stamps) <= NOW
    finalized = {
        e.case_id: e.timestamp for e in Event.objects.filter(activity=activities.CHARGE_FINALIZED)
    }
    assert len(finalized) == demo.invoices
    recorded = Event.objects.filter(
        activity=activities.CONSUMPTION_RECORDED, case_id__in=list(finalized)
    )
    assert recorded.count() > 1000
    assert all(e.timestamp < finalized[e.case_id] for e in recorded)
    automated = Event.objects.filter(activity=activities.CONSUMPTION_RECORDED, is_automated=True)
    assert automated.count() == Consumption.objects.filter(source="volumetria").count()


def test_running_again_changes_nothing(demo: DemoSummary, db: Any) -> None:
    before = _counts()
    out = io.StringIO()
    call_command("demo_load", stdout=out)
    assert "nada mudou" in out.getvalue()
    assert demo_load(today=TODAY) == DemoSummary(loaded=False)
    assert _counts() == before


def test_fatura_demo_is_the_same_command(monkeypatch: pytest.MonkeyPatch) -> None:
    # Run through Django's own entry point, whose commands close the connection at the end (on
    # PostgreSQL that would end this module's transaction), so only the dispatch is checked.
    seen: list[list[str]] = []
    monkeypatch.setattr(management, "execute_from_command_line", seen.append)
    cli.main(["fatura", "demo"])
    assert seen == [["fatura", "demo_load"]]
    assert management.get_commands()["demo_load"] == "fatura.web"


def test_demo_users_log_in_with_their_roles(demo: DemoSummary, db: Any) -> None:
    for username, password, _, _ in DEMO_USERS:
        assert Client().login(username=username, password=password), username
    token = Client().post(
        "/api/v1/auth/token",
        data={"username": "financeiro", "password": "financeiro-demo"},
        content_type="application/json",
    )
    assert token.status_code == 200
    users = {u.username: u for u in User.objects.filter(username__in=["financeiro", "operacao"])}
    assert can(users["financeiro"], Capability.FINALIZE_CHARGES)
    assert can(users["operacao"], Capability.RECORD_CONSUMPTION)
    assert not can(users["operacao"], Capability.FINALIZE_CHARGES)
    assert User.objects.get(username="admin").is_superuser


def test_command_rejects_a_bad_date(db: Any) -> None:
    with pytest.raises(CommandError, match="AAAA-MM-DD"):
        call_command("demo_load", "--today", "15/05/2026")
