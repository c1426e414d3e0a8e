"""The Oracle Fusion AR extract reader: the example extract in tests/fixtures/oracle_fusion gives
exactly the events written below by hand, the engine agrees with them, and every refusal names
the file, row and column."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from fatura.mining.engine import mine
from fatura.mining.errors import LogError
from fatura.mining.log import EventLog
from fatura.mining.readers.erp_common import normalize_dates
from fatura.mining.readers.oracle_fusion import oracle_fusion_table, read_oracle_fusion

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "oracle_fusion"
ZONE = "America/Sao_Paulo"  # -03:00 all of 2024 (no daylight saving)
BRT = dt.timezone(dt.timedelta(hours=-3))
AS_OF = dt.datetime(2024, 4, 30, tzinfo=BRT)


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, minute, tzinfo=BRT)


EXPECTED: dict[str, list[tuple[str, dt.datetime, str | None]]] = {
    # paid on time, after an approval
    "INV-1001": [
        ("Invoice Created", at(1, 5, 9), "ANA.SOUZA"),
        ("Invoice Completed", at(1, 5, 9), "ANA.SOUZA"),
        ("Invoice Sent for Approval", at(1, 5, 9, 30), "ANA.SOUZA"),
        ("Invoice Approved", at(1, 5, 16), "GESTOR.FIN"),
        ("Invoice Sent to Customer", at(1, 6, 10), None),
        ("Payment Received", at(2, 1), None),
        ("Payment Applied to Invoice", at(2, 1), "CAIXA.BOT"),
        ("Invoice Closed", at(2, 1), None),
    ],
    # paid late after a reminder (level 1) and dunning (level 2)
    "INV-1002": [
        ("Invoice Created", at(1, 10, 14, 30), "ANA.SOUZA"),
        ("Invoice Completed", at(1, 10, 14, 30), "ANA.SOUZA"),
        ("Invoice Sent to Customer", at(1, 11, 8, 15), None),
        ("Due Date Passed", at(2, 10), None),
        ("Payment Reminder Issued", at(2, 15, 9), None),
        ("Dunning Procedure Initiated", at(3, 1, 9), None),
        ("Payment Received", at(3, 10), None),
        ("Payment Applied to Invoice", at(3, 11), "CARLA.DIAS"),
        ("Invoice Closed", at(3, 11), None),
    ],
    # rejected once, disputed, adjusted, paid by one receipt applied twice
    "INV-1003": [
        ("Invoice Created", at(1, 15, 11), "BRUNO.LIMA"),
        ("Invoice Completed", at(1, 15, 11), "BRUNO.LIMA"),
        ("Invoice Sent for Approval", at(1, 15, 11, 30), "BRUNO.LIMA"),
        ("Invoice Rejected", at(1, 16, 10), "GESTOR.FIN"),
        ("Invoice Sent for Approval", at(1, 17, 9), "BRUNO.LIMA"),
        ("Invoice Approved", at(1, 19, 14), "GESTOR.FIN"),
        ("Invoice Sent to Customer", at(1, 22, 9), None),
        ("Dispute Registered", at(2, 5, 10), "JULIA.ROCHA"),
        ("Due Date Passed", at(2, 15), None),
        ("Invoice Adjusted", at(2, 20, 15), "JULIA.ROCHA"),
        ("Dispute Resolved", at(2, 20, 15), None),
        ("Payment Received", at(2, 25), None),
        ("Payment Applied to Invoice", at(2, 25), "CARLA.DIAS"),
        ("Payment Applied to Invoice", at(2, 25), "CARLA.DIAS"),
        ("Invoice Closed", at(2, 25), None),
    ],
    # dunned three times, then written off (the credit-memo application has no receipt)
    "INV-1004": [
        ("Invoice Created", at(1, 20, 16, 45), "BRUNO.LIMA"),
        ("Invoice Completed", at(1, 20, 16, 45), "BRUNO.LIMA"),
        ("Invoice Sent to Customer", at(1, 21, 9, 30), None),
        ("Due Date Passed", at(2, 21), None),
        ("Payment Reminder Issued", at(2, 26, 9), None),
        ("Dunning Procedure Initiated", at(3, 12, 14, 30), None),
        ("Dunning Procedure Initiated", at(3, 27, 9), None),
        ("Invoice Written Off", at(4, 10, 10), "CARLA.DIAS"),
        ("Invoice Closed", at(4, 10, 10), None),  # GL date 10-APR, after the write-off
    ],
    # not completed, not yet due on 30 April
    "INV-1005": [("Invoice Created", at(4, 15, 10), "ANA.SOUZA")],
}


def events(log: EventLog) -> dict[str, list[tuple[str, dt.datetime, str | None]]]:
    cases: dict[str, list[tuple[str, dt.datetime, str | None]]] = {}
    for row in log.table.select(["case_id", "activity", "timestamp", "resource"]).to_pylist():
        cases.setdefault(row["case_id"], []).append(
            (row["activity"], row["timestamp"], row["resource"])
        )
    return cases


def extract(tmp_path: Path, **changes: str | None) -> Path:
    """A copy of the example extract; ``changes``: file stem -> new text (None: remove)."""
    folder = tmp_path / "extract"
    shutil.copytree(FIXTURE, folder)
    for stem, text in changes.items():
        path = folder / f"{stem}.csv"
        if text is None:
            path.unlink()
        else:
            path.write_text(text, encoding="utf-8")
    return folder


def replace(stem: str, old: str, new: str) -> str:
    text = (FIXTURE / f"{stem}.csv").read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


@pytest.fixture(scope="module")
def log() -> EventLog:
    return read_oracle_fusion(FIXTURE, zone=ZONE, as_of=AS_OF)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_case_has_exactly_the_expected_events(log: EventLog, case: str) -> None:
    assert events(log)[case] == EXPECTED[case]


def test_no_other_cases_or_events(log: EventLog) -> None:
    assert log.cases == len(EXPECTED)
    assert log.events == sum(len(v) for v in EXPECTED.values())


def test_case_and_event_attributes(log: EventLog) -> None:
    rows = log.table.to_pylist()
    first = next(r for r in rows if r["case_id"] == "INV-1004")
    assert first["customer"] == "Gamma Logistics, Inc."  # HZ_CUST_ACCOUNTS -> HZ_PARTIES
    assert first["country"] == "US"
    assert first["payment_terms"] == "45 NET"
    assert first["currency"] == "USD"
    assert first["business_unit"] == "205"
    assert first["amount"] == Decimal("800")
    assert first["due_date"] == dt.date(2024, 2, 20)
    assert first["invoice_date"] == dt.date(2024, 1, 20)
    assert first["source_system"] == "Oracle Fusion"
    assert {r["customer"] for r in rows if r["case_id"] == "INV-1005"} == {"Beta Serviços S.A."}
    paid = [r for r in rows if r["case_id"] == "INV-1003" and r["activity"].startswith("Payment")]
    assert [(r["payment_method"], r["payment_amount"]) for r in paid] == [
        ("TED", Decimal("2000")),
        ("TED", Decimal("2000")),
        ("TED", Decimal("2800")),
    ]
    dunning = [
        r["dunning_level"] for r in rows if r["case_id"] == "INV-1004" and r["dunning_level"]
    ]
    assert dunning == [1, 2, 3]
    write_off = next(r for r in rows if r["activity"] == "Invoice Written Off")
    assert (write_off["adjustment_amount"], write_off["adjustment_reason"]) == (
        Decimal("-800"),
        "WRITE OFF",
    )
    assert log.table.schema.field("amount").type == pa.decimal128(24, 6)  # money is exact


def test_due_date_passed_only_before_the_extract_date() -> None:
    later = read_oracle_fusion(FIXTURE, zone=ZONE, as_of=dt.datetime(2024, 6, 1, tzinfo=BRT))
    assert events(later)["INV-1005"][-1] == ("Due Date Passed", at(5, 16), None)
    # by default the extract date is its latest date (10 April): nothing for INV-1005 yet
    default = read_oracle_fusion(FIXTURE, zone=ZONE)
    assert events(default) == events(read_oracle_fusion(FIXTURE, zone=ZONE, as_of=AS_OF))


def test_the_engine_mines_the_imported_log_as_the_expected_events_say(log: EventLog) -> None:
    result = mine(log)
    pairs = Counter(
        (a[0], b[0]) for steps in EXPECTED.values() for a, b in itertools.pairwise(steps)
    )
    assert {(e.source, e.target): e.count for e in result.dfg} == dict(pairs)
    assert result.start_activities == {"Invoice Created": 5}
    assert result.end_activities == {"Invoice Closed": 4, "Invoice Created": 1}
    assert result.activities == dict(
        Counter(step[0] for steps in EXPECTED.values() for step in steps)
    )
    longest = max(steps[-1][1] - steps[0][1] for steps in EXPECTED.values())
    assert result.case_durations.max_seconds == longest.total_seconds()
    assert mine(log, engine="duckdb").to_json() == result.to_json()


def test_only_the_required_tables(tmp_path: Path) -> None:
    optional = [
        "AR_CASH_RECEIPTS_ALL",
        "AR_RECEIVABLE_APPLICATIONS_ALL",
        "AR_ADJUSTMENTS_ALL",
        "AR_DISPUTE_HISTORY",
        "IEX_DUNNINGS",
        "RA_TERMS",
        "HZ_CUST_ACCOUNTS",
        "HZ_PARTIES",
        "APPROVAL_HISTORY",
    ]
    folder = extract(tmp_path, **dict.fromkeys(optional))
    got = events(read_oracle_fusion(folder, zone=ZONE, as_of=AS_OF))
    assert [step[0] for step in got["INV-1002"]] == [
        "Invoice Created",
        "Invoice Completed",
        "Invoice Sent to Customer",
        "Due Date Passed",
        "Invoice Closed",
    ]
    table = oracle_fusion_table(folder, zone=ZONE, as_of=AS_OF)
    assert set(table.column("customer").to_pylist()) == {None}


def test_party_name_on_the_accounts_file(tmp_path: Path) -> None:
    folder = extract(
        tmp_path,
        HZ_PARTIES=None,
        HZ_CUST_ACCOUNTS="CUST_ACCOUNT_ID,PARTY_NAME,COUNTRY\n1001,Alfa,BR\n1003,Gamma,US\n",
    )
    table = oracle_fusion_table(folder, zone=ZONE, as_of=AS_OF)
    names = dict(
        zip(table.column("case_id").to_pylist(), table.column("customer").to_pylist(), strict=True)
    )
    assert names["INV-1001"] == "Alfa"
    assert names["INV-1004"] == "Gamma"
    assert names["INV-1002"] is None  # account not in the file


def test_file_names_without_case(tmp_path: Path) -> None:
    folder = extract(tmp_path)
    (folder / "IEX_DUNNINGS.csv").rename(folder / "iex_dunnings.CSV")
    assert events(read_oracle_fusion(folder, zone=ZONE, as_of=AS_OF)) == EXPECTED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15-JAN-24", "2024-01-15 00:00:00"),
        ("5-jan-1999 10:30:00", "1999-01-05 10:30:00"),
        ("15-JAN-49", "2049-01-15 00:00:00"),  # Oracle's RR: 00-49 -> 20xx
        ("15-JAN-50", "1950-01-15 00:00:00"),  # 50-99 -> 19xx
        ("15-JAN-24 10.30.00.123456 PM", "2024-01-15 22:30:00.123456"),
        ("15-JAN-24 12.05.00.000000 AM", "2024-01-15 00:05:00.000000"),
        ("2024-01-15 14:30:00", "2024-01-15 14:30:00"),
        ("1/5/2024 9:05 am", "2024-01-05 09:05:00"),
        ("12/31/2024 12:00 pm", "2024-12-31 12:00:00"),
    ],
)
def test_oracle_and_other_date_formats(text: str, expected: str) -> None:
    assert normalize_dates(pa.array([text])).to_pylist() == [expected]


# --- refusals: file, row and column named; nothing returned ---------------------------------


def refused(folder: Path) -> str:
    with pytest.raises(LogError) as error:
        read_oracle_fusion(folder, zone=ZONE, as_of=AS_OF)
    return str(error.value)


def test_missing_required_file_is_named(tmp_path: Path) -> None:
    message = refused(extract(tmp_path, AR_PAYMENT_SCHEDULES_ALL=None))
    assert "missing required file AR_PAYMENT_SCHEDULES_ALL.csv" in message
    assert "DUE_DATE" in message
    assert "missing required file RA_CUSTOMER_TRX_ALL.csv" in refused(
        extract(tmp_path / "2", RA_CUSTOMER_TRX_ALL=None)
    )


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    text = replace("IEX_DUNNINGS", "DUNNING_LEVEL", "LEVEL")
    message = refused(extract(tmp_path, IEX_DUNNINGS=text))
    assert "IEX_DUNNINGS.csv" in message
    assert "missing column(s) 'DUNNING_LEVEL'" in message


def test_bad_date_names_file_row_and_column(tmp_path: Path) -> None:
    text = replace("AR_PAYMENT_SCHEDULES_ALL", "11-MAR-24", "31-FEB-24")
    message = refused(extract(tmp_path, AR_PAYMENT_SCHEDULES_ALL=text))
    assert "AR_PAYMENT_SCHEDULES_ALL.csv, row 2, column 'GL_DATE_CLOSED'" in message
    assert "'31-FEB-24' is not a date and time" in message
    text = replace("RA_CUSTOMER_TRX_ALL", "2024-01-15 11:00:00", "someday")
    message = refused(extract(tmp_path / "2", RA_CUSTOMER_TRX_ALL=text))
    assert "RA_CUSTOMER_TRX_ALL.csv, row 3, column 'CREATION_DATE'" in message


def test_missing_required_value_names_the_row(tmp_path: Path) -> None:
    text = replace("RA_CUSTOMER_TRX_ALL", "2024-01-20 16:45:00", "")
    message = refused(extract(tmp_path, RA_CUSTOMER_TRX_ALL=text))
    assert "RA_CUSTOMER_TRX_ALL.csv, row 4: no date (column 'CREATION_DATE')" in message


def test_bad_amount_names_file_row_and_column(tmp_path: Path) -> None:
    text = replace("AR_RECEIVABLE_APPLICATIONS_ALL", "2800.00", "28OO.00")
    message = refused(extract(tmp_path, AR_RECEIVABLE_APPLICATIONS_ALL=text))
    assert "AR_RECEIVABLE_APPLICATIONS_ALL.csv, row 4" in message
    assert "'28OO.00' is not an amount" in message
    assert "column 'AMOUNT_APPLIED'" in message


def test_bad_dunning_level_and_approval_status(tmp_path: Path) -> None:
    text = replace("IEX_DUNNINGS", ",2,01-MAR", ",two,01-MAR")
    message = refused(extract(tmp_path, IEX_DUNNINGS=text))
    assert "IEX_DUNNINGS.csv, row 2: 'two' is not a whole number" in message
    text = replace("APPROVAL_HISTORY", "REJECTED", "BOUNCED")
    message = refused(extract(tmp_path / "2", APPROVAL_HISTORY=text))
    assert "APPROVAL_HISTORY.csv, row 4: 'BOUNCED' is not one of SUBMITTED" in message


def test_duplicate_transaction_number(tmp_path: Path) -> None:
    text = replace("RA_CUSTOMER_TRX_ALL", "300005,INV-1005", "300005,INV-1001")
    message = refused(extract(tmp_path, RA_CUSTOMER_TRX_ALL=text))
    assert "row 5: 'INV-1001' appears more than once" in message


def test_encodings(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="unknown encoding 'klingon'"):
        read_oracle_fusion(FIXTURE, zone=ZONE, encoding="klingon")
    folder = extract(tmp_path)
    parties = folder / "HZ_PARTIES.csv"
    parties.write_bytes(parties.read_text(encoding="utf-8").encode("latin-1"))
    assert "HZ_PARTIES.csv, line 3: bytes that are not utf-8 text" in refused(folder)
    # the whole extract in latin-1 reads with encoding="latin-1"
    for path in folder.iterdir():
        if path.name != "HZ_PARTIES.csv":
            path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    table = oracle_fusion_table(folder, zone=ZONE, as_of=AS_OF, encoding="latin-1")
    assert "Beta Serviços S.A." in table.column("customer").to_pylist()


def test_not_a_folder_and_unknown_zone(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="not a folder of Oracle Fusion CSV exports"):
        read_oracle_fusion(tmp_path / "nowhere")
    with pytest.raises(LogError, match="unknown time zone 'Mars/Olympus'"):
        read_oracle_fusion(FIXTURE, zone="Mars/Olympus")
