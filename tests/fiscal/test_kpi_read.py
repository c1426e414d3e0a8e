"""The KPI read in bulk (``fatura.fiscal.kpi_read``, decision 0040: sums in SQL, the period's
shares as CSV the database writes, filters in the SQL) equals the KPI computed by the
definitions over the full frames (``fatura.fiscal.kpi.nfse_after_billing`` on the selectors'
frames), for every grouping and filter; texts with quotes and commas survive the CSV; a
period cut at month ends (SQLite reads month by month) counts every share once."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from bench.fiscal import differences
from django.db import connection

from fatura.fiscal import kpi, kpi_read, selectors
from fatura.fiscal.kpi import Filters, Period
from fatura.fiscal.models import DelayReason, ServiceOrder
from tests.fiscal.kpi_builders import March, march, nfse, order

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
SPANS = (
    MARCH,
    Period(dt.date(2026, 2, 1), dt.date(2026, 4, 30)),  # three months: three SQLite reads
    Period(dt.date(2026, 3, 4), dt.date(2026, 3, 4)),
    Period(dt.date(2020, 1, 1), dt.date(2020, 12, 31)),  # nothing
)


def from_frames(period: Period, filters: Filters, group_by: str | None) -> kpi.NfseKpi:
    previous = period.previous()
    coverage = selectors.coverage_frame(min(previous.start, period.start), period.end)
    orders = selectors.orders_frame(completed_from=period.start, completed_to=period.end)
    return kpi.nfse_after_billing(
        coverage, orders, period, filters=filters, group_by=group_by, zone=selectors.zone()
    )


def same(period: Period, filters: Filters, group_by: str | None) -> list[str]:
    ours = dataclasses.asdict(
        kpi_read.nfse_after_billing(period, filters=filters, group_by=group_by)
    )
    theirs = dataclasses.asdict(from_frames(period, filters, group_by))
    return differences(ours, theirs)


@pytest.fixture
def month(db: Any) -> March:
    month = march()
    odd = order(
        "OS-9",
        month.b,
        "Manutenção, 'preventiva'",
        'Sul, O\'Neil "B"',
        "123.45",
        "2026-03-30 09:00",
        "2026-03-30 10:00",
    )
    nfse("N-9", "2026-03-31 23:30", {odd: "123.45"})  # local 23:30: UTC already April
    nfse("N-10", "2026-04-02 08:00", {month.orders["OS-5"]: "400.00"})
    reasons = {r.label: r for r in DelayReason.objects.all()}
    ServiceOrder.objects.filter(number="OS-3").update(
        delay_reason=reasons["Aprovação interna pendente"]
    )
    ServiceOrder.objects.filter(number__in=["OS-2", "OS-9"]).update(
        delay_reason=reasons["Cliente pediu para emitir depois"]
    )
    return month


@pytest.mark.parametrize("group_by", [None, *kpi.GROUP_BY])
def test_every_grouping_equals_the_frames(month: March, group_by: str | None) -> None:
    for period in SPANS:
        assert same(period, Filters(), group_by) == [], (period, group_by)


def test_filters_in_sql_equal_the_frames(month: March) -> None:
    cases = [
        Filters(customer_ids=(month.a.pk,)),
        Filters(customer_ids=(month.a.pk, month.b.pk), service_types=("Manutenção",)),
        Filters(teams=("Norte",)),
        Filters(teams=('Sul, O\'Neil "B"',)),
        Filters(months=("2026-03",)),
        Filters(months=("2026-02", "2026-04"), service_types=("Instalação", "Manutenção")),
        Filters(customer_ids=(month.b.pk,), months=("2026-03",), teams=("Sul",)),
    ]
    for filters in cases:
        for period in SPANS[:2]:
            for group_by in (None, "team", "delay_reason"):
                assert same(period, filters, group_by) == [], (filters, period, group_by)


def test_quotes_and_commas_come_through_the_csv(month: March) -> None:
    spring = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 30))
    teams = {g.key for g in kpi_read.nfse_after_billing(spring, group_by="team").groups}
    assert 'Sul, O\'Neil "B"' in teams
    types = {g.key for g in kpi_read.nfse_after_billing(spring, group_by="service_type").groups}
    assert "Manutenção, 'preventiva'" in types


def test_a_share_issued_late_on_a_month_end_counts_once_in_its_local_month(
    month: March,
) -> None:
    result = kpi_read.nfse_after_billing(MARCH, group_by="month")
    assert [g.key for g in result.groups] == ["2026-03"]
    april = kpi_read.nfse_after_billing(Period(dt.date(2026, 4, 1), dt.date(2026, 4, 30)))
    assert april.total_value == 400  # N-10 only; N-9 (31/03 23:30 local) is March's
    both = kpi_read.nfse_after_billing(Period(dt.date(2026, 3, 1), dt.date(2026, 4, 30)))
    assert both.total_value == result.total_value + april.total_value


def test_late_shares_split_by_delay_kind(month: March) -> None:
    late = {s.kind: s for s in kpi_read.nfse_after_billing(MARCH).late_by_delay_kind}
    assert (str(late["internal"].value), late["internal"].count) == ("300.00", 1)  # OS-3
    # OS-2 in N-2 and N-3 (expected 0.5 day), OS-9 a day late (expected 5): within
    assert (str(late["customer"].value), late["customer"].count) == ("500.00", 2)
    assert (str(late["none"].value), late["none"].count) == ("0.00", 0)


# serialized_rollback, as every transactional test here: a plain flush re-creates the content
# types (post_migrate), and the next serialized_rollback test then fails to load its own
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_months_read_by_two_connections_at_once_equal_the_frames(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Outside a transaction SQLite reads a long period's months on two threads (each its own
    connection); the rows must be committed for them to see, hence a transactional test."""
    march()
    own: list[bool] = []
    read = kpi_read._sqlite_csv

    def spy(*args: Any, **kwargs: Any) -> bytes:
        own.append(kwargs.get("own", False))
        return read(*args, **kwargs)

    monkeypatch.setattr(kpi_read, "_sqlite_csv", spy)
    for period in SPANS[:2]:
        for group_by in (None, "customer", "month"):
            assert same(period, Filters(), group_by) == [], (period, group_by)
    if connection.vendor == "sqlite":
        assert True in own
