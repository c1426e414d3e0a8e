"""The NFS-e-after-billing KPI pinned on a hand-computed month (tests/fiscal/kpi_builders.py;
the arithmetic is written out in docs/nfse-kpi.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from fatura.fiscal import selectors
from fatura.fiscal.kpi import Filters, Period
from tests.fiscal.kpi_builders import at, march, nfse, order

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
LAG_OS3 = 12 + 1 / 24  # 20/02 09:00 -> 04/03 10:00


def test_previous_period() -> None:
    assert MARCH.previous() == Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    quarter = Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert quarter.previous() == Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    days = Period(dt.date(2026, 3, 10), dt.date(2026, 3, 19))
    assert days.previous() == Period(dt.date(2026, 2, 28), dt.date(2026, 3, 9))


@pytest.mark.django_db
def test_the_month_by_hand() -> None:
    march()
    result = selectors.nfse_after_billing(MARCH, group_by="team")
    assert result.total_value == Decimal("1800.00")  # N-1 1000+300, N-2 300, N-3 200
    assert result.count == 3
    lags = sorted([2.0, LAG_OS3, 1.0, 4.0])
    assert result.avg_lag_days == pytest.approx(sum(lags) / 4)
    assert result.median_lag_days == pytest.approx(3.0)
    assert result.p90_lag_days == pytest.approx(4 + 0.7 * (LAG_OS3 - 4))
    # only OS-1 (Manutenção: 10 days) is within; OS-3 took 12; OS-2 (Alfa+Instalação: 0,5)
    assert result.within_expected_rate == pytest.approx(1000 / 1800)
    # orders completed in March: OS-1, OS-2, OS-4, OS-5, OS-7 = 2350; counted of them: 1500
    assert result.completed_value == Decimal("2350.00")
    assert result.revenue_recognized_rate == pytest.approx(1500 / 2350)
    assert result.previous_total_value == Decimal("100.00")  # N-5 in February
    assert result.variation_pct == pytest.approx(1700.0)
    assert result.issued_before_billing_value == Decimal("200.00")  # N-4
    teams = {g.key: g for g in result.groups}
    assert [g.key for g in result.groups] == ["Norte", "Sul"]
    assert (teams["Norte"].total_value, teams["Norte"].count) == (Decimal("1000.00"), 1)
    assert teams["Norte"].within_expected_rate == 1.0
    assert (teams["Sul"].total_value, teams["Sul"].count) == (Decimal("800.00"), 3)
    assert teams["Sul"].avg_lag_days == pytest.approx((LAG_OS3 + 1 + 4) / 3)
    assert teams["Sul"].within_expected_rate == 0.0


@pytest.mark.django_db
def test_accumulated_days_and_lag_bins() -> None:
    march()
    result = selectors.nfse_after_billing(MARCH)
    assert len(result.daily) == 31
    by_day = {d.day.day: (d.value, d.accumulated) for d in result.daily}
    assert by_day[4] == (Decimal("1300.00"), Decimal("1300.00"))
    assert by_day[5] == (Decimal("0.00"), Decimal("1300.00"))
    assert by_day[6] == (Decimal("300.00"), Decimal("1600.00"))
    assert by_day[31] == (Decimal("0.00"), Decimal("1800.00"))
    bins = {(b.low, b.high): (b.count, b.value) for b in result.lag_bins}
    assert bins[(1, 2)] == (1, Decimal("300.00"))
    assert bins[(2, 3)] == (1, Decimal("1000.00"))
    assert bins[(3, 5)] == (1, Decimal("200.00"))
    assert bins[(10, 15)] == (1, Decimal("300.00"))
    assert sum(b.count for b in result.lag_bins) == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filters", "total", "previous", "recognized"),
    [
        (Filters(teams=("Sul",)), "800.00", "100.00", 1.0),  # OS-2 500 of 500
        (Filters(service_types=("Manutenção",)), "1300.00", "0.00", 1000 / 1650),
        (Filters(months=("2026-03",)), "1800.00", "0.00", 1500 / 2350),
    ],
)
def test_filters(filters: Filters, total: str, previous: str, recognized: float) -> None:
    march()
    result = selectors.nfse_after_billing(MARCH, filters=filters)
    assert result.total_value == Decimal(total)
    assert result.previous_total_value == Decimal(previous)
    assert result.revenue_recognized_rate == pytest.approx(recognized)


@pytest.mark.django_db
def test_filter_by_customer_and_groups_by_customer_and_month() -> None:
    month = march()
    only_b = selectors.nfse_after_billing(MARCH, filters=Filters(customer_ids=(month.b.pk,)))
    assert only_b.total_value == Decimal("0.00") and only_b.count == 0
    assert only_b.avg_lag_days is None and only_b.within_expected_rate is None
    assert only_b.variation_pct == pytest.approx(-100.0)
    by_customer = selectors.nfse_after_billing(MARCH, group_by="customer")
    assert [(g.key, g.label, g.total_value) for g in by_customer.groups] == [
        (month.a.document, "Alfa Serviços", Decimal("1800.00"))
    ]
    by_month = selectors.nfse_after_billing(MARCH, group_by="month")
    assert [(g.key, g.total_value) for g in by_month.groups] == [("2026-03", Decimal("1800.00"))]


@pytest.mark.django_db
def test_a_period_with_nothing_says_none_not_zero() -> None:
    result = selectors.nfse_after_billing(MARCH)
    assert result.total_value == Decimal("0.00") and result.count == 0
    assert result.revenue_recognized_rate is None and result.variation_pct is None
    assert result.median_lag_days is None


@pytest.mark.django_db
def test_issue_dates_are_local_days() -> None:
    month = march()
    late = order(
        "OS-9", month.a, "Suporte", "Norte", "70.00", "2026-03-31 08:00", "2026-03-31 09:00"
    )
    nfse("N-9", "2026-03-31 23:30", {late: "70.00"})  # 02:30 UTC on April 1st
    april = selectors.nfse_after_billing(Period(dt.date(2026, 4, 1), dt.date(2026, 4, 30)))
    assert april.total_value == Decimal("0.00")
    assert selectors.nfse_after_billing(MARCH).total_value == Decimal("1870.00")


@pytest.mark.django_db
def test_expected_lag_most_specific_wins() -> None:
    month = march()
    lags = selectors.expected_lags()
    assert lags.days(month.a.pk, "Instalação") == Decimal("0.5")  # customer + type
    assert lags.days(month.b.pk, "Instalação") == Decimal("5")  # global
    assert lags.days(month.a.pk, "Manutenção") == Decimal("10")  # type
    from fatura.fiscal.models import ExpectedLag

    ExpectedLag.objects.create(
        scope=ExpectedLag.scope_of("", month.a.pk), customer=month.a, days=Decimal("3")
    )
    lags = selectors.expected_lags()
    assert lags.days(month.a.pk, "Manutenção") == Decimal("3")  # customer beats type
    assert lags.days(month.a.pk, "Instalação") == Decimal("0.5")  # customer + type still wins


@pytest.mark.django_db
def test_backlog_lists_orders_without_nfse_after_their_expected_lag() -> None:
    march()
    rows = selectors.backlog(as_of=at("2026-03-31 23:00"))
    assert rows["order_number"].to_list() == ["OS-5"]  # OS-7's NFS-e was cancelled: 6 days
    row: dict[str, Any] = rows.row(0, named=True)
    assert row["uncovered_cents"] == 40000 and row["expected_days"] == 10.0
    assert row["days_late"] == pytest.approx(11 + 13 / 24 - 10)
    later = selectors.backlog(as_of=at("2026-04-05 12:00"))
    assert later["order_number"].to_list() == ["OS-5", "OS-7"]


@pytest.mark.django_db
def test_post_service_report_rows() -> None:
    march()
    rows = selectors.post_service_rows(MARCH)
    assert rows.select("nfse_number", "order_number", "share_cents").rows() == [
        ("N-1", "OS-1", 100000),
        ("N-1", "OS-3", 30000),
        ("N-2", "OS-2", 30000),
        ("N-3", "OS-2", 20000),
    ]
    assert rows["within"].to_list() == [True, False, False, False]
