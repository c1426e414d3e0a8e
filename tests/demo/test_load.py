"""The demo data of ``make run`` (its small size): loaded once per module (inside a transaction
rolled back at the end), then read by each test."""

from __future__ import annotations

import datetime as dt
import io
import re
import statistics
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import management
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.test import Client
from django.test.utils import override_settings

from fatura import cli
from fatura.billing.models import Charge
from fatura.billing.selectors import pending_charges
from fatura.catalog.models import BillingItem, ItemSource, PriceVersion
from fatura.core import clock
from fatura.core.documents import document_kind
from fatura.core.months import Month
from fatura.core.roles import Capability, can
from fatura.customers.models import Customer
from fatura.demo.load import DEMO_USERS, DemoSummary, demo_customers, demo_load
from fatura.demo.receivables import SIZES
from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.forecast.backtest_store import latest_backtest
from fatura.forecast.models import ForecastModel
from fatura.receivables import domain
from fatura.receivables.models import (
    Allocation,
    CollectionCall,
    CreditNote,
    Dispute,
    DunningLevel,
    DunningNotice,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentStatus,
    RecurringTemplate,
)
from fatura.usage.models import Consumption, ConsumptionSource, VolumeImport
from tests.factories import restore_seeded_rows

TODAY = dt.date(2026, 5, 15)
NOW = dt.datetime(2026, 5, 15, 11, 0, tzinfo=dt.UTC)
PENDING = Month(2026, 4)
FIRST = Month(2025, 5)
PROGRESS: list[str] = []


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoSummary]:
    """The clock says 15/05/2026, so the demo year is May/2025 to April/2026."""
    PROGRESS.clear()  # the fixture runs again when xdist interleaves this module with others
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        clock.override(NOW),
        override_settings(
            PASSWORD_HASHERS=fast, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
        ),
        transaction.atomic(),
    ):
        restore_seeded_rows()
        summary = demo_load(size="small", progress=PROGRESS.append)
        yield summary
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    models = (User, Customer, BillingItem, PriceVersion, Consumption, Charge, Invoice, Event)
    return {model.__name__: model.objects.count() for model in models} | {
        "Payment": Payment.objects.count()
    }


def _usage() -> Any:
    return Invoice.objects.filter(kind="usage")


# --- the usage year (demo.py) -----------------------------------------------------------------


def test_demo_year_ends_with_the_month_before_today(demo: DemoSummary, db: Any) -> None:
    assert demo.loaded
    assert demo.pending_month == PENDING
    months = sorted({Month.of(d) for d in Consumption.objects.values_list("month", flat=True)})
    assert months[0] == FIRST and months[-1] == PENDING and len(months) == 12
    finalized = {Month.of(d) for d in _usage().values_list("month", flat=True)}
    assert finalized == set(months) - {PENDING}


def test_customers_are_brazilian_companies_and_people(demo: DemoSummary, db: Any) -> None:
    customers = list(Customer.objects.all())
    assert demo.customers == len(customers) == 30 + SIZES["small"].customers
    assert all(document_kind(c.document) for c in customers)  # valid check digits
    usage = [c for c in customers if c.name in {d.name for d in demo_customers()}]
    kinds = [document_kind(c.document) for c in usage]
    assert kinds.count("CPF") == 3 and kinds.count("CNPJ") == 27
    assert {c.document_type for c in customers} == {"CPF", "CNPJ"}
    assert {"Varejo", "Indústria", "Saúde", "Educação", "Serviços Financeiros"} <= {
        c.segment for c in customers
    }
    assert {c.region for c in customers} == {"Sudeste", "Sul", "Nordeste", "Centro-Oeste", "Norte"}
    assert all("@" in c.email and c.business_unit and c.payment_terms for c in customers)
    terms = {c.payment_terms for c in customers}
    assert terms == {"NET30", "NET60", "2_10_NET30", "DUE_ON_RECEIPT", "30/60/90"}
    collectors = {c.collector.username for c in customers if c.collector}
    assert len(collectors) >= 3 and all(c.collector for c in customers)


