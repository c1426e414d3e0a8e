"""The fiscal year of the demo (``demo_fiscal``), at its small size: loaded once per module (in a
transaction rolled back at the end), then read by each test."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test.utils import override_settings

from fatura.core import clock
from fatura.demo.fiscal_files import fiscal_summary
from fatura.demo.load import DemoSummary, demo_load
from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.fiscal import selectors
from fatura.fiscal.kpi import Period
from fatura.fiscal.models import ExpectedLag, Nfse, NfseCoverage, ServiceOrder, ServiceType
from tests.factories import restore_seeded_rows

TODAY = dt.date(2026, 5, 15)
NOW = dt.datetime(2026, 5, 15, 11, 0, tzinfo=dt.UTC)
FISCAL = {
    activities.SERVICE_ORDER_COMPLETED,
    activities.SERVICE_ORDER_BILLED,
    activities.NFSE_ISSUED,
    activities.NFSE_CANCELLED,
}


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoSummary]:
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
        yield demo_load(size="small")
        transaction.set_rollback(True)


def test_service_types_carry_national_codes_and_iss_rates(demo: DemoSummary, db: Any) -> None:
    types = {t.name: t for t in ServiceType.objects.all()}
    assert types["Desenvolvimento de sistemas"].national_code == "010101"
    assert types["Suporte técnico"].national_code == "010701"
    assert types["Manutenção de equipamentos"].national_code == "140101"
    assert all(re.fullmatch(r"\d{6}", t.national_code) for t in types.values())
    assert all(Decimal(2) <= t.iss_rate <= Decimal(5) for t in types.values())
    used = set(ServiceOrder.objects.values_list("service_type", flat=True))
    assert used <= set(types)
    codes = {t.national_code for t in types.values()}
    assert set(Nfse.objects.values_list("service_code", flat=True)) <= codes


def test_shares_add_up_and_stay_with_the_customer(demo: DemoSummary, db: Any) -> None:
    shares: dict[int, Decimal] = defaultdict(Decimal)
    covered: dict[int, Decimal] = defaultdict(Decimal)
    for coverage in NfseCoverage.objects.select_related("nfse", "service_order"):
        shares[coverage.nfse_id] += coverage.value  # in Python: SQLite sums in floating point
        assert coverage.nfse.customer_id == coverage.service_order.customer_id
        if coverage.nfse.status == "issued":
            covered[coverage.service_order_id] += coverage.value
    nfses = list(Nfse.objects.all())
    assert len(nfses) > 200
    assert all(shares[n.pk] == n.value > 0 for n in nfses)
    orders = ServiceOrder.objects.in_bulk(list(covered))
    assert all(value <= orders[pk].value for pk, value in covered.items())


def test_the_year_has_every_shape_of_nfse(demo: DemoSummary, db: Any) -> None:
    per_nfse: dict[int, int] = defaultdict(int)
    per_order: dict[int, int] = defaultdict(int)
    for nfse_id, order_id in NfseCoverage.objects.filter(nfse__status="issued").values_list(
        "nfse_id", "service_order_id"
    ):
        per_nfse[nfse_id] += 1
        per_order[order_id] += 1
    assert any(n > 1 for n in per_nfse.values())  # several orders on one NFS-e
    assert any(n > 1 for n in per_order.values())  # an order split over two NFS-e
    replaced = Nfse.objects.filter(status="replaced")
    assert replaced.exists() and all(
        n.replaced_by is not None
        and n.replaced_by.status == "issued"
        and n.cancelled_at is not None
        and n.replaced_by.customer_id == n.customer_id
        for n in replaced
    )
    assert Nfse.objects.filter(status="cancelled", cancelled_at__isnull=False).exists()
    statuses = set(ServiceOrder.objects.values_list("status", flat=True))
    assert {"open", "completed", "billed"} <= statuses
    summary = fiscal_summary()
    assert summary.orders == ServiceOrder.objects.count() and "NFS-e" in summary.message


def test_some_orders_are_billed_on_the_customers_invoices(demo: DemoSummary, db: Any) -> None:
    linked = list(ServiceOrder.objects.filter(invoice__isnull=False).select_related("invoice"))
    assert 0 < len(linked) < ServiceOrder.objects.count() / 2
    for order in linked:
        assert order.invoice is not None and order.billed_at is not None
        assert order.invoice.customer_id == order.customer_id
        assert order.invoice.kind == "simple" and order.source == "fatura"
        assert order.completed_at is not None
        assert order.completed_at < order.invoice.created_at <= order.billed_at
    assert ServiceOrder.objects.filter(source="import").count() > len(linked)


def test_completion_and_billing_in_business_hours(demo: DemoSummary, db: Any) -> None:
    zone = ZoneInfo("America/Sao_Paulo")
    for completed, billed in ServiceOrder.objects.exclude(completed_at=None).values_list(
        "completed_at", "billed_at"
    ):
        local = completed.astimezone(zone)
        assert local.weekday() < 5 and 8 <= local.hour < 18
        if billed is not None:  # 0 to 5 business days later
            assert completed <= billed <= completed + dt.timedelta(days=14)


def test_every_step_has_its_event_in_time_order(demo: DemoSummary, db: Any) -> None:
    counts: dict[str, int] = defaultdict(int)
    last: dict[str, dt.datetime] = {}
    for case, activity, stamp in Event.objects.order_by("id").values_list(
        "case_id", "activity", "timestamp"
    ):
        if case in last:
            assert stamp >= last[case], (case, activity)
        last[case] = stamp
        counts[activity] += 1
    orders = ServiceOrder.objects
    assert counts[activities.SERVICE_ORDER_COMPLETED] == orders.exclude(completed_at=None).count()
    assert counts[activities.SERVICE_ORDER_BILLED] == orders.exclude(billed_at=None).count()
    assert counts[activities.NFSE_ISSUED] >= Nfse.objects.count()
    assert counts[activities.NFSE_CANCELLED] >= Nfse.objects.exclude(status="issued").count()
    invoice_numbers = set(
        orders.filter(invoice__isnull=False).values_list("invoice__number", flat=True)
    )
    billed_cases = set(
        Event.objects.filter(activity=activities.SERVICE_ORDER_BILLED).values_list(
            "case_id", flat=True
        )
    )
    assert invoice_numbers <= billed_cases  # billed on an invoice: the invoice's case


def test_expected_lags_global_per_type_and_per_customer(demo: DemoSummary, db: Any) -> None:
    lags = {
        (lag.service_type, lag.customer_id is not None): lag.days
        for lag in ExpectedLag.objects.all()
    }
    assert lags[("", False)] == Decimal(5)
    assert lags[("Desenvolvimento de sistemas", False)] == Decimal(10)
    assert lags[("", True)] == Decimal(2)
    assert lags[("Suporte técnico", True)] == Decimal(1)


def test_the_kpi_of_last_month_shows_teams_at_different_paces(demo: DemoSummary, db: Any) -> None:
    kpi = selectors.nfse_after_billing(Period(dt.date(2026, 4, 1), dt.date(2026, 4, 30)))
    assert kpi.count > 10 and kpi.total_value > 0
    assert kpi.within_expected_rate is not None and 0 < kpi.within_expected_rate < 1
    year = selectors.nfse_after_billing(
        Period(dt.date(2025, 5, 1), dt.date(2026, 4, 30)), group_by="team"
    )
    medians = {g.key: g.median_lag_days for g in year.groups}
    assert set(medians) == {"Campo Norte", "Campo Sul", "Suporte Remoto", "Projetos"}
    assert medians["Suporte Remoto"] < medians["Campo Sul"] < medians["Projetos"]
    assert year.issued_before_billing_value > 0
    backlog = selectors.backlog(as_of=NOW)
    assert backlog.height > 0  # billed, past the expected lag, no NFS-e yet


def test_late_orders_carry_a_mix_of_delay_reasons(demo: DemoSummary, db: Any) -> None:
    """Decision 0039: Financeiro's Monday review of the backlog (internal, customer, none)."""
    year = selectors.nfse_after_billing(
        Period(dt.date(2025, 5, 1), dt.date(2026, 4, 30)), group_by="delay_reason"
    )
    kinds = {split.kind: split for split in year.late_by_delay_kind}
    assert kinds["internal"].count > 0 and kinds["customer"].count > 0 and kinds["none"].count > 0
    groups = {g.key: g.delay_kind for g in year.groups}
    assert groups["Aprovação interna pendente"] == "internal"
    assert "Cliente pediu para emitir depois" in groups
    with_reason = ServiceOrder.objects.exclude(delay_reason=None)
    recorded = Event.objects.filter(activity=activities.DELAY_REASON_RECORDED)
    assert with_reason.count() == recorded.count() > 0
    backlog = selectors.backlog(as_of=NOW)  # the reasons show where Financeiro sets them
    assert backlog.height > 0 and "delay_kind" in backlog.columns


