"""CSV and Parquet with a column mapping, and every refusal (row and column named)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fatura.mining.errors import LogError
from fatura.mining.readers import ColumnMapping, read_log, read_table

UTC = dt.UTC


def csv(tmp_path: Path, text: str, name: str = "log.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_default_columns_offsets_and_attributes(tmp_path: Path) -> None:
    path = csv(
        tmp_path,
        "case_id,activity,timestamp,amount,region\n"
        "FAT-1,Invoice Created,2024-03-01T10:00:00-03:00,10.5,Sul\n"
        "FAT-1,Invoice Sent to Customer,2024-03-01 14:00:00,10.5,Sul\n",
    )
    table = read_table(path)
    assert table.column_names == [
        "case_id",
        "activity",
        "timestamp",
        "amount",
        "region",
    ]
    assert table.column("timestamp").to_pylist() == [
        dt.datetime(2024, 3, 1, 13, tzinfo=UTC),
        dt.datetime(2024, 3, 1, 17, tzinfo=UTC),  # naive: São Paulo (-03:00)
    ]
    assert table.column("amount").type == pa.float64()
    assert read_table(path, attributes=False).column_names == [
        "case_id",
        "activity",
        "timestamp",
    ]
    log = read_log(path)  # the position in the file is added by the log, not the reader
    assert log.table.column("event_index").to_pylist() == [0, 1]


def test_gzip_compressed_csv(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "log.csv.gz"
    path.write_bytes(gzip.compress(b"case_id,activity,timestamp\nA,x,2024-03-01T10:00:00Z\n"))
    assert read_log(path).events == 1


def test_mapping_semicolons_and_naive_zone(tmp_path: Path) -> None:
    path = csv(
        tmp_path,
        "Fatura;Etapa;Quando;Fim;Quem;case_id\n"
        "F1;Criada;2024-03-01 10:00;2024-03-01 11:00;ana;x\n"
        "F1;Enviada;2024-03-02 10:00;;bruno;y\n",
    )
    mapping = ColumnMapping(
        case="Fatura", activity="Etapa", timestamp="Quando", end_timestamp="Fim", resource="Quem"
    )
    table = read_table(path, mapping=mapping, naive_zone="Europe/Lisbon")
    rows = table.to_pylist()
    assert rows[0]["case_id"] == "F1" and rows[0]["activity"] == "Criada"
    assert rows[0]["timestamp"] == dt.datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert rows[0]["end_timestamp"] == dt.datetime(2024, 3, 1, 11, tzinfo=UTC)
    assert rows[1]["end_timestamp"] is None and rows[1]["resource"] == "bruno"
    assert rows[0]["source:case_id"] == "x"  # a file column named like a role is kept aside


def test_parquet_with_typed_naive_timestamps_and_integer_cases(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    pq.write_table(
        pa.table(
            {
                "invoice": [7, 7, 8],
                "step": ["a", "b", "a"],
                "at": pa.array([dt.datetime(2024, 3, 1, 10)] * 3, pa.timestamp("ms")),
                "amount": [1.0, 1.0, 2.0],
            }
        ),
        path,
    )
    log = read_log(path, mapping=ColumnMapping(case="invoice", activity="step", timestamp="at"))
    assert log.case_names.to_pylist() == ["7", "8"]
    assert log.table.column("timestamp")[0].as_py() == dt.datetime(2024, 3, 1, 13, tzinfo=UTC)
    assert log.table.column("amount").to_pylist() == [1.0, 1.0, 2.0]


def test_parquet_text_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    pq.write_table(
        pa.table({"case_id": ["a"], "activity": ["x"], "timestamp": ["2024-03-01T10:00:00Z"]}), path
    )
    assert read_table(path).column("timestamp")[0].as_py() == dt.datetime(
        2024, 3, 1, 10, tzinfo=UTC
    )


# --- refusals ---------------------------------------------------------------------------------


def test_missing_columns_are_named_with_what_the_file_has(tmp_path: Path) -> None:
    path = csv(tmp_path, "case,activity,time\nA,x,2024-03-01\n")
    expected = (
        r"missing column\(s\) 'case_id' \(case_id\), 'timestamp' \(timestamp\); "
        r"the file has 'case', 'activity', 'time'"
    )
    with pytest.raises(LogError, match=expected):
        read_table(path)
    parquet = tmp_path / "log.parquet"
    pq.write_table(pa.table({"case": ["A"]}), parquet)
    with pytest.raises(LogError, match=r"missing column\(s\) 'case_id'"):
        read_table(parquet)


def test_bad_date_names_row_and_column(tmp_path: Path) -> None:
    path = csv(
        tmp_path,
        "case_id,activity,timestamp\nA,x,2024-03-01 10:00\nA,y,2024-03-01 11:00\nA,z,31/02/2024\n",
    )
    with pytest.raises(LogError, match="row 3, column 'timestamp': '31/02/2024' is not a date"):
        read_table(path)


def test_bad_end_date_names_its_column(tmp_path: Path) -> None:
    path = csv(tmp_path, "case_id,activity,timestamp,done\nA,x,2024-03-01 10:00,soon\n")
    with pytest.raises(LogError, match="row 1, column 'done': 'soon'"):
        read_table(path, mapping=ColumnMapping(end_timestamp="done"))


def test_empty_case_activity_or_timestamp(tmp_path: Path) -> None:
    for line, role in (
        (",x,2024-03-01", "case_id"),
        ("A,,2024-03-01", "activity"),
        ("A,x,", "timestamp"),
    ):
        path = csv(tmp_path, f"case_id,activity,timestamp\nA,x,2024-03-01\n{line}\n")
        with pytest.raises(LogError, match=f"row 2: empty {role}"):
            read_table(path)


def test_text_in_another_encoding(tmp_path: Path) -> None:
    text = "case_id,activity,timestamp\n" + "A,Emitida,2024-03-01\n" * 3 + "A,Cobrança,2024-03-02\n"
    path = csv(tmp_path, text, encoding="latin-1")
    with pytest.raises(LogError, match=r"line 5: bytes that are not utf-8 text.*--encoding"):
        read_table(path)
    assert read_table(path, encoding="latin-1").column("activity")[3].as_py() == "Cobrança"
    with pytest.raises(LogError, match="unknown encoding 'klingon'"):
        read_table(path, encoding="klingon")


def test_header_in_another_encoding_and_missing_file(tmp_path: Path) -> None:
    path = csv(tmp_path, "caso,atividade,horário\n", encoding="latin-1")
    with pytest.raises(LogError, match="line 1: the header is not utf-8 text"):
        read_table(path)
    with pytest.raises(LogError, match="cannot open the file"):
        read_table(tmp_path / "absent.csv")


def test_malformed_csv(tmp_path: Path) -> None:
    path = csv(tmp_path, 'case_id,activity,timestamp\nA,x,2024-03-01\nA,"y,2024-03-01,extra\n')
    with pytest.raises(LogError, match="malformed CSV"):
        read_table(path)


def test_not_a_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    path.write_text("case_id,activity,timestamp\n")
    with pytest.raises(LogError, match="not a readable Parquet file"):
        read_table(path)


def test_parquet_timestamp_of_the_wrong_type(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    pq.write_table(pa.table({"case_id": ["a"], "activity": ["x"], "timestamp": [1709290800]}), path)
    with pytest.raises(
        LogError, match="column 'timestamp': a timestamp must be a date/time or text"
    ):
        read_table(path)


def test_unknown_zone(tmp_path: Path) -> None:
    path = csv(tmp_path, "case_id,activity,timestamp\nA,x,2024-03-01\n")
    with pytest.raises(LogError, match="unknown time zone 'Mars/Olympus'"):
        read_table(path, naive_zone="Mars/Olympus")
