"""The NetSuite saved-search extract reader: the example extract in tests/fixtures/netsuite gives
exactly the events written below by hand, the engine agrees with them, and every refusal names
the file, row and column."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from fatura.mining.engine import mine
from fatura.mining.errors import LogError
from fatura.mining.log import EventLog
from fatura.mining.readers.netsuite import netsuite_table, read_netsuite

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "netsuite"
ZONE = "America/Sao_Paulo"
BRT = dt.timezone(dt.timedelta(hours=-3))
AS_OF = dt.datetime(2024, 4, 30, tzinfo=BRT)


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, minute, tzinfo=BRT)


EXPECTED: dict[str, list[tuple[str, dt.datetime, str | None]]] = {
    # paid on time; settled by the system note
    "INV1001": [
        ("Invoice Generated", at(1, 5, 9), None),
        ("Invoice Sent", at(1, 5, 9, 5), None),
        ("Payment Received", at(2, 1), None),
        ("Payment Posted", at(2, 1), None),
        ("Invoice Settled", at(2, 1, 16, 10), "System"),
    ],
    # paid late: reminder (message after the due date), dunning letter, a call on the
    # customer (no transaction) and one on the invoice; settled by its Status (no note)
    "INV1002": [
        ("Invoice Generated", at(1, 10, 14, 30), None),
        ("Invoice Sent", at(1, 10, 15), None),
        ("Due Date Passed", at(2, 10), None),
        ("Overdue Reminder Sent", at(2, 12, 10), None),
        ("Dunning Procedure Initiated", at(2, 20), None),
        ("Collection Call Made", at(2, 25, 11), None),
        ("Collection Call Made", at(3, 1, 14), None),
        ("Payment Received", at(3, 8), None),
        ("Payment Posted", at(3, 8), None),  # posting period 3/1 starts before the payment
        ("Invoice Settled", at(3, 8), None),
    ],
    # disputed (a "Disputed" checkbox in the system notes), credited, paid
    "INV1003": [
        ("Invoice Generated", at(1, 15, 11), None),
        ("Invoice Sent", at(1, 15, 11, 30), None),
        ("Dispute Registered", at(2, 5, 10), "Julia Rocha"),
        ("Collection Call Made", at(2, 10, 9), None),  # the customer's only open invoice
        ("Due Date Passed", at(2, 15), None),
        ("Credit Note Issued", at(2, 20), None),
        ("Dispute Resolved", at(2, 20, 15), "Julia Rocha"),
        ("Payment Received", at(2, 25), None),
        ("Invoice Settled", at(2, 25, 17), "System"),
        ("Payment Posted", at(2, 29), None),
    ],
    # dunned, called, written off by a journal entry
    "INV1004": [
        ("Invoice Generated", at(1, 20, 16, 45), None),
        ("Invoice Sent", at(1, 21, 9, 30), None),
        ("Due Date Passed", at(2, 21), None),
        ("Overdue Reminder Sent", at(2, 26, 9), None),
        ("Dunning Procedure Initiated", at(3, 5), None),
        ("Dunning Procedure Initiated", at(3, 20), None),
        ("Collection Call Made", at(3, 25, 10, 15), None),
        ("Invoice Written Off", at(4, 10), None),
    ],
    # open, not yet due
    "INV1005": [("Invoice Generated", at(4, 15, 10), None)],
}


def events(log: EventLog) -> dict[str, list[tuple[str, dt.datetime, str | None]]]:
    cases: dict[str, list[tuple[str, dt.datetime, str | None]]] = {}
    for row in log.table.select(["case_id", "activity", "timestamp", "resource"]).to_pylist():
        cases.setdefault(row["case_id"], []).append(
            (row["activity"], row["timestamp"], row["resource"])
        )
    return cases


def extract(tmp_path: Path, **changes: str | None) -> Path:
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


def refused(folder: Path) -> str:
    with pytest.raises(LogError) as error:
        read_netsuite(folder, zone=ZONE, as_of=AS_OF)
    return str(error.value)


@pytest.fixture(scope="module")
def log() -> EventLog:
    return read_netsuite(FIXTURE, zone=ZONE, as_of=AS_OF)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_case_has_exactly_the_expected_events(log: EventLog, case: str) -> None:
    assert events(log)[case] == EXPECTED[case]


def test_no_other_cases_or_events(log: EventLog) -> None:
    # the payment applied to INV0999 (not in invoices.csv) is skipped
    assert log.cases == len(EXPECTED)
    assert log.events == sum(len(v) for v in EXPECTED.values())


def test_attributes(log: EventLog) -> None:
    rows = log.table.to_pylist()
    first = next(r for r in rows if r["case_id"] == "INV1002")
    assert first["customer"] == "Beta Serviços S.A."
    assert first["subsidiary"] == "Fatura Brasil"
    assert first["payment_terms"] == "Net 30"
    assert first["amount"] == Decimal("2300.50")  # "2,300.50"
    assert first["invoice_id"] == "5002"
    assert first["due_date"] == dt.date(2024, 2, 9)
    assert first["source_system"] == "NetSuite"
    payment = next(
        r for r in rows if r["activity"] == "Payment Received" and r["case_id"] == "INV1003"
    )
    assert (payment["payment_method"], payment["payment_amount"]) == ("TED", Decimal("4800"))
    levels = [r["dunning_level"] for r in rows if r["activity"] == "Dunning Procedure Initiated"]
    assert levels == [1, 1, 2]
    note = next(r for r in rows if r["activity"] == "Dispute Registered")
    assert (note["note_field"], note["note_old_value"], note["note_new_value"]) == (
        "Disputed",
        "F",
        "T",
    )


def test_dispute_by_status_change(tmp_path: Path) -> None:
    notes = (
        "Record,Field,Old Value,New Value,Date,Set By\n"
        "INV1002,Status,Open,Disputed,2/1/2024 10:00 am,Ana\n"
        "INV1002,Status,Disputed,Open,2/3/2024 10:00 am,Ana\n"
        "INV1002,Status,Open,Open,2/4/2024 10:00 am,Ana\n"
    )
    got = events(read_netsuite(extract(tmp_path, system_notes=notes), zone=ZONE, as_of=AS_OF))
    assert [s for s in got["INV1002"] if s[0].startswith("Dispute")] == [
        ("Dispute Registered", at(2, 1, 10), "Ana"),
        ("Dispute Resolved", at(2, 3, 10), "Ana"),
    ]


def test_day_first_dates(tmp_path: Path) -> None:
    folder = tmp_path / "dmy"
    folder.mkdir()
    (folder / "invoices.csv").write_text(
        "Internal ID,Document Number,Date Created,Due Date\n1,A,13/01/2024 9:00 pm,12/02/2024\n",
        encoding="utf-8",
    )
    got = events(read_netsuite(folder, zone=ZONE, day_first=True, as_of=AS_OF))
    assert got["A"] == [
        ("Invoice Generated", at(1, 13, 21), None),
        ("Due Date Passed", at(2, 13), None),
    ]
    assert "row 1, column 'Date Created'" in refused(folder)  # 13 is not a month


def test_only_invoices(tmp_path: Path) -> None:
    optional = [
        "system_notes",
        "customer_payments",
        "credit_memos",
        "messages",
        "phone_calls",
        "dunning_letters",
        "journal_entries",
    ]
    got = events(
        read_netsuite(extract(tmp_path, **dict.fromkeys(optional)), zone=ZONE, as_of=AS_OF)
    )
    # nothing says when the paid ones were paid: every invoice due before 30 April is overdue
    assert [s[0] for s in got["INV1001"]] == ["Invoice Generated", "Due Date Passed"]
    assert [s[0] for s in got["INV1005"]] == ["Invoice Generated"]


def test_the_engine_mines_the_imported_log_as_the_expected_events_say(log: EventLog) -> None:
    result = mine(log)
    pairs = Counter(
        (a[0], b[0]) for steps in EXPECTED.values() for a, b in itertools.pairwise(steps)
    )
    assert {(e.source, e.target): e.count for e in result.dfg} == dict(pairs)
    assert result.start_activities == {"Invoice Generated": 5}
    variants = Counter(tuple(s[0] for s in steps) for steps in EXPECTED.values())
    assert dict(result.variants) == dict(variants)
    assert mine(log, engine="duckdb").to_json() == result.to_json()


def test_table_is_the_log_source() -> None:
    table = netsuite_table(FIXTURE, zone=ZONE, as_of=AS_OF)
    assert table.column_names[:4] == ["case_id", "activity", "timestamp", "resource"]
    assert table.num_rows == sum(len(v) for v in EXPECTED.values())


# --- refusals ---------------------------------------------------------------------------------


def test_missing_invoices_file(tmp_path: Path) -> None:
    message = refused(extract(tmp_path, invoices=None))
    assert "missing required file invoices.csv" in message
    assert "Document Number" in message


def test_missing_column(tmp_path: Path) -> None:
    text = replace("customer_payments", "Applied To", "Applied")
    message = refused(extract(tmp_path, customer_payments=text))
    assert "customer_payments.csv" in message
    assert "missing column(s) 'Applied To'" in message


def test_bad_date_names_row_and_column(tmp_path: Path) -> None:
    text = replace("messages", "2/12/2024 10:00 am", "2/30/2024 10:00 am")
    message = refused(extract(tmp_path, messages=text))
    assert "messages.csv, row 5, column 'Date'" in message
    assert "'2/30/2024 10:00 am' is not a date and time" in message
    text = replace("phone_calls", "3/1/2024 2:00 pm", "3/1/2024 14:00 pm")
    message = refused(extract(tmp_path / "2", phone_calls=text))
    assert "phone_calls.csv, row 3, column 'Date'" in message


def test_bad_amount_and_level(tmp_path: Path) -> None:
    text = replace("invoices", '"5,000.00"', "5.000,00")
    message = refused(extract(tmp_path, invoices=text.replace("5.000,00", '"5.000,00"')))
    assert "invoices.csv, row 3: '5.000,00' is not an amount" in message
    assert "column 'Amount'" in message
    text = replace("dunning_letters", "3/20/2024,2", "3/20/2024,second")
    message = refused(extract(tmp_path / "2", dunning_letters=text))
    assert "dunning_letters.csv, row 3: 'second' is not a whole number (column 'Level')" in message


def test_duplicate_document_number(tmp_path: Path) -> None:
    text = replace("invoices", "5005,INV1005", "5005,INV1004")
    assert "invoices.csv, row 5: 'INV1004' appears more than once" in refused(
        extract(tmp_path, invoices=text)
    )


def test_as_of_must_be_aware() -> None:
    with pytest.raises(LogError, match="timezone-aware"):
        read_netsuite(FIXTURE, zone=ZONE, as_of=dt.datetime(2024, 4, 30))
