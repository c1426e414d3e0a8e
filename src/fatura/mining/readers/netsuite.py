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
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.errors import LogError
from fatura.mining.log import CASE, RESOURCE, TIMESTAMP, EventLog
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
# Fatura's activities (fatura.eventlog.activities; the analysis vocabulary, docs/decisions/0030)
CREATED = "Invoice Created"
SENT = "Invoice Sent to Customer"
DUE_DATE_PASSED = "Due Date Passed"
REMINDER = "Payment Reminder Issued"
DUNNING = "Dunning Procedure Initiated"
CALL = "Collection Call Made"
SENT_FOR_APPROVAL = "Invoice Sent for Approval"
APPROVED = "Invoice Approved"
REJECTED = "Invoice Rejected"
DISPUTE_REGISTERED = "Dispute Registered"
DISPUTE_RESOLVED = "Dispute Resolved"
CREDIT_NOTE = "Credit Note Issued"
PAYMENT_RECEIVED = "Payment Received"
PAYMENT_APPLIED = "Payment Applied to Invoice"
PAYMENT_POSTED = "Payment Posted"
WRITTEN_OFF = "Invoice Written Off"
CLOSED = "Invoice Closed"
# the NetSuite template's names, kept on each event as ``source_activity``
SOURCE_NAMES = {
    CREATED: "Invoice Generated",
    SENT: "Invoice Sent",
    REMINDER: "Overdue Reminder Sent",
    CLOSED: "Invoice Settled",
    PAYMENT_APPLIED: "Payment Received",
}
DUNNING_LETTER = "Dunning Procedure Initiated"  # the template's name of a dunning letter
# users whose changes are automated (compared without case, blanks or dashes: "-System-")
AUTOMATION_USERS_ENV = "FATURA_AUTOMATION_USERS"
DEFAULT_AUTOMATION_USERS = ("system",)

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
        (
            "Date",
            "Terms",
            "Customer",
            "Customer Internal ID",
            "Customer Category",
            "Subsidiary",
            "Sales Rep",
            "Collections Owner",
            "Country",
            "Amount",
            "Status",
            "Currency",
            "Created By",
        ),
    ),
    NOTES: (("Record", "Field", "Old Value", "New Value", "Date"), ("Set By",)),
    PAYMENTS: (
        ("Date", "Applied To"),
        (
            "Internal ID",
            "Posting Period Date",
            "Amount",
            "Discount",
            "Payment Method",
            "Created By",
        ),
    ),
    CREDIT_MEMOS: (
        ("Date",),
        ("Created From", "Applied To", "Document Number", "Amount", "Created By"),
    ),
    MESSAGES: (("Transaction", "Date"), ("Author",)),
    CALLS: (("Transaction", "Date"), ("Customer", "Organizer")),
    DUNNING_LETTERS: (("Transaction", "Date", "Level"), ()),
    JOURNALS: (("Transaction", "Date"), ("Document Number", "Amount", "Memo", "Created By")),
}
PAID = ("PAID IN FULL", "PAID")
# the Approval Status of an invoice with approval routing -> Fatura's activity
APPROVALS = {
    "PENDING APPROVAL": SENT_FOR_APPROVAL,
    "APPROVED": APPROVED,
    "REJECTED": REJECTED,
}
_DISPUTE = "(?i)disput"
_REASON = "(?i)reason"
_FALSE = ("", "F", "FALSE", "N", "NO", "UNCHECKED", "0")
NO_TEXT = pa.scalar(None, pa.string())
DAY_US = 86_400_000_000


def automation_users(users: Iterable[str] | None = None) -> tuple[str, ...]:
    """The users whose changes count as automated: ``users``, else the comma-separated
    ``FATURA_AUTOMATION_USERS`` environment variable, else ``system``; compared without case,
    blanks or dashes (NetSuite writes ``-System-``)."""
    if users is None:
        env = os.environ.get(AUTOMATION_USERS_ENV, "")
        users = [u for u in env.split(",") if u.strip()] or DEFAULT_AUTOMATION_USERS
    return tuple(sorted({_user_key(u) for u in users if _user_key(u)}))


def _user_key(user: str) -> str:
    return re.sub(r"[\s\-_]+", "", user).casefold()


def read_netsuite(
    folder: str | Path,
    *,
    zone: str | None = None,
    as_of: dt.datetime | None = None,
    encoding: str = "utf-8",
    day_first: bool = False,
    automation: Iterable[str] | None = None,
) -> EventLog:
    """The extract in ``folder`` as an ordered event log (see :func:`netsuite_table`)."""
    table = netsuite_table(
        folder,
        zone=zone,
        as_of=as_of,
        encoding=encoding,
        day_first=day_first,
        automation=automation,
    )
    return EventLog.from_table(table, name=str(folder))


