"""The fiscal benchmark at a tiny size, in the test database: its generated data keep the
fiscal invariants, and the KPI equals its ORM peer (bench/fiscal_peer.py) on every period and
grouping the benchmark times, so a ratio printed by ``make bench`` compares equal results."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from bench.fiscal import GROUPINGS, PERIODS, differences
from bench.fiscal_data import Generated, load
from bench.fiscal_peer import document, peer_kpi

from fatura.fiscal.kpi import Period
from fatura.fiscal.models import Nfse, NfseCoverage, ServiceOrder
from fatura.fiscal.selectors import nfse_after_billing


@pytest.fixture
def generated(db: Any) -> dict[str, Any]:
    return load(Generated(3000, seed=7))


def test_generated_data_keep_the_invariants(generated: dict[str, Any]) -> None:
    assert generated["service_orders"] == ServiceOrder.objects.count() == 3000
    assert generated["nfse"] == Nfse.objects.count() > 2000
    shares: dict[int, Decimal] = defaultdict(Decimal)
    for coverage in NfseCoverage.objects.select_related("nfse", "service_order"):
        shares[coverage.nfse_id] += coverage.value
        assert coverage.nfse.customer_id == coverage.service_order.customer_id
    assert all(shares[n.pk] == n.value for n in Nfse.objects.all())
    statuses = set(Nfse.objects.values_list("status", flat=True))
    assert statuses == {"issued", "cancelled", "replaced"}


def test_the_kpi_equals_its_orm_peer(generated: dict[str, Any]) -> None:
    for start, end in PERIODS.values():
        period = Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
        for group_by in GROUPINGS:
            ours = document(nfse_after_billing(period, group_by=group_by))
            assert ours["count"] > 0
            assert differences(ours, peer_kpi(period, group_by)) == [], (start, group_by)


def test_differences_name_what_differs() -> None:
    ours = {"total_value": "10.00", "median": 1.0, "groups": [{"count": 2}]}
    close = {"total_value": "10.00", "median": 1.0 + 1e-9, "groups": [{"count": 2}]}
    assert differences(ours, close) == []
    found = differences(ours, {"total_value": "10.01", "median": 1.1, "groups": [{"count": 3}]})
    assert found == [
        ".total_value: '10.00' vs '10.01'",
        ".median: 1.0 vs 1.1",
        ".groups[0].count: 2 vs 3",
    ]
