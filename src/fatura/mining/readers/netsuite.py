"""NetSuite saved-search CSV exports -> the credit-and-collections event log.

A folder with ``invoices.csv`` (required) and any of ``system_notes.csv``,
``customer_payments.csv``, ``credit_memos.csv``, ``messages.csv``, ``phone_calls.csv``,
``dunning_letters.csv``, ``journal_entries.csv`` (file names without case). One case per
invoice, named by its Document Number. Other files name the invoice in a transaction column
(``Applied To``, ``Created From``, ``Transaction``, ``Record``) by Document Number, Internal
ID, or NetSuite's display text ``Invoice #INV1001``; rows naming no invoice of the extract are
skipped. The mapping is documented in ``docs/erp-mappings.md``.

Pure: reads files, returns an :class:`EventLog` (or the canonical table); writes nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.log import CASE, TIMESTAMP, EventLog
from fatura.mining.readers.erp_common import (
    Extract,
    Sheet,
    assemble,
    block,
    cutoff,
    day_after,
    latest,
    local_dates,
    per_case,
    per_key,
    refuse_duplicates,
)
from fatura.mining.timestamps import UTC_US

SYSTEM = "NetSuite"
GENERATED = "Invoice Generated"
SENT = "Invoice Sent"
DUE_DATE_PASSED = "Due Date Passed"
REMINDER = "Overdue Reminder Sent"
DUNNING = "Dunning Procedure Initiated"
CALL = "Collection Call Made"
DISPUTE_REGISTERED = "Dispute Registered"
DISPUTE_RESOLVED = "Dispute Resolved"
CREDIT_NOTE = "Credit Note Issued"
PAYMENT_RECEIVED = "Payment Received"
PAYMENT_POSTED = "Payment Posted"
WRITTEN_OFF = "Invoice Written Off"
SETTLED = "Invoice Settled"

INVOICES = "invoices.csv"
NOTES = "system_notes.csv"
PAYMENTS = "customer_payments.csv"
CREDIT_MEMOS = "credit_memos.csv"
MESSAGES = "messages.csv"
CALLS = "phone_calls.csv"
DUNNING_LETTERS = "dunning_letters.csv"
JOURNALS = "journal_entries.csv"

# file -> (required columns, optional columns); a missing optional file is fine
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    INVOICES: (
        ("Internal ID", "Document Number", "Date Created", "Due Date"),
        ("Date", "Terms", "Customer", "Subsidiary", "Amount", "Status"),
    ),
    NOTES: (("Record", "Field", "Old Value", "New Value", "Date"), ("Set By",)),
    PAYMENTS: (
        ("Date", "Applied To"),
        ("Internal ID", "Posting Period Date", "Amount", "Payment Method"),
    ),
    CREDIT_MEMOS: (("Created From", "Date"), ("Document Number", "Amount")),
    MESSAGES: (("Transaction", "Date"), ()),
    CALLS: (("Transaction", "Date"), ("Customer",)),
    DUNNING_LETTERS: (("Transaction", "Date", "Level"), ()),
    JOURNALS: (("Transaction", "Date"), ("Document Number", "Amount", "Memo")),
}
PAID = ("PAID IN FULL", "PAID")
_DISPUTE = "(?i)disput"
_FALSE = ("", "F", "FALSE", "N", "NO", "UNCHECKED", "0")
NO_TEXT = pa.scalar(None, pa.string())


def read_netsuite(
    folder: str | Path,
    *,
    zone: str | None = None,
    as_of: dt.datetime | None = None,
    encoding: str = "utf-8",
    day_first: bool = False,
) -> EventLog:
    """The extract in ``folder`` as an ordered event log (see :func:`netsuite_table`)."""
    table = netsuite_table(folder, zone=zone, as_of=as_of, encoding=encoding, day_first=day_first)
    return EventLog.from_table(table, name=str(folder))


def netsuite_table(
    folder: str | Path,
    *,
    zone: str | None = None,
    as_of: dt.datetime | None = None,
    encoding: str = "utf-8",
    day_first: bool = False,
) -> pa.Table:
    """The canonical event table. ``zone``: the zone of the exports' dates (NetSuite writes
    them in the exporting user's zone, without an offset). ``as_of``: when the extract was
    taken (default: its latest date). ``day_first``: dates written D/M/YYYY (a NetSuite
    preference) instead of M/D/YYYY."""
    extract = Extract(folder, system=SYSTEM, zone=zone, encoding=encoding, day_first=day_first)
    invoices = extract.require(INVOICES, *TABLES[INVOICES], what="the invoices")
    number = invoices.filled("Document Number")
    internal = invoices.filled("Internal ID")
    refuse_duplicates(invoices, number, "Document Number", "invoice")
    refuse_duplicates(invoices, internal, "Internal ID", "invoice")
    due = invoices.dates("Due Date", required=True)
    passed_at = day_after(due, extract.zone)
    refs = _References(number, internal)

    notes = extract.sheet(NOTES, *TABLES[NOTES])
    registered, resolved, settled_notes = _notes(notes, refs)
    payments = _payments(extract.sheet(PAYMENTS, *TABLES[PAYMENTS]), refs)
    credits = _dated(extract, CREDIT_MEMOS, "Created From", CREDIT_NOTE, refs, "Amount")
    written_off = _dated(extract, JOURNALS, "Transaction", WRITTEN_OFF, refs, "Amount")

    # "Invoice Settled": a system note setting Status to Paid In Full; without one, an invoice
    # whose Status is Paid In Full settles with its last payment or credit memo
    status = pc.utf8_upper(invoices.text("Status"))
    paid = pc.fill_null(pc.is_in(status, pa.array(PAID)), False)
    last_money = per_case([*payments, *credits], number, "max")
    noted = per_key(
        settled_notes.column(CASE).combine_chunks(),
        settled_notes.column(TIMESTAMP).combine_chunks(),
        number,
        "min",
    )
    settled = [
        settled_notes,
        block(number, SETTLED, last_money, keep=pc.and_(paid, pc.is_null(noted))),
    ]
    ended = per_case([*settled, *written_off], number, "min")

    blocks = [block(number, GENERATED, invoices.dates("Date Created", required=True))]
    blocks += _messages(extract, refs, passed_at)
    due_at = len(blocks)
    blocks += _dunning(extract, refs)
    blocks += _calls(extract, refs, invoices, blocks[0], ended)
    blocks += [registered, resolved, *credits, *payments, *written_off, *settled]

    limit = cutoff(as_of, blocks)
    unpaid = pc.or_kleene(pc.is_null(ended), pc.greater_equal(ended, passed_at))
    keep = pc.and_(pc.fill_null(unpaid, False), pc.less_equal(passed_at, limit))
    blocks.insert(due_at, block(number, DUE_DATE_PASSED, passed_at, keep=keep))

    zone = extract.zone
    cases = pa.table(
        {
            CASE: number,
            "invoice_number": number,
            "invoice_id": internal,
            "customer": invoices.text("Customer"),
            "subsidiary": invoices.text("Subsidiary"),
            "payment_terms": invoices.text("Terms"),
            "amount": invoices.amounts("Amount"),
            "status": invoices.text("Status"),
            "invoice_date": local_dates(invoices.dates("Date"), zone),
            "due_date": local_dates(due, zone),
        }
    )
    return assemble(blocks, cases, system=SYSTEM)


class _References:
    """Resolves a transaction column to the invoice's Document Number."""

    def __init__(self, number: pa.Array, internal: pa.Array) -> None:
        self.number = number
        self.internal = internal

    def case(self, sheet: Sheet, column: str) -> pa.Array:
        text = pc.replace_substring_regex(sheet.text(column), r"^[^#]*#\s*", "")
        where = pc.coalesce(
            pc.index_in(text, value_set=self.number), pc.index_in(text, value_set=self.internal)
        )
        return self.number.take(where)


