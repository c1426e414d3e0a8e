"""Every output of the fast path equals pm4py's on the same log: the real logs of
../shared/data and generated logs (ties, loops, one-event cases, offsets, rows out of order).

pm4py is read the way its documentation says: ``read_xes`` (or pandas for CSV), then
``format_dataframe`` (which sorts by case, timestamp and position), then ``discover_dfg``,
``discover_performance_dfg``, ``get_start/end_activities`` (from ``discover_dfg``),
``get_variants``, ``get_all_case_durations`` and the activity counts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fatura.mining.engine import mine
from fatura.mining.readers import read_log
from tests.mining.conftest import (
    REAL_LOGS,
    assert_canonical_order,
    assert_matches_pm4py,
    data_file,
    pm4py_outputs,
    read_xes_with_pm4py,
)
from tests.mining.logs import (
    edge_case_table,
    generated_table,
    pandas_for_pm4py,
    with_offsets,
    write_csv,
    write_xes,
)


@pytest.fixture(scope="module", params=sorted(REAL_LOGS))
def real_log(request: pytest.FixtureRequest) -> tuple[Path, dict[str, Any]]:
    path = data_file(REAL_LOGS[request.param])
    return path, pm4py_outputs(read_xes_with_pm4py(path))


def test_real_logs_equal_pm4py(real_log: tuple[Path, dict[str, Any]]) -> None:
    path, reference = real_log
    # naive timestamps (the non-standard dates) are UTC for pm4py; read them so here too.
    # Standard keys only, as `fatura mine` reads it
    document = mine(read_log(path, naive_zone="UTC", attributes=False)).to_json()
    assert_matches_pm4py(document, reference)
    assert_canonical_order(document)


def test_real_logs_with_every_attribute_read_give_the_same(
    real_log: tuple[Path, dict[str, Any]],
) -> None:
    path, reference = real_log
    document = mine(read_log(path, naive_zone="UTC", attributes=True)).to_json()
    assert_matches_pm4py(document, reference)


def _csv_reference(table: pa.Table) -> dict[str, Any]:
    return pm4py_outputs(
        pandas_for_pm4py(table),
        case_id="case_id",
        activity_key="activity",
        timestamp_key="timestamp",
    )


@pytest.mark.parametrize("fmt", ["csv", "xes"])
def test_edge_cases_equal_pm4py(tmp_path: Path, fmt: str) -> None:
    """Ties (kept in file order), loops, one-event cases, offsets, rows out of time order."""
    table = edge_case_table()
    path = write_csv(table, tmp_path / "edge.csv") if fmt == "csv" else None
    if fmt == "xes":
        path = write_xes(table, tmp_path / "edge.xes")
        reference = pm4py_outputs(read_xes_with_pm4py(path))
    else:
        reference = _csv_reference(table)
    assert path is not None
    document = mine(read_log(path)).to_json()
    assert_matches_pm4py(document, reference)
    variants = {tuple(v["activities"]): v["count"] for v in document["variants"]}
    assert (
        variants[
            (
                "Invoice Created",
                "Invoice Completed",
                "Payment Received",
                "Invoice Sent to Customer",
                "Invoice Closed",
            )
        ]
        == 1
    )
    assert variants[("Payment Received", "Invoice Created")] == 1  # the tie, in file order
    assert document["start_activities"]["Invoice Created"] == 4


@pytest.mark.parametrize("shuffle", [False, True], ids=["time-ordered", "shuffled"])
def test_generated_log_equals_pm4py(tmp_path: Path, shuffle: bool) -> None:
    table = with_offsets(generated_table(600, seed=11, shuffle=shuffle))
    document = mine(read_log(write_csv(table, tmp_path / "generated.csv"))).to_json()
    assert_matches_pm4py(document, _csv_reference(table))
    assert document["case_durations"]["min_seconds"] == 0  # one-event cases exist


def test_generated_parquet_equals_pm4py(tmp_path: Path) -> None:
    table = generated_table(800, seed=5, shuffle=True)
    path = tmp_path / "generated.parquet"
    pq.write_table(table, path, row_group_size=1000)  # several row groups and dictionaries
    frame = table.select(["case_id", "activity", "timestamp"]).to_pandas()
    reference = pm4py_outputs(
        frame, case_id="case_id", activity_key="activity", timestamp_key="timestamp"
    )
    assert_matches_pm4py(mine(read_log(path)).to_json(), reference)


def test_generated_xes_with_offsets_equals_pm4py(tmp_path: Path) -> None:
    table = with_offsets(generated_table(300, seed=21, shuffle=True))
    path = write_xes(table, tmp_path / "generated.xes")
    reference = pm4py_outputs(read_xes_with_pm4py(path))
    assert_matches_pm4py(mine(read_log(path)).to_json(), reference)