def netsuite_table(
    folder: str | Path,
    *,
    zone: str | None = None,
    as_of: dt.datetime | None = None,
    encoding: str = "utf-8",
    day_first: bool = False,
    automation: Iterable[str] | None = None,
) -> pa.Table:
    """The canonical event table. ``zone``: the zone of the exports' dates (NetSuite writes
    them in the exporting user's zone, without an offset). ``as_of``: when the extract was
    taken (default: its latest date). ``day_first``: dates written D/M/YYYY (a NetSuite
    preference) instead of M/D/YYYY. ``automation``: the users whose changes are automated
    (default: :func:`automation_users`)."""
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
    approvals = _approvals(notes, refs)
    payments = _payments(extract.sheet(PAYMENTS, *TABLES[PAYMENTS]), refs, extract.zone)
    credits = _credits(extract, refs)
    written_off = _written_off(extract, refs)

    # "Invoice Closed" (NetSuite's "Invoice Settled"): a system note setting Status to Paid In
    # Full; without one, an invoice whose Status is Paid In Full closes with its last payment
    # or credit memo
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
        _block(number, CLOSED, last_money, keep=pc.and_(paid, pc.is_null(noted))),
    ]
    ended = per_case([*settled, *written_off], number, "min")

    created = invoices.dates("Date Created", required=True)
    blocks = [_block(number, CREATED, created, resource=invoices.text("Created By"))]
    blocks += approvals
    blocks += _messages(extract, refs, passed_at)
    due_at = len(blocks)
    blocks += _dunning(extract, refs)
    blocks += _calls(extract, refs, invoices, blocks[0], ended)
    blocks += [registered, resolved, *credits, *payments, *written_off, *settled]

    limit = cutoff(as_of, blocks)
    unpaid = pc.or_kleene(pc.is_null(ended), pc.greater_equal(ended, passed_at))
    keep = pc.and_(pc.fill_null(unpaid, False), pc.less_equal(passed_at, limit))
    blocks.insert(due_at, _block(number, DUE_DATE_PASSED, passed_at, keep=keep))

    zone = extract.zone
    collector = pc.coalesce(invoices.text("Collections Owner"), invoices.text("Sales Rep"))
    cases = pa.table(
        {
            CASE: number,
            "invoice_number": number,
            "invoice_id": internal,
            "customer_id": invoices.text("Customer Internal ID"),
            "customer": invoices.text("Customer"),
            "segment": invoices.text("Customer Category"),
            "business_unit": invoices.text("Subsidiary"),
            "collector": collector,
            "country": invoices.text("Country"),
            "payment_terms": invoices.text("Terms"),
            "currency": invoices.text("Currency"),
            "amount": invoices.amounts("Amount"),
            "status": invoices.text("Status"),
            "invoice_date": local_dates(invoices.dates("Date"), zone),
            "due_date": local_dates(due, zone),
        }
    )
    table = assemble(blocks, cases, system=SYSTEM)
    return _with_automation(table, automation_users(automation))


def _block(
    case: pa.Array,
    activity: str,
    timestamp: pa.Array,
    *,
    source: str | None = None,
    resource: pa.Array | None = None,
    keep: pa.Array | None = None,
    **attributes: pa.Array,
) -> pa.Table:
    """A block of Fatura's ``activity`` with the template's name as ``source_activity``."""
    name = source or SOURCE_NAMES.get(activity, activity)
    return block(
        case,
        activity,
        timestamp,
        resource=resource,
        keep=keep,
        source_activity=pa.array([name] * len(case), pa.string()),
        **attributes,
    )


