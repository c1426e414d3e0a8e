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
    # paid on time; closed by the system note ("Invoice Settled", set by -System-)
    "INV1001": [
        ("Invoice Created", at(1, 5, 9), "Ana Souza"),
        ("Invoice Sent to Customer", at(1, 5, 9, 5), None),
        ("Payment Received", at(2, 1), None),
        ("Payment Applied to Invoice", at(2, 1), None),
        ("Payment Posted", at(2, 1), None),
        ("Invoice Closed", at(2, 1, 16, 10), "-System-"),
    ],
    # paid late: reminder (message after the due date, no level), dunning letter (starts the
    # dunning procedure and is a level-1 reminder), a call on the customer (no transaction) and
    # one on the invoice; closed by its Status (no note)
    "INV1002": [
        ("Invoice Created", at(1, 10, 14, 30), "SYSTEM"),
        ("Invoice Sent to Customer", at(1, 10, 15), None),
        ("Due Date Passed", at(2, 10), None),
        ("Payment Reminder Issued", at(2, 12, 10), None),
        ("Dunning Procedure Initiated", at(2, 20), None),
        ("Payment Reminder Issued", at(2, 20), None),
        ("Collection Call Made", at(2, 25, 11), None),
        ("Collection Call Made", at(3, 1, 14), None),
        ("Payment Received", at(3, 8), None),
        ("Payment Applied to Invoice", at(3, 8), None),
        ("Payment Posted", at(3, 8), None),  # posting period 3/1 starts before the payment
        ("Invoice Closed", at(3, 8), None),
    ],
    # disputed (a "Disputed" checkbox in the system notes, with a reason), credited, paid
    "INV1003": [
        ("Invoice Created", at(1, 15, 11), "Ana Souza"),
        ("Invoice Sent to Customer", at(1, 15, 11, 30), None),
        ("Dispute Registered", at(2, 5, 10), "Julia Rocha"),
        ("Collection Call Made", at(2, 10, 9), None),  # the customer's only open invoice
        ("Due Date Passed", at(2, 15), None),
        ("Credit Note Issued", at(2, 20), None),
        ("Dispute Resolved", at(2, 20, 15), "Julia Rocha"),
        ("Payment Received", at(2, 25), None),
        ("Payment Applied to Invoice", at(2, 25), None),
        ("Invoice Closed", at(2, 25, 17), "SYSTEM"),
        ("Payment Posted", at(2, 29), None),
    ],
    # dunned (two letters), called, written off by a journal entry
    "INV1004": [
        ("Invoice Created", at(1, 20, 16, 45), None),
        ("Invoice Sent to Customer", at(1, 21, 9, 30), None),
        ("Due Date Passed", at(2, 21), None),
        ("Payment Reminder Issued", at(2, 26, 9), None),
        ("Dunning Procedure Initiated", at(3, 5), None),
        ("Payment Reminder Issued", at(3, 5), None),
        ("Payment Reminder Issued", at(3, 20), None),
        ("Collection Call Made", at(3, 25, 10, 15), None),
        ("Invoice Written Off", at(4, 10), None),
    ],
    # open, not yet due
    "INV1005": [("Invoice Created", at(4, 15, 10), "system")],
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
    assert first["business_unit"] == "Fatura Brasil"
    assert "subsidiary" not in log.table.column_names
    assert first["payment_terms"] == "Net 30"
    assert first["amount"] == Decimal("2300.50")  # "2,300.50"
    assert first["invoice_id"] == "5002"
    assert first["due_date"] == dt.date(2024, 2, 9)
    assert first["source_system"] == "NetSuite"
    payment = next(
        r for r in rows if r["activity"] == "Payment Received" and r["case_id"] == "INV1003"
    )
    assert (payment["payment_method"], payment["payment_amount"]) == ("TED", Decimal("4800"))
    levels = [
        (r["case_id"], r["dunning_level"])
        for r in rows
        if r["activity"] == "Payment Reminder Issued"
    ]
    assert levels == [
        ("INV1002", None),
        ("INV1002", 1),
        ("INV1004", None),
        ("INV1004", 1),
        ("INV1004", 2),
    ]
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
        ("Invoice Created", at(1, 13, 21), None),
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
    assert [s[0] for s in got["INV1001"]] == ["Invoice Created", "Due Date Passed"]
    assert [s[0] for s in got["INV1005"]] == ["Invoice Created"]


def test_the_engine_mines_the_imported_log_as_the_expected_events_say(log: EventLog) -> None:
    result = mine(log)
    pairs = Counter(
        (a[0], b[0]) for steps in EXPECTED.values() for a, b in itertools.pairwise(steps)
    )
    assert {(e.source, e.target): e.count for e in result.dfg} == dict(pairs)
    assert result.start_activities == {"Invoice Created": 5}
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


