"""The NumPy KPIs (``kpis.quick``, what ``fatura mine`` runs) equal the Ibis ones on every log
the KPI tests use: the hand-made log, the generated one (shuffled), a real log, and the same
five invoices from Fatura's log, an Oracle extract and a NetSuite extract. Decision 0033."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fatura.mining.kpis import Options, kpis, quick, to_json
from fatura.mining.log import EventLog
from fatura.mining.readers import read_log
from tests.mining import test_kpi_sources as sources
from tests.mining.conftest import REAL_LOGS, data_file
from tests.mining.test_kpis import OPTIONS, enriched, hand_table


def same(left: dict[str, Any], right: dict[str, Any]) -> None:
    assert json.dumps(to_json(left), sort_keys=True) == json.dumps(to_json(right), sort_keys=True)


@pytest.mark.parametrize(
    "options", [OPTIONS, Options(zone="UTC", dunning_days=3), Options(automated_resources=())]
)
def test_hand_log(options: Options) -> None:
    log = EventLog.from_table(hand_table(), name="hand")
    same(quick.kpis(log, options=options), kpis(log, engine="duckdb", options=options))


def test_generated_log() -> None:
    log = enriched()
    same(quick.kpis(log), kpis(log, engine="duckdb"))
    same(quick.kpis(log), kpis(log))


@pytest.mark.parametrize("name", ["roadtraffic100", "receipt"])
def test_real_logs(name: str) -> None:
    log = read_log(data_file(REAL_LOGS[name]), attributes=True)
    same(quick.kpis(log), kpis(log, engine="duckdb"))


@pytest.mark.parametrize("source", sorted(sources.SOURCES))
def test_the_three_sources(source: str) -> None:
    log = sources.SOURCES[source]()
    same(quick.kpis(log, options=sources.OPTIONS), kpis(log, options=sources.OPTIONS))