def _with_automation(table: pa.Table, users: tuple[str, ...]) -> pa.Table:
    """``is_automated``: the event's user is an automation user (null: no user named)."""
    resource = table.column(RESOURCE).combine_chunks()
    key = pc.utf8_lower(pc.replace_substring_regex(resource, r"[\s\-_]+", ""))
    automated = pc.is_in(key, pa.array(list(users), pa.string()))
    automated = pc.if_else(pc.is_valid(resource), automated, pa.scalar(None, pa.bool_()))
    return table.append_column("is_automated", automated)


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
        empty = _block(pa.nulls(0, pa.string()), "", pa.nulls(0, UTC_US))
        return empty, empty, empty
    case = refs.case(notes, "Record")
    field = pc.utf8_upper(notes.filled("Field"))
    old = pc.fill_null(pc.utf8_upper(notes.text("Old Value")), "")
    new = pc.fill_null(pc.utf8_upper(notes.text("New Value")), "")
    at = notes.dates("Date", required=True)
    is_status = pc.equal(field, "STATUS")
    is_flag = pc.and_(pc.invert(is_status), pc.match_substring_regex(field, _DISPUTE))
    is_reason = pc.and_(is_flag, pc.match_substring_regex(field, _REASON))
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
    # a reason field opens/closes a dispute only on invoices with no other dispute note
    status_dispute = pc.or_(
        pc.match_substring_regex(old, _DISPUTE), pc.match_substring_regex(new, _DISPUTE)
    )
    other = pc.or_(pc.and_(is_flag, pc.invert(is_reason)), pc.and_(is_status, status_dispute))
    has_other = per_key(case, pc.cast(other, pa.int64()), refs.number, "max")
    has_other = pc.fill_null(has_other.take(pc.index_in(case, value_set=refs.number)), 0)
    about = pc.or_(pc.and_(is_flag, pc.invert(is_reason)), is_status)
    about = pc.or_(about, pc.and_(is_reason, pc.equal(has_other, 0)))
    opened = pc.and_(about, pc.and_(new_disputed, pc.invert(old_disputed)))
    closed = pc.and_(about, pc.and_(old_disputed, pc.invert(new_disputed)))
    paid_set = pa.array(PAID)
    paid = pc.and_(is_status, pc.and_(pc.is_in(new, paid_set), pc.invert(pc.is_in(old, paid_set))))
    reason = _reasons(case, at, pc.and_(is_reason, pc.is_valid(notes.text("New Value"))), notes)
    attributes = {
        "resource": notes.text("Set By"),
        "note_field": notes.text("Field"),
        "note_old_value": notes.text("Old Value"),
        "note_new_value": notes.text("New Value"),
    }
    return (
        _block(case, DISPUTE_REGISTERED, at, keep=opened, dispute_reason=reason, **attributes),
        _block(case, DISPUTE_RESOLVED, at, keep=closed, dispute_reason=reason, **attributes),
        _block(case, CLOSED, at, keep=paid, **attributes),
    )


def _approvals(notes: Sheet | None, refs: _References) -> list[pa.Table]:
    """Approval routing: a note setting the Approval Status to Pending Approval / Approved /
    Rejected (without case)."""
    if notes is None:
        return []
    field = pc.utf8_upper(notes.filled("Field"))
    new = pc.utf8_upper(notes.text("New Value"))
    is_approval = pc.equal(field, "APPROVAL STATUS")
    case = refs.case(notes, "Record")
    at = notes.dates("Date", required=True)
    return [
        _block(
            case,
            activity,
            at,
            resource=notes.text("Set By"),
            keep=pc.and_(is_approval, pc.equal(new, status)),
            approval_status=notes.text("New Value"),
        )
        for status, activity in APPROVALS.items()
    ]


def _reasons(case: pa.Array, at: pa.Array, is_reason: pa.Array, notes: Sheet) -> pa.Array:
    """Per note: the value of the invoice's latest dispute-reason note at or before it (a
    save writes all its notes at one instant)."""
    rows = pa.table(
        {"row": pa.array(range(notes.rows), pa.int64()), CASE: case, "at": at.cast(pa.int64())}
    ).filter(pc.is_valid(case))
    reasons = pa.table(
        {
            CASE: case,
            "reason_at": at.cast(pa.int64()),
            "reason": notes.text("New Value"),
        }
    ).filter(pc.fill_null(pc.and_(is_reason, pc.is_valid(case)), False))
    if not reasons.num_rows:
        return pa.nulls(notes.rows, pa.string())
    pairs = rows.join(reasons, CASE, join_type="inner")
    pairs = pairs.filter(pc.less_equal(pairs.column("reason_at"), pairs.column("at")))
    pairs = pairs.sort_by([("row", "ascending"), ("reason_at", "ascending")])
    last = pairs.group_by("row", use_threads=False).aggregate([("reason", "last")])
    where = pc.index_in(pa.array(range(notes.rows), pa.int64()), value_set=last.column("row"))
    return last.column("reason_last").combine_chunks().take(where)


def _payments(sheet: Sheet | None, refs: _References, zone: str) -> list[pa.Table]:
    """One row per application: "Payment Received" and "Payment Applied to Invoice" at Date
    (NetSuite applies a payment in its own transaction); "Payment Posted" at the Posting
    Period Date (not before Date: a period can start before the payment arrived), with the
    lag in whole days as ``posting_lag_days``."""
    if sheet is None:
        return []
    case = refs.case(sheet, "Applied To")
    received = sheet.dates("Date", required=True)
    posted = sheet.dates("Posting Period Date")
    posted = pc.if_else(pc.is_valid(posted), latest(received, posted), posted)
    lag = pc.subtract(
        local_dates(posted, zone).cast(pa.int32()), local_dates(received, zone).cast(pa.int32())
    ).cast(pa.int64())
    user = sheet.text("Created By")
    attributes = {
        "payment_id": sheet.text("Internal ID"),
        "payment_amount": sheet.amounts("Amount"),
        "payment_method": sheet.text("Payment Method"),
    }
    discount = {"discount": sheet.amounts("Discount")} if sheet.has("Discount") else {}
    return [
        _block(case, PAYMENT_RECEIVED, received, resource=user, **attributes),
        _block(case, PAYMENT_APPLIED, received, resource=user, **attributes, **discount),
        _block(case, PAYMENT_POSTED, posted, resource=user, posting_lag_days=lag, **attributes),
    ]