# --- the Credit & Collections template's attributes and odd cases ----------------------------


def test_every_event_keeps_the_source_activity(log: EventLog) -> None:
    pairs = {
        (r["activity"], r["source_activity"])
        for r in log.table.select(["activity", "source_activity"]).to_pylist()
    }
    assert ("Invoice Created", "Invoice Generated") in pairs
    assert ("Invoice Sent to Customer", "Invoice Sent") in pairs
    assert ("Payment Reminder Issued", "Overdue Reminder Sent") in pairs
    assert ("Payment Reminder Issued", "Dunning Procedure Initiated") in pairs  # a letter
    assert ("Invoice Closed", "Invoice Settled") in pairs
    assert all(source for _, source in pairs)


def test_template_attributes_from_the_invoices(log: EventLog) -> None:
    rows = {r["case_id"]: r for r in log.table.to_pylist()}
    got = {
        case: (r["customer_id"], r["segment"], r["business_unit"], r["collector"], r["country"])
        for case, r in rows.items()
    }
    assert got == {
        "INV1001": ("301", "Enterprise", "Fatura Brasil", "Marcos Lima", "BR"),
        # the Collections Owner is the collector, before the Sales Rep
        "INV1002": ("302", "SMB", "Fatura Brasil", "Paula Reis", "BR"),
        "INV1003": ("301", "Enterprise", "Fatura Brasil", "Marcos Lima", "BR"),
        "INV1004": ("303", None, "Fatura US", None, "US"),
        "INV1005": ("302", "SMB", "Fatura Brasil", "Paula Reis", "BR"),
    }


def test_dispute_reason_user_and_automation(log: EventLog) -> None:
    rows = log.table.to_pylist()
    registered = next(r for r in rows if r["activity"] == "Dispute Registered")
    assert (registered["dispute_reason"], registered["resource"]) == (
        "Preço divergente",
        "Julia Rocha",
    )
    # one dispute although two notes (Disputed, Dispute Reason) changed in the same save
    assert sum(r["activity"] == "Dispute Registered" for r in rows) == 1
    automated = {(r["case_id"], r["activity"], r["resource"], r["is_automated"]) for r in rows}
    assert ("INV1001", "Invoice Closed", "-System-", True) in automated
    assert ("INV1003", "Invoice Closed", "SYSTEM", True) in automated
    assert ("INV1002", "Invoice Created", "SYSTEM", True) in automated
    assert ("INV1005", "Invoice Created", "system", True) in automated
    assert ("INV1001", "Invoice Created", "Ana Souza", False) in automated
    assert ("INV1004", "Invoice Created", None, None) in automated  # nobody named: unknown


def test_automation_users_are_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def automated(**options: object) -> set[str]:
        table = netsuite_table(FIXTURE, zone=ZONE, as_of=AS_OF, **options)  # type: ignore[arg-type]
        return {
            r["resource"]
            for r in table.select(["resource", "is_automated"]).to_pylist()
            if r["is_automated"]
        }

    assert automated() == {"-System-", "SYSTEM", "system"}
    assert automated(automation=["julia rocha", "Ana-Souza"]) == {"Julia Rocha", "Ana Souza"}
    monkeypatch.setenv("FATURA_AUTOMATION_USERS", "System, Julia Rocha")
    assert automated() == {"-System-", "SYSTEM", "system", "Julia Rocha"}


def test_posting_lag_and_payment_application(log: EventLog) -> None:
    rows = [r for r in log.table.to_pylist() if r["case_id"] == "INV1003"]
    posted = next(r for r in rows if r["activity"] == "Payment Posted")
    assert posted["posting_lag_days"] == 4  # received 2/25, posting period 2/29
    applied = next(r for r in rows if r["activity"] == "Payment Applied to Invoice")
    assert (applied["payment_amount"], applied["source_activity"]) == (
        Decimal("4800"),
        "Payment Received",
    )
    assert "discount" not in log.table.column_names  # no Discount column: no discount known


