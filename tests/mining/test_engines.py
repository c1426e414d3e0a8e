"""The fast path, the Ibis expressions on DuckDB and on PySpark give the same result."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from fatura.mining.engine import MiningResult, mine
from fatura.mining.engine.portable import expressions
from fatura.mining.log import EventLog
from fatura.mining.readers import read_log
from tests.mining.conftest import REAL_LOGS, data_file
from tests.mining.logs import edge_case_table, generated_table, with_offsets, write_csv


def assert_same(left: MiningResult, right: MiningResult) -> None:
    """Counts and orders identical; durations equal up to float rounding (1e-9 relative)."""
    a, b = left.to_json(), right.to_json()
    for key in ("cases", "events", "activities", "start_activities", "end_activities", "variants"):
        assert a[key] == b[key], key
    assert [(e["source"], e["target"], e["count"]) for e in a["dfg"]] == [
        (e["source"], e["target"], e["count"]) for e in b["dfg"]
    ]
    for x, y in zip(a["dfg"], b["dfg"], strict=True):
        for key in ("mean_seconds", "median_seconds"):
            assert math.isclose(x[key], y[key], rel_tol=1e-9, abs_tol=1e-9), (x, y)
    for key, value in a["case_durations"].items():
        assert math.isclose(value, b["case_durations"][key], rel_tol=1e-9), key


def _logs(tmp_path: Path) -> dict[str, EventLog]:
    edge = write_csv(edge_case_table(), tmp_path / "edge.csv")
    generated = write_csv(
        with_offsets(generated_table(300, seed=2, shuffle=True)), tmp_path / "g.csv"
    )
    return {
        "edge-cases": read_log(edge),
        "generated": read_log(generated),
        "running-example": read_log(data_file(REAL_LOGS["running-example"])),
        "roadtraffic100": read_log(data_file(REAL_LOGS["roadtraffic100"])),
    }


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, EventLog]:
    return _logs(tmp_path_factory.mktemp("engines"))


@pytest.mark.parametrize("name", ["edge-cases", "generated", "running-example", "roadtraffic100"])
def test_duckdb_equals_fast(logs: dict[str, EventLog], name: str) -> None:
    assert_same(mine(logs[name], "fast"), mine(logs[name], "duckdb"))


def test_duckdb_equals_fast_on_a_large_real_log() -> None:
    log = read_log(data_file(REAL_LOGS["receipt"]), attributes=False)
    assert_same(mine(log, "fast"), mine(log, "duckdb"))


@pytest.mark.spark
@pytest.mark.parametrize("name", ["edge-cases", "generated", "running-example", "roadtraffic100"])
def test_spark_equals_fast(logs: dict[str, EventLog], name: str, spark: Any) -> None:
    assert_same(mine(logs[name], "fast"), mine(logs[name], "spark", spark=spark))


def test_one_definition_for_both_backends() -> None:
    """The portable engine is a single set of Ibis expressions, compiled for each backend."""
    import ibis

    log = ibis.table(
        {"case_id": "string", "activity": "string", "ts_us": "int64", "event_index": "int64"},
        name="log",
    )
    for expr in expressions(log).values():  # each compiles for both: nothing backend-only
        ibis.to_sql(expr, dialect="duckdb")
        ibis.to_sql(expr, dialect="pyspark")
    sql = ibis.to_sql(expressions(log)["dfg"], dialect="pyspark")
    assert "PARTITION BY" in sql and "`ts_us` ASC" in sql and "`event_index` ASC" in sql


def test_unknown_engine_is_refused(logs: dict[str, EventLog]) -> None:
    with pytest.raises(ValueError, match="unknown engine 'polars'"):
        mine(logs["edge-cases"], "polars")


@pytest.mark.parametrize("activities", [300, 5000, 70_000], ids=["u16", "unique-edges", "u32"])
def test_many_activities_take_the_wide_paths(activities: int) -> None:
    """Edge numbering and variant bytes change width with the number of activities."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(activities)
    events = 3 * activities
    table = pa.table(
        {
            "case_id": pa.array(rng.integers(0, activities // 3 + 1, events).astype(str)),
            "activity": pa.array(np.arange(events) % activities).cast(pa.string()),
            "timestamp": pa.array(
                rng.integers(0, 10**6, events) * 10**6, pa.timestamp("us", "UTC")
            ),
        }
    )
    log = EventLog.from_table(table)
    assert_same(mine(log, "fast"), mine(log, "duckdb"))
