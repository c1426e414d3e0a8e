"""Exports: XES that pm4py and our reader read back with the same outputs and values; CSV and
Parquet with XES column names; written whole or not at all."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fatura.mining.engine import mine
from fatura.mining.log import EventLog
from fatura.mining.readers import ColumnMapping, read_log
from fatura.mining.writers import write_log
from tests.mining.conftest import (
    assert_matches_pm4py,
    data_file,
    pm4py_outputs,
    read_xes_with_pm4py,
)
from tests.mining.logs import edge_case_table, generated_table

XES_MAPPING = ColumnMapping(
    case="case:concept:name", activity="concept:name", timestamp="time:timestamp"
)


def _without_index(log: EventLog) -> pa.Table:
    return log.table.drop_columns(["event_index"])


def _pm4py_xes(path: Path) -> dict[str, Any]:
    return pm4py_outputs(read_xes_with_pm4py(path))


@pytest.mark.parametrize(
    "name", ["running-example.xes", "roadtraffic100traces.xes", "receipt.xes.gz"]
)
def test_xes_round_trip_keeps_every_value_and_type(tmp_path: Path, name: str) -> None:
    log = read_log(data_file(name), naive_zone="UTC")
    out = write_log(log, tmp_path / "out.xes", "xes")
    back = read_log(out, naive_zone="UTC")
    assert _without_index(back).equals(_without_index(log), check_metadata=True)


@pytest.mark.parametrize("name", ["running-example.xes", "receipt.xes.gz"])
def test_pm4py_reads_our_xes_with_the_same_outputs(tmp_path: Path, name: str) -> None:
    log = read_log(data_file(name), naive_zone="UTC")
    out = write_log(log, tmp_path / "out.xes.gz", "xes")
    assert out.read_bytes()[:2] == b"\x1f\x8b"  # .gz: compressed
    assert_matches_pm4py(mine(log).to_json(), _pm4py_xes(out))


def test_generated_log_with_ties_and_loops_through_xes(tmp_path: Path) -> None:
    log = EventLog.from_table(
        _canonical(generated_table(300, seed=11, shuffle=True)), name="generated"
    )
    out = write_log(log, tmp_path / "generated.xes", "xes")
    assert_matches_pm4py(mine(log).to_json(), _pm4py_xes(out))
    assert mine(read_log(out)).to_json() == mine(log).to_json()


def test_xes_escapes_text_and_types_attributes(tmp_path: Path) -> None:
    stamp = dt.datetime(2024, 3, 1, 12, 0, 5, 123456, tzinfo=dt.UTC)
    table = pa.table(
        {
            "case_id": ['A&"1"', 'A&"1"'],
            "activity": ["<Create>", "Pay\nnow"],
            "timestamp": pa.array(
                [stamp, stamp + dt.timedelta(hours=1)], pa.timestamp("us", "UTC")
            ),
            "amount": pa.array([1.5, None]),
            "lines": pa.array([3, 4]),
            "urgent": pa.array([True, False]),
            "due": pa.array([stamp, None], pa.timestamp("us", "UTC")),
            "case:segment": ["Varejo", "Varejo"],
        }
    )
    log = EventLog.from_table(table)
    out = write_log(log, tmp_path / "x.xes", "xes")
    text = out.read_text()
    assert '<float key="amount" value="1.5"/>' in text
    assert '<int key="lines" value="3"/>' in text
    assert '<boolean key="urgent" value="true"/>' in text
    assert '<date key="due" value="2024-03-01T12:00:05.123456+00:00"/>' in text
    assert '<trace><string key="concept:name" value="A&amp;&quot;1&quot;"/>' in text
    assert '<string key="segment" value="Varejo"/>' in text  # at trace level
    back = read_log(out)
    assert back.table.column("activity").to_pylist() == ["<Create>", "Pay\nnow"]
    assert back.table.column("amount").to_pylist() == [1.5, None]
    assert back.table.column("case:segment").to_pylist() == ["Varejo", "Varejo"]


def test_csv_export_has_xes_columns_and_iso_timestamps_with_offset(tmp_path: Path) -> None:
    log = read_log(data_file("roadtraffic100traces.xes"), naive_zone="UTC")
    out = write_log(log, tmp_path / "out.csv", "csv")
    header, first = out.read_text().splitlines()[:2]
    assert header.startswith(
        '"case:concept:name","concept:name","time:timestamp","org:resource","lifecycle:transition"'
    )
    assert first.split(",")[2].strip('"').endswith("+00:00")
    back = read_log(out, mapping=XES_MAPPING)
    assert mine(back).to_json() == mine(log).to_json()
    assert back.source.column("amount").type == pa.float64()


def test_csv_export_equals_pm4py_read_by_pandas(tmp_path: Path) -> None:
    import pandas as pd

    log = EventLog.from_table(_canonical(edge_case_table()))
    out = write_log(log, tmp_path / "edge.csv", "csv")
    frame = pd.read_csv(out)
    frame["time:timestamp"] = pd.to_datetime(frame["time:timestamp"], utc=True, format="ISO8601")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = pm4py_outputs(
            frame,
            case_id="case:concept:name",
            activity_key="concept:name",
            timestamp_key="time:timestamp",
        )
    assert_matches_pm4py(mine(log).to_json(), reference)


def test_parquet_export_is_typed_and_reads_back(tmp_path: Path) -> None:
    log = read_log(data_file("running-example.xes"), naive_zone="UTC")
    out = write_log(log, tmp_path / "out.parquet", "parquet")
    schema = pq.read_schema(out)
    assert schema.names[:3] == ["case:concept:name", "concept:name", "time:timestamp"]
    assert schema.field("time:timestamp").type == pa.timestamp("us", "UTC")
    assert "event_index" not in schema.names
    back = read_log(out, mapping=XES_MAPPING)
    assert mine(back).to_json() == mine(log).to_json()


def test_a_failed_export_leaves_the_target_untouched(tmp_path: Path, monkeypatch: Any) -> None:
    from fatura.mining.writers import xes

    log = read_log(data_file("running-example.xes"), naive_zone="UTC")
    target = tmp_path / "out.xes"
    target.write_text("previous")

    def explode(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(xes, "_write_cases", explode)
    with pytest.raises(OSError, match="disk full"):
        write_log(log, target, "xes")
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xes"]


def _canonical(table: pa.Table) -> pa.Table:
    """Text timestamps (with offsets) -> timestamp[us, UTC], as a reader would give them."""
    from fatura.mining.timestamps import to_utc

    stamps = table.column("timestamp")
    if not pa.types.is_timestamp(stamps.type) or stamps.type.tz is None:
        stamps = to_utc(stamps, "UTC")
    return table.set_column(table.column_names.index("timestamp"), "timestamp", stamps)