def test_invoices_carry_result_centres_tickets_and_some_adjustments(
    demo: DemoSummary, db: Any
) -> None:
    assert demo.invoices == Invoice.objects.count() > 500
    charges = list(Charge.objects.all())
    assert all(re.fullmatch(r"CR-10\d\d Comercial [\w-]+", c.result_center) for c in charges)
    assert all(re.fullmatch(r"CHG-20\d\d-\d{4}", c.ticket) for c in charges)
    assert len({c.ticket for c in charges}) == len(charges)
    adjusted = _usage().exclude(total_charged=F("total_due"))
    assert 0 < adjusted.count() < _usage().count() / 5
    assert all(i.total_charged < i.total_due for i in adjusted)
    for series in ("FAT", "PRO"):  # gapless, and numbered in the order they were issued
        invoices = Invoice.objects.filter(series=series).order_by("sequence")
        numbers = [i.sequence for i in invoices]
        assert numbers == list(range(1, len(numbers) + 1))
        created = [i.created_at for i in invoices]
        assert created == sorted(created)


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
        for invoice in _usage().prefetch_related("lines")
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
    assert len(finalized) == _usage().count()
    recorded = Event.objects.filter(
        activity=activities.CONSUMPTION_RECORDED, case_id__in=list(finalized)
    )
    assert recorded.count() > 1000
    assert all(e.timestamp < finalized[e.case_id] for e in recorded)
    automated = Event.objects.filter(activity=activities.CONSUMPTION_RECORDED, is_automated=True)
    assert automated.count() == Consumption.objects.filter(source="volumetria").count()


def test_each_case_reads_in_time_order(demo: DemoSummary, db: Any) -> None:
    """Written in the order it happened: no event of a case is older than one written before
    it, and every invoice's story starts with "Invoice Created"."""
    last: dict[str, tuple[dt.datetime, str]] = {}
    first: dict[str, str] = {}
    for case, activity, stamp in Event.objects.order_by("id").values_list(
        "case_id", "activity", "timestamp"
    ):
        if case in last:
            assert stamp >= last[case][0], (case, last[case][1], activity)
        last[case] = (stamp, activity)
        first.setdefault(case, activity)
    numbers = set(Invoice.objects.values_list("number", flat=True))
    assert {first[n] for n in numbers} == {activities.INVOICE_CREATED}


@override_settings(FATURA_DEMO=True)  # the command runs only in demo mode
def test_running_again_changes_nothing(demo: DemoSummary, db: Any) -> None:
    before = _counts()
    out = io.StringIO()
    call_command("demo_load", "--small", stdout=out)
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
    assert management.get_commands()["demo_load"] == "fatura.demo"


def test_demo_users_log_in_with_their_roles(demo: DemoSummary, db: Any) -> None:
    for username, password, _, _ in DEMO_USERS:
        assert Client().login(username=username, password=password), username
    token = Client().post(
        "/api/v1/auth/token",
        data={"username": "financeiro", "password": "financeiro-demo"},
        content_type="application/json",
    )
    assert token.status_code == 200
    users = {u.username: u for u in User.objects.all()}
    assert can(users["financeiro"], Capability.FINALIZE_CHARGES)
    assert can(users["operacao"], Capability.RECORD_CONSUMPTION)
    assert not can(users["operacao"], Capability.FINALIZE_CHARGES)
    assert User.objects.get(username="admin").is_superuser
    assert can(users["gerente.marta"], Capability.APPROVE_INVOICES)
    assert can(users["cobradora.carla"], Capability.LOG_COLLECTION)
    assert not can(users["cobradora.carla"], Capability.RECORD_PAYMENTS)