def _credits(extract: Extract, refs: _References) -> list[pa.Table]:
    """Credit memos: one row per credit memo (Created From) or per application (Applied To:
    a credit memo applied to several invoices credits each)."""
    sheet = extract.sheet(CREDIT_MEMOS, *TABLES[CREDIT_MEMOS])
    if sheet is None:
        return []
    if not (sheet.has("Applied To") or sheet.has("Created From")):
        raise LogError(
            "missing column 'Applied To' or 'Created From' (the invoice credited)", sheet.source
        )
    case = pc.coalesce(refs.case(sheet, "Applied To"), refs.case(sheet, "Created From"))
    return [
        _block(
            case,
            CREDIT_NOTE,
            sheet.dates("Date", required=True),
            resource=sheet.text("Created By"),
            document_number=sheet.text("Document Number"),
            credit_amount=sheet.amounts("Amount"),
        )
    ]


def _written_off(extract: Extract, refs: _References) -> list[pa.Table]:
    sheet = extract.sheet(JOURNALS, *TABLES[JOURNALS])
    if sheet is None:
        return []
    return [
        _block(
            refs.case(sheet, "Transaction"),
            WRITTEN_OFF,
            sheet.dates("Date", required=True),
            resource=sheet.text("Created By"),
            document_number=sheet.text("Document Number"),
            write_off_amount=sheet.amounts("Amount"),
            write_off_memo=sheet.text("Memo"),
        )
    ]


def _messages(extract: Extract, refs: _References, passed_at: pa.Array) -> list[pa.Table]:
    """A message up to the end of the due date sends the invoice; a later one is a reminder
    (no dunning level: the KPIs rank it among the invoice's reminders)."""
    sheet = extract.sheet(MESSAGES, *TABLES[MESSAGES])
    if sheet is None:
        return []
    case = refs.case(sheet, "Transaction")
    at = sheet.dates("Date", required=True)
    late = pc.greater_equal(at, passed_at.take(pc.index_in(case, value_set=refs.number)))
    author = sheet.text("Author")
    return [
        _block(case, SENT, at, resource=author, keep=pc.invert(late)),
        _block(case, REMINDER, at, resource=author, keep=late),
    ]


def _dunning(extract: Extract, refs: _References) -> list[pa.Table]:
    """Each dunning letter is a reminder at its level (as Fatura's dunning run writes one);
    an invoice's first letter also starts the dunning procedure."""
    sheet = extract.sheet(DUNNING_LETTERS, *TABLES[DUNNING_LETTERS])
    if sheet is None:
        return []
    case = refs.case(sheet, "Transaction")
    at = sheet.dates("Date", required=True)
    level = sheet.integers("Level", required=True)
    order = pa.table(
        {"row": pa.array(range(sheet.rows), pa.int64()), CASE: case, "at": at.cast(pa.int64())}
    ).filter(pc.is_valid(case))
    firsts = order.sort_by([(CASE, "ascending"), ("at", "ascending"), ("row", "ascending")])
    keys = firsts.column(CASE).combine_chunks()
    first_rows_of_case = pc.index_in(keys, value_set=keys)
    leading = (
        firsts.column("row")
        .combine_chunks()
        .filter(pc.equal(first_rows_of_case, pa.array(range(len(keys)), pa.int32())))
    )
    first = pc.is_in(pa.array(range(sheet.rows), pa.int64()), value_set=leading)
    return [
        _block(case, DUNNING, at, source=DUNNING_LETTER, keep=first, dunning_level=level),
        _block(case, REMINDER, at, source=DUNNING_LETTER, dunning_level=level),
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
    organizer = sheet.text("Organizer")
    direct = _block(refs.case(sheet, "Transaction"), CALL, at, resource=organizer)
    loose = pa.table(
        {
            "row": pa.array(range(sheet.rows), pa.int64()),
            "customer": sheet.text("Customer"),
            "at": at,
            "organizer": organizer,
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
    found = _block(
        pairs.column(CASE).combine_chunks(),
        CALL,
        pairs.column("at").combine_chunks(),
        resource=pairs.column("organizer").combine_chunks(),
    )
    return [direct, found]
