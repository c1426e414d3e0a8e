"""The XES reader: standard keys, typed attributes, streaming, and every refusal."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pyarrow as pa
import pytest

from fatura.mining.errors import LogError
from fatura.mining.readers import read_log, read_table
from fatura.mining.readers.xes import read_xes
from tests.mining.conftest import REAL_LOGS, data_file

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def xes(tmp_path: Path, body: str, *, name: str = "log.xes", head: str = HEAD) -> Path:
    path = tmp_path / name
    path.write_text(head + body, encoding="utf-8")
    return path


def event(activity: str = "a", stamp: str = "2024-03-01T10:00:00Z", extra: str = "") -> str:
    return (
        f'<event><string key="concept:name" value="{activity}"/>'
        f'<date key="time:timestamp" value="{stamp}"/>{extra}</event>'
    )


def trace(case: str, *events: str, extra: str = "") -> str:
    return f'<trace><string key="concept:name" value="{case}"/>{extra}{"".join(events)}</trace>'


def test_running_example_keys_and_types() -> None:
    table = read_table(data_file(REAL_LOGS["running-example"]))
    assert table.num_rows == 42
    assert table.schema.field("timestamp").type == pa.timestamp("us", tz="UTC")
    first = table.slice(0, 1).to_pylist()[0]
    assert first["case_id"] == "3"
    assert first["activity"] == "register request"
    assert first["resource"] == "Pete"
    assert first["timestamp"] == dt.datetime(2010, 12, 30, 13, 32, tzinfo=dt.UTC)  # +01:00
    assert first["Costs"] == "50" and first["case:creator"] == "Fluxicon Nitro"
    assert table.schema.field("Costs").metadata == {b"xes:type": b"string"}


def test_receipt_namespaced_log_with_lifecycle_and_case_dates() -> None:
    table = read_table(data_file(REAL_LOGS["receipt"]))
    assert table.num_rows == 8577
    assert len(set(table.column("case_id").to_pylist())) == 1434
    assert set(table.column("lifecycle").to_pylist()) >= {"complete"}
    assert table.schema.field("case:startdate").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("case:startdate").metadata == {b"xes:type": b"date"}


def test_roadtraffic_money_attributes_are_floats_and_offsets_utc() -> None:
    table = read_table(data_file(REAL_LOGS["roadtraffic100"]))
    assert table.schema.field("amount").type == pa.float64()
    assert table.schema.field("amount").metadata == {b"xes:type": b"float"}
    first = table.slice(0, 1).to_pylist()[0]
    assert first["timestamp"] == dt.datetime(2005, 3, 22, 23, 0, tzinfo=dt.UTC)  # +01:00


def test_nonstandard_dates_and_integer_case_ids() -> None:
    table = read_table(data_file(REAL_LOGS["orders-nonstandard-dates"]), naive_zone="UTC")
    first = table.slice(0, 1).to_pylist()[0]
    assert first["case_id"] == "3"
    assert first["timestamp"] == dt.datetime(2019, 11, 3, 1, 11, 19, tzinfo=dt.UTC)
    assert table.schema.field("variant:count").type == pa.int64()
    in_sao_paulo = read_table(data_file(REAL_LOGS["orders-nonstandard-dates"]))
    assert in_sao_paulo.column("timestamp")[0].as_py() == dt.datetime(
        2019, 11, 3, 4, 11, 19, tzinfo=dt.UTC
    )


def test_the_log_without_timestamps_is_refused_clearly() -> None:
    path = data_file("roadtraffic-variants-no-timestamps.xes.gz")
    with pytest.raises(LogError, match="the log has no timestamps: no event has time:timestamp"):
        read_log(path)


def test_every_xes_type_and_case_attributes(tmp_path: Path) -> None:
    extra = (
        '<int key="n" value="7"/><float key="x" value="1.5E3"/><boolean key="ok" value="true"/>'
        '<id key="uid" value="abc"/><date key="due" value="2024-03-10T00:00:00-03:00"/>'
        '<list key="skipped"><values><string key="v" value="1"/></values></list>'
        '<string key="nested" value="top"><string key="child" value="ignored"/></string>'
    )
    path = xes(
        tmp_path,
        "<log>"
        + trace("c1", event(extra=extra), extra='<float key="amount" value="10.5"/>')
        + trace("c2", event("b", extra='<int key="x" value="2"/>'))  # x: int + float -> float
        + "</log>",
    )
    rows = read_table(path).to_pylist()
    assert rows[0]["n"] == 7 and rows[0]["x"] == 1500.0 and rows[0]["ok"] is True
    assert rows[0]["uid"] == "abc" and rows[0]["nested"] == "top"
    assert rows[0]["due"] == dt.datetime(2024, 3, 10, 3, 0, tzinfo=dt.UTC)
    assert rows[0]["case:amount"] == 10.5 and rows[1]["case:amount"] is None
    assert rows[1]["x"] == 2.0
    assert "skipped" not in rows[0] and "child" not in rows[0]
    schema = read_table(path).schema
    assert schema.field("x").metadata == {b"xes:type": b"float"}
    assert schema.field("uid").metadata == {b"xes:type": b"id"}


def test_streaming_in_small_chunks_gives_the_same_table() -> None:
    path = data_file(REAL_LOGS["receipt"])
    whole = read_xes(path, naive_zone="UTC")
    chunked = read_xes(path, naive_zone="UTC", chunk_events=97)
    assert chunked.equals(whole)


def test_gzip_is_recognized_by_content(tmp_path: Path) -> None:
    body = HEAD + "<log>" + trace("c1", event(), event("b")) + "</log>"
    path = tmp_path / "log.xes.gz"
    path.write_bytes(gzip.compress(body.encode()))
    assert read_table(path).num_rows == 2


# --- refusals: each names what and where ------------------------------------------------------


def test_truncated_xml(tmp_path: Path) -> None:
    text = HEAD + "<log>\n" + trace("c1", event()) + '\n<trace><event><string key="conc'
    path = tmp_path / "cut.xes"
    path.write_text(text)
    with pytest.raises(LogError, match=r"line 4, column \d+: malformed or truncated XML"):
        read_table(path)


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress((HEAD + "<log>" + trace("c1", event()) * 200 + "</log>").encode())
    path = tmp_path / "cut.xes.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(LogError, match=r"cut\.xes\.gz: broken gzip stream"):
        read_table(path)


def test_unknown_encoding(tmp_path: Path) -> None:
    path = xes(
        tmp_path,
        "<log>" + trace("c1", event()) + "</log>",
        head='<?xml version="1.0" encoding="klingon"?>\n',
    )
    with pytest.raises(LogError, match="line 1, column 39: unknown encoding 'klingon'"):
        read_table(path)


def test_bytes_that_do_not_match_the_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.xes"
    path.write_bytes(
        (HEAD + "<log>\n" + trace("c1", event("caf\xe9")) + "</log>").encode("latin-1")
    )
    with pytest.raises(
        LogError, match="line 3, column 91: bytes that do not match the declared encoding"
    ):
        read_table(path)


def test_not_an_xes_log(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="not an XES log: the root is <html>"):
        read_table(xes(tmp_path, "<html><body/></html>"))


def test_event_outside_a_trace(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="line 3: an <event> outside a <trace>"):
        read_table(xes(tmp_path, "<log>\n" + event() + "</log>"))


def test_trace_without_case_id(tmp_path: Path) -> None:
    body = "<log>\n" + trace("c1", event()) + "\n<trace>" + event() + "</trace></log>"
    with pytest.raises(
        LogError, match=r"line 4, trace 2: trace without concept:name \(the case id\)"
    ):
        read_table(xes(tmp_path, body))


def test_event_without_activity(tmp_path: Path) -> None:
    nameless = '<event><date key="time:timestamp" value="2024-03-01T10:00:00Z"/></event>'
    body = "<log>\n" + trace("c1", event(), "\n" + nameless) + "</log>"
    with pytest.raises(LogError, match="line 4, trace 1, event 2: event without concept:name"):
        read_table(xes(tmp_path, body))


def test_event_without_timestamp(tmp_path: Path) -> None:
    timeless = '<event><string key="concept:name" value="a"/></event>'
    body = "<log>\n" + trace("c1", event()) + "\n" + trace("c2", event(), timeless) + "</log>"
    with pytest.raises(LogError, match="line 4, trace 2, event 2: event without time:timestamp"):
        read_table(xes(tmp_path, body))


def test_bad_date(tmp_path: Path) -> None:
    body = "<log>\n" + trace("c1", event(), "\n" + event(stamp="yesterday")) + "</log>"
    with pytest.raises(
        LogError, match="line 4, trace 1, event 2: time:timestamp = 'yesterday': unrecognized"
    ):
        read_table(xes(tmp_path, body))


def test_bad_typed_value(tmp_path: Path) -> None:
    body = "<log>\n" + trace("c1", event(extra='<int key="n" value="seven"/>')) + "</log>"
    with pytest.raises(LogError, match="line 3, trace 1, event 1: n = 'seven': not a valid int"):
        read_table(xes(tmp_path, body))


def test_attribute_without_value(tmp_path: Path) -> None:
    body = "<log>\n" + trace("c1", event(extra='<string key="note"/>')) + "</log>"
    with pytest.raises(
        LogError, match="line 3, trace 1, event 1: a <string> attribute without value"
    ):
        read_table(xes(tmp_path, body))


def test_attribute_without_key(tmp_path: Path) -> None:
    body = "<log>\n" + trace("c1", event(extra='<int value="3"/>')) + "</log>"
    with pytest.raises(LogError, match="line 3, trace 1, event 1: a <int> attribute without key"):
        read_table(xes(tmp_path, body))


def test_empty_log_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="the log has no events"):
        read_table(xes(tmp_path, "<log></log>"))
    with pytest.raises(LogError, match="cannot open the file"):
        read_table(tmp_path / "absent.xes")
    with pytest.raises(LogError, match="unknown log format"):
        read_table(tmp_path / "log.json")