def _notes(notes: Sheet | None, refs: _References) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Dispute and settlement changes in the system notes (rule in docs/erp-mappings.md)."""
    if notes is None:
        empty = block(pa.nulls(0, pa.string()), "", pa.nulls(0, UTC_US))
        return empty, empty, empty
    case = refs.case(notes, "Record")
    field = pc.utf8_upper(notes.filled("Field"))
    old = pc.fill_null(pc.utf8_upper(notes.text("Old Value")), "")
    new = pc.fill_null(pc.utf8_upper(notes.text("New Value")), "")
    at = notes.dates("Date", required=True)
    is_status = pc.equal(field, "STATUS")
    is_flag = pc.and_(pc.invert(is_status), pc.match_substring_regex(field, _DISPUTE))
    old_disputed = pc.if_else(
        is_status,
        pc.match_substring_regex(old, _DISPUTE),
        pc.invert(pc.is_in(old, pa.array(_FALSE))),
    )
    new_disputed = pc.if_else(
        is_status,
        pc.match_substring_regex(new, _DISPUTE),
        pc.invert(pc.is_in(new, pa.array(_FALSE))),
    )
    about = pc.or_(is_flag, is_status)
    opened = pc.and_(about, pc.and_(new_disputed, pc.invert(old_disputed)))
    closed = pc.and_(about, pc.and_(old_disputed, pc.invert(new_disputed)))
    paid_set = pa.array(PAID)
    paid = pc.and_(is_status, pc.and_(pc.is_in(new, paid_set), pc.invert(pc.is_in(old, paid_set))))
    attributes = {
        "resource": notes.text("Set By"),
        "note_field": notes.text("Field"),
        "note_old_value": notes.text("Old Value"),
        "note_new_value": notes.text("New Value"),
    }
    return (
        block(case, DISPUTE_REGISTERED, at, keep=opened, **attributes),
        block(case, DISPUTE_RESOLVED, at, keep=closed, **attributes),
        block(case, SETTLED, at, keep=paid, **attributes),
    )


def _payments(sheet: Sheet | None, refs: _References) -> list[pa.Table]:
    """One row per application: "Payment Received" at Date; "Payment Posted" at the Posting
    Period Date (not before Date: a period can start before the payment arrived)."""
    if sheet is None:
        return []
    case = refs.case(sheet, "Applied To")
    received = sheet.dates("Date", required=True)
    posted = sheet.dates("Posting Period Date")
    posted = pc.if_else(pc.is_valid(posted), latest(received, posted), posted)
    attributes = {
        "payment_id": sheet.text("Internal ID"),
        "payment_amount": sheet.amounts("Amount"),
        "payment_method": sheet.text("Payment Method"),
    }
    return [
        block(case, PAYMENT_RECEIVED, received, **attributes),
        block(case, PAYMENT_POSTED, posted, **attributes),
    ]


def _dated(
    extract: Extract, name: str, column: str, activity: str, refs: _References, amount: str
) -> list[pa.Table]:
    sheet = extract.sheet(name, *TABLES[name])
    if sheet is None:
        return []
    key = "credit_amount" if activity == CREDIT_NOTE else "write_off_amount"
    return [
        block(
            refs.case(sheet, column),
            activity,
            sheet.dates("Date", required=True),
            document_number=sheet.text("Document Number"),
            **{key: sheet.amounts(amount)},
        )
    ]


def _messages(extract: Extract, refs: _References, passed_at: pa.Array) -> list[pa.Table]:
    """A message up to the end of the due date sends the invoice; a later one is a reminder."""
    sheet = extract.sheet(MESSAGES, *TABLES[MESSAGES])
    if sheet is None:
        return []
    case = refs.case(sheet, "Transaction")
    at = sheet.dates("Date", required=True)
    late = pc.greater_equal(at, passed_at.take(pc.index_in(case, value_set=refs.number)))
    return [
        block(case, SENT, at, keep=pc.invert(late)),
        block(case, REMINDER, at, keep=late),
    ]


def _dunning(extract: Extract, refs: _References) -> list[pa.Table]:
    sheet = extract.sheet(DUNNING_LETTERS, *TABLES[DUNNING_LETTERS])
    if sheet is None:
        return []
    return [
        block(
            refs.case(sheet, "Transaction"),
            DUNNING,
            sheet.dates("Date", required=True),
            dunning_level=sheet.integers("Level", required=True),
        )
    ]


def _calls(
    extract: Extract,
    refs: _References,
    invoices: Sheet,
    generated: pa.Table,
    ended: pa.Array,
) -> list[pa.Table]:
    """Calls on an invoice belong to it; a call with no Transaction belongs to every invoice
    of its Customer open at the time (generated, not yet settled or written off)."""
    sheet = extract.sheet(CALLS, *TABLES[CALLS])
    if sheet is None:
        return []
    at = sheet.dates("Date", required=True)
    direct = block(refs.case(sheet, "Transaction"), CALL, at)
    loose = pa.table(
        {
            "row": pa.array(range(sheet.rows), pa.int64()),
            "customer": sheet.text("Customer"),
            "at": at,
        }
    ).filter(pc.and_(pc.is_null(sheet.text("Transaction")), pc.is_valid(sheet.text("Customer"))))
    open_from = generated.column(TIMESTAMP).combine_chunks()
    owners = pa.table(
        {
            "customer": invoices.text("Customer"),
            CASE: refs.number,
            "from": open_from.take(pc.index_in(refs.number, generated.column(CASE))),
            "until": ended,
        }
    ).filter(pc.is_valid(invoices.text("Customer")))
    pairs = loose.join(owners, "customer", join_type="inner")
    pairs = pairs.sort_by([("row", "ascending"), (CASE, "ascending")])
    within = pc.and_kleene(
        pc.greater_equal(pairs.column("at"), pairs.column("from")),
        pc.or_kleene(
            pc.is_null(pairs.column("until")), pc.less(pairs.column("at"), pairs.column("until"))
        ),
    )
    pairs = pairs.filter(pc.fill_null(within, False))
    found = block(pairs.column(CASE).combine_chunks(), CALL, pairs.column("at").combine_chunks())
    return [direct, found]