@override_settings(FATURA_DEMO=True)  # the command runs only in demo mode
def test_command_rejects_a_bad_date(db: Any) -> None:
    with pytest.raises(CommandError, match="AAAA-MM-DD"):
        call_command("demo_load", "--today", "15/05/2026")


def test_the_payment_model_is_trained_and_backtested(demo: DemoSummary, db: Any) -> None:
    """Previsão shows a model and a backtest on first start: both made at the demo's now."""
    assert demo.forecast is not None
    model = ForecastModel.objects.get(active=True)
    assert demo.forecast.model_version == model.version
    assert (model.cutoff, model.trained_at, model.trained_by) == (TODAY, NOW, "financeiro")
    assert model.invoices > 0 and model.metrics["mae_days"] >= 0
    stored = latest_backtest()
    assert stored is not None and stored.created_at == NOW
    assert len(stored.data["folds"]) == demo.forecast.folds == 2
    assert stored.data["end"] == TODAY.isoformat()
    assert all(fold["model_trained"] for fold in stored.data["folds"])
    page = Client()
    page.force_login(User.objects.get(username="financeiro"))
    html = page.get("/previsao/").content.decode()
    assert 'id="backtest-table"' in html and f"v{model.version}" in html
    assert "modelo v" in demo.message


def test_progress_has_a_line_per_month(demo: DemoSummary) -> None:
    assert len(PROGRESS) == 14  # the start, twelve months, the forecast
    assert PROGRESS[1].strip().startswith("maio/2025:") and "faturas" in PROGRESS[1]
    assert PROGRESS[-2].strip().startswith("abril/2026:")
    assert PROGRESS[-1].startswith("Treinando o modelo de previsão")


# --- the receivables year (demo_receivables.py, demo_behaviour.py) ----------------------------


def test_every_status_and_payment_status_appears(demo: DemoSummary, db: Any) -> None:
    statuses = dict(demo.statuses)
    assert set(statuses) == set(InvoiceStatus.values)
    assert set(dict(demo.payment_statuses)) == set(PaymentStatus.values)
    assert statuses["closed"] > Invoice.objects.count() / 2
    kinds = set(Invoice.objects.values_list("kind", flat=True))
    assert kinds == {"usage", "simple", "recurring", "proforma"}
    assert f"Encerrada {statuses['closed']}," in demo.message
    assert "Parcialmente paga" in demo.message and "cobrador.ana/ana-demo" in demo.message


def test_balances_obey_the_invariant(demo: DemoSummary, db: Any) -> None:
    invoices = Invoice.objects.exclude(kind="proforma")
    for i in invoices:  # in Python: SQLite would do this sum in floating point
        owed = i.total_charged - i.amount_credited + i.amount_debited - i.amount_discounted
        assert i.balance == owed - i.amount_applied - i.amount_written_off >= 0, i.number
    assert not Invoice.objects.filter(kind="proforma").exclude(balance=0).exists()
    active = Allocation.objects.filter(reversed_at__isnull=True)
    applied = dict(active.values_list("invoice").annotate(s=Sum("amount")))
    for invoice in invoices:
        assert invoice.amount_applied == applied.get(invoice.pk, Decimal(0)), invoice.number
    for payment in Payment.objects.annotate(
        s=Sum("allocations__amount", filter=Q(allocations__reversed_at__isnull=True))
    ):
        assert payment.applied == (payment.s or 0) <= payment.amount
    closed = Invoice.objects.filter(status__in=["closed", "written_off"])
    assert not closed.filter(balance__gt=0).exists()