ODD = {
    "invoices": (
        "Internal ID,Document Number,Date Created,Date,Due Date,Amount,Status\n"
        "1,A,1/2/2024 9:00 am,1/2/2024,2/1/2024,900.00,Paid In Full\n"
        "2,B,1/3/2024 9:00 am,1/3/2024,2/2/2024,500.00,Open\n"
        "3,C,1/4/2024 9:00 am,1/4/2024,2/3/2024,300.00,Open\n"
    ),
    # A paid in three instalments, the second with a discount
    "customer_payments": (
        "Internal ID,Date,Posting Period Date,Applied To,Amount,Discount\n"
        "11,1/20/2024,1/20/2024,A,300.00,0\n"
        "12,2/20/2024,3/1/2024,A,290.00,10.00\n"
        "13,3/10/2024,3/10/2024,A,300.00,0\n"
    ),
    # one credit memo applied to two invoices; one created from C (no application column value)
    "credit_memos": (
        "Document Number,Applied To,Created From,Date,Amount\n"
        "CM1,Invoice #B,,2/10/2024,100.00\n"
        "CM1,Invoice #C,,2/10/2024,50.00\n"
        "CM2,,Invoice #C,2/12/2024,20.00\n"
    ),
    # dunning without a level is refused; a reason-only dispute opens and closes; approval
    "system_notes": (
        "Record,Field,Old Value,New Value,Date,Set By\n"
        "B,Dispute Reason,,Serviço não prestado,2/5/2024 10:00 am,ana\n"
        "B,Dispute Reason,Serviço não prestado,,2/9/2024 10:00 am,ana\n"
        "C,Approval Status,,Pending Approval,1/4/2024 10:00 am,ana\n"
        "C,Approval Status,Pending Approval,Rejected,1/4/2024 11:00 am,SYSTEM\n"
        "C,Approval Status,Rejected,Pending Approval,1/4/2024 12:00 pm,ana\n"
        "C,APPROVAL STATUS,pending approval,approved,1/4/2024 2:00 pm,gestor\n"
    ),
    "journal_entries": (
        "Document Number,Transaction,Date,Amount,Memo\nJE9,3,4/1/2024,230.00,Bad debt\n"
    ),
    "dunning_letters": None,
    "messages": ("Transaction,Date\nB,2/15/2024 9:00 am\nB,2/25/2024 9:00 am\n"),
    "phone_calls": None,
}


def test_odd_cases(tmp_path: Path) -> None:
    folder = extract(tmp_path, **ODD)
    table = netsuite_table(folder, zone=ZONE, as_of=AS_OF)
    rows = table.to_pylist()
    got = events(EventLog.from_table(table))
    # several instalments: each is received, applied and posted; the invoice closes with
    # the last one (Status Paid In Full, no note)
    paid = ["Payment Received", "Payment Applied to Invoice", "Payment Posted"]
    assert [s[0] for s in got["A"]] == [
        "Invoice Created", *paid, "Due Date Passed", *paid, *paid, "Invoice Closed"
    ]  # fmt: skip
    assert got["A"][-1] == ("Invoice Closed", at(3, 10), None)
    discounts = [r["discount"] for r in rows if r["activity"] == "Payment Applied to Invoice"]
    assert discounts == [Decimal("0"), Decimal("10"), Decimal("0")]
    lags = [r["posting_lag_days"] for r in rows if r["activity"] == "Payment Posted"]
    assert lags == [0, 10, 0]
    # credit memo applications: CM1 credits B and C; CM2 (created from C) credits C
    credits = [
        (r["case_id"], r["document_number"]) for r in rows if r["activity"] == "Credit Note Issued"
    ]
    assert sorted(credits) == [("B", "CM1"), ("C", "CM1"), ("C", "CM2")]
    # a dispute kept only in a reason field, with its reason
    disputes = [
        (r["activity"], r["dispute_reason"]) for r in rows if r["activity"].startswith("Dispute")
    ]
    assert disputes == [
        ("Dispute Registered", "Serviço não prestado"),
        ("Dispute Resolved", "Serviço não prestado"),
    ]
    # messages after the due date are reminders without a level
    reminders = [r for r in rows if r["activity"] == "Payment Reminder Issued"]
    assert [(r["case_id"], r.get("dunning_level")) for r in reminders] == [("B", None), ("B", None)]
    # approval routing in the notes (any case), a rejection first
    assert [s[0] for s in got["C"]][:5] == [
        "Invoice Created",
        "Invoice Sent for Approval",
        "Invoice Rejected",
        "Invoice Sent for Approval",
        "Invoice Approved",
    ]
    # written off by a journal entry naming the invoice's Internal ID
    assert ("Invoice Written Off", at(4, 1), None) in got["C"]


def test_kpis_are_not_empty(log: EventLog) -> None:
    from fatura.mining.kpis import Options, kpis

    result = kpis(log, options=Options(as_of=AS_OF, zone=ZONE))
    assert result["invoice_to_cash_time"].counts == {"paid_cases": 3}
    assert result["invoice_to_cash_time"].value is not None
    assert [row["level"] for row in result["dunning_effectiveness"]] == [1, 2]
    assert result["payment_posting_lag"].counts == {"posted_payments": 3}
    assert result["automation_rate"].counts == {"automated_events": 4, "events": 8}


def test_a_credit_memo_file_needs_the_invoice_column(tmp_path: Path) -> None:
    text = "Document Number,Date,Amount\nCM1,2/20/2024,200.00\n"
    message = refused(extract(tmp_path, credit_memos=text))
    assert "credit_memos.csv" in message
    assert "'Applied To' or 'Created From'" in message