def test_the_last_month_is_issued_through_the_contract_server(demo: DemoSummary, db: Any) -> None:
    """Decision 0039: the recent NFS-e of Fatura's invoices are issued by Fatura (signed DPS,
    mutual TLS, the contract server's authorized XML), the older ones stay imported."""
    from fatura.demo.fiscal_issuing import FIRST_NUMBER, RECENT_DAYS
    from fatura.fiscal.models import IssuanceStatus, NfseIssuance
    from fatura.fiscal.nfse_documents import nfse_danfse

    issued = NfseIssuance.objects.filter(status=IssuanceStatus.ISSUED).select_related("nfse")
    assert issued.exists()
    for issuance in issued:
        nfse = issuance.nfse
        assert nfse is not None and nfse.source == "fatura" and int(nfse.number) >= FIRST_NUMBER
        assert nfse.invoice_id == issuance.invoice_id and nfse.xml.startswith("<?xml")
        assert NOW - dt.timedelta(days=RECENT_DAYS + 15) <= nfse.issued_at <= NOW
        assert issuance.requested_at.replace(microsecond=0) <= nfse.issued_at  # dhProc: seconds
    assert not Nfse.objects.filter(source="fatura", issued_at__lt=NOW - dt.timedelta(days=60))
    assert Nfse.objects.filter(source="import", issued_at__gte=NOW - dt.timedelta(days=20))
    _, pdf = nfse_danfse(issued[0].number)
    assert pdf.startswith(b"%PDF")