def test_invoices_have_their_events(demo: DemoSummary, db: Any) -> None:
    by_case: dict[str, set[str]] = defaultdict(set)
    for case, activity in Event.objects.values_list("case_id", "activity"):
        by_case[case].add(activity)
    paid = Invoice.objects.filter(payment_status__in=["paid", "overpaid"], amount_applied__gt=0)
    assert paid.count() > 300
    for invoice in Invoice.objects.all():
        assert activities.INVOICE_CREATED in by_case[invoice.number], invoice.number
    for number in paid.values_list("number", flat=True):
        assert {activities.PAYMENT_RECEIVED, activities.PAYMENT_APPLIED} <= by_case[number]
    for number in Invoice.objects.filter(status="closed").values_list("number", flat=True):
        assert activities.INVOICE_CLOSED in by_case[number]
    seen = set().union(*by_case.values())
    assert set(activities.LABELS) - seen <= {
        activities.PRICE_VERSION_REMOVED,
        activities.PRICE_VERSION_REPLACED,
        activities.BILLING_ITEM_DELETED,
        activities.CONSUMPTION_DELETED,
        activities.BILLING_RUN_COMPLETED,
        activities.CUSTOMER_UPDATED,
        activities.PAYMENT_TERM_CREATED,
        activities.PAYMENT_TERM_CHANGED,
        activities.INVOICE_DELIVERY_FAILED,  # the demo's mail backend never fails
        activities.LATE_CHARGES_REVERSED,
        activities.PERIOD_CLOSED,
        activities.PERIOD_REOPENED,
        activities.BANK_FILE_IMPORTED,
        activities.BANK_ENTRY_IGNORED,
        activities.DELAY_REASON_RECORDED,
    }


def test_installments_late_charges_and_automatic_delivery_show(demo: DemoSummary, db: Any) -> None:
    """Issue 11: the year has invoices in installments paid one by one, late charges booked
    by late payments (some waived) and invoices e-mailed by the automatic delivery."""
    split = Invoice.objects.filter(installment_count=3, payment_terms="30/60/90")
    assert split.exists()
    assert (
        Allocation.objects.filter(invoice__in=split)
        .values("invoice")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )  # installment by installment
    late = Event.objects.filter(activity=activities.LATE_CHARGES_APPLIED)
    assert late.exists()
    assert Invoice.objects.filter(amount_late_charged__gt=0).exists()
    assert Customer.objects.filter(late_fine_percent__gt=0).exists()
    delivered = Invoice.objects.filter(delivery="delivered")
    assert delivered.exists()
    sent = Event.objects.filter(
        activity=activities.INVOICE_SENT, case_id__in=delivered.values("number")
    )
    assert sent.filter(is_automated=True).exists()


def test_every_path_of_the_lifecycle_is_walked(demo: DemoSummary, db: Any) -> None:
    reworked = Invoice.objects.filter(rework_count__gt=0, status="closed")  # rejected, redone
    assert reworked.exists()
    over = Invoice.objects.filter(total_charged__gt=Decimal("10000.00")).exclude(kind="proforma")
    sent_over = over.filter(sent_at__isnull=False)
    assert sent_over.exists() and not sent_over.filter(approved_by__isnull=True).exists()
    assert not sent_over.filter(approved_by=F("created_by")).exists()
    assert Allocation.objects.filter(discount__gt=0).exists()  # early-payment discount
    assert Payment.objects.filter(reversed_at__isnull=False).exists()  # bounced
    credit = [p for p in Payment.objects.filter(reversed_at__isnull=True) if p.unapplied > 0]
    assert credit  # customers with unapplied credit
    lags = {(p.posted_at - p.received_at).days for p in Payment.objects.exclude(posted_at=None)}
    assert 0 in lags and max(lags) <= 7 and len(lags) >= 3  # posted 0-5 days (weekends)
    assert set(Dispute.objects.values_list("resolution", flat=True)) == {
        "credit_note",
        "adjustment",
        "rejected",
        "",
    }
    assert CreditNote.objects.filter(excess__gt=0).exists()  # credit after payment: overpaid
    assert Invoice.objects.filter(amount_debited__gt=0).exists()  # late fee
    assert Invoice.objects.filter(status="written_off", amount_written_off__gt=0).exists()
    assert Invoice.objects.filter(kind="proforma", converted_to__isnull=False).exists()
    assert max(t.invoices.count() for t in RecurringTemplate.objects.all()) >= 6
    calls = set(CollectionCall.objects.values_list("outcome", flat=True))
    assert {"promise_to_pay", "reached", "no_answer"} <= calls
    notices = set(DunningNotice.objects.values_list("action", flat=True))
    assert {"reminder", "second_reminder", "call_task"} <= notices


def test_dunning_is_more_patient_with_the_public_sector(demo: DemoSummary, db: Any) -> None:
    first = {
        level.strategy.segment: level.days_after_due
        for level in DunningLevel.objects.filter(level=1).select_related("strategy")
    }
    assert first["Governo"] > max(days for segment, days in first.items() if segment != "Governo")
    automated = Event.objects.filter(activity=activities.PAYMENT_REMINDER, is_automated=True)
    assert automated.exists() and set(automated.values_list("user", flat=True)) == {"system"}


def test_the_last_months_are_still_open(demo: DemoSummary, db: Any) -> None:
    open_ = Invoice.objects.filter(status__in=domain.RECEIVABLE, balance__gt=0)
    buckets = {domain.aging_bucket(i.due_date, TODAY) for i in open_}
    assert {"current", "1-30", "31-60"} <= buckets
    recent = Invoice.objects.filter(issue_date__gte=TODAY - dt.timedelta(days=60))
    assert recent.filter(status__in=domain.RECEIVABLE, balance__gt=0).count() > recent.count() / 3


def test_customers_pay_with_a_pattern(demo: DemoSummary, db: Any) -> None:
    """Some customers always pay early, others weeks late: something to forecast from."""
    delays: dict[int, list[int]] = defaultdict(list)
    for received, due, customer in Allocation.objects.filter(reversed_at__isnull=True).values_list(
        "payment__received_at", "invoice__due_date", "invoice__customer_id"
    ):
        delays[customer].append((received - due).days)
    medians = [statistics.median(d) for d in delays.values() if len(d) >= 5]
    assert min(medians) <= -3 and max(medians) >= 15


def test_payments_arrive_mostly_through_bank_files(demo: DemoSummary, db: Any) -> None:
    """Boleto, PIX and transfers come in the day's return files and statements, imported and
    matched by the bank-file service; a handful waits in the queue (docs/decisions/0035)."""
    from fatura.banking.models import BankEntry, BankFile

    kinds = set(BankFile.objects.values_list("kind", flat=True))
    assert kinds == {"cnab240", "cnab400", "ofx"}
    matched = BankEntry.objects.filter(status="matched")
    rules = set(matched.values_list("matched_by_rule", flat=True))
    assert {"nosso_numero", "txid", "amount_document"} <= rules
    payments = Payment.objects.count()
    assert matched.count() > payments * 0.6
    for entry in matched.select_related("payment", "file")[:50]:
        assert entry.payment.received_at == entry.credited_on
        assert entry.payment.idempotency_key == entry.entry_id
    received = Event.objects.filter(activity=activities.PAYMENT_RECEIVED)
    sources = {e.attributes.get("source") for e in received}
    assert {"cnab240", "cnab400", "ofx", None} <= sources  # None: cheques and cards, typed
    with_entry = [e for e in received if e.attributes.get("bank_entry_id")]
    assert {e.attributes["bank_entry_id"] for e in with_entry} <= set(
        BankEntry.objects.values_list("entry_id", flat=True)
    )
    waiting = BankEntry.objects.filter(status="unmatched")
    assert 5 <= waiting.count() <= 10
    reasons = set(waiting.values_list("reason", flat=True))
    assert "Mais de uma fatura do pagador com esse valor." in reasons
    assert any("CPF/CNPJ de um cliente" in r for r in reasons)
    assert BankEntry.objects.filter(status="ignored").exists()  # the account's monthly fee
