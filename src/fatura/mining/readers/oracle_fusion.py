"""Oracle Fusion Financials Receivables (AR) extract -> the order-to-cash event log.

A folder of CSV exports, one per table, named after the table (``RA_CUSTOMER_TRX_ALL.csv``,
any case). One case per transaction, named by ``TRX_NUMBER``. The mapping (tables, columns,
activities, timestamps, attributes, formats) is documented in ``docs/erp-mappings.md``; the
table at the end of this module (:data:`TABLES`) lists what is required.

Pure: reads files, returns an :class:`EventLog` (or the canonical table); writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.errors import LogError
from fatura.mining.log import CASE, END_TIMESTAMP, TIMESTAMP, EventLog
from fatura.mining.readers import oracle_attributes as more
from fatura.mining.readers.erp_common import (
    AMOUNT,
    Extract,
    Sheet,
    assemble,
    block,
    cutoff,
    day_after,
    first_rows,
    latest,
    local_dates,
    lookup,
    per_case,
    per_key,
    refuse_duplicates,
)
from fatura.mining.timestamps import UTC_US

SYSTEM = "Oracle Fusion"
NO_TEXT = pa.scalar(None, pa.string())
NO_TIME = pa.scalar(None, UTC_US)
CREATED = "Invoice Created"
COMPLETED = "Invoice Completed"
SENT_FOR_APPROVAL = "Invoice Sent for Approval"
APPROVED = "Invoice Approved"
REJECTED = "Invoice Rejected"
SENT = "Invoice Sent to Customer"
DUE_DATE_PASSED = "Due Date Passed"
REMINDER = "Payment Reminder Issued"
DUNNING = "Dunning Procedure Initiated"
DISPUTE_REGISTERED = "Dispute Registered"
DISPUTE_RESOLVED = "Dispute Resolved"
ADJUSTED = "Invoice Adjusted"
PAYMENT_RECEIVED = "Payment Received"
PAYMENT_APPLIED = "Payment Applied to Invoice"
PAYMENT_POSTED = "Payment Posted"
CREDIT_NOTE = "Credit Note Issued"
CLOSED = "Invoice Closed"
WRITTEN_OFF = "Invoice Written Off"

TRX = "RA_CUSTOMER_TRX_ALL.csv"
SCHEDULES = "AR_PAYMENT_SCHEDULES_ALL.csv"
RECEIPTS = "AR_CASH_RECEIPTS_ALL.csv"
APPLICATIONS = "AR_RECEIVABLE_APPLICATIONS_ALL.csv"
ADJUSTMENTS = "AR_ADJUSTMENTS_ALL.csv"
DISPUTES = "AR_DISPUTE_HISTORY.csv"
DUNNINGS = "IEX_DUNNINGS.csv"
TERMS = "RA_TERMS.csv"
ACCOUNTS = "HZ_CUST_ACCOUNTS.csv"
PARTIES = "HZ_PARTIES.csv"
APPROVALS = "APPROVAL_HISTORY.csv"

# file -> (required columns, optional columns); a missing optional file is fine
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    TRX: (
        ("CUSTOMER_TRX_ID", "TRX_NUMBER", "TRX_DATE", "CREATION_DATE", "COMPLETE_FLAG"),
        (
            "CREATED_BY",
            "BILL_TO_CUSTOMER_ID",
            "ORG_ID",
            "TERM_ID",
            "INVOICE_CURRENCY_CODE",
            "LAST_PRINTED_DATE",
            "BILL_TO_SITE_USE_ID",
        ),
    ),
    SCHEDULES: (
        ("CUSTOMER_TRX_ID", "DUE_DATE", "AMOUNT_DUE_ORIGINAL", "AMOUNT_DUE_REMAINING"),
        ("GL_DATE_CLOSED", "STATUS"),
    ),
    RECEIPTS: (("CASH_RECEIPT_ID", "RECEIPT_DATE"), ("RECEIPT_NUMBER", "RECEIPT_METHOD")),
    APPLICATIONS: (
        ("CASH_RECEIPT_ID", "APPLIED_CUSTOMER_TRX_ID", "APPLY_DATE"),
        (
            "AMOUNT_APPLIED",
            "CREATED_BY",
            "GL_POSTED_DATE",
            "EARNED_DISCOUNT_TAKEN",
            "APPLICATION_TYPE",
            "CUSTOMER_TRX_ID",
        ),
    ),
    ADJUSTMENTS: (
        ("CUSTOMER_TRX_ID", "CREATION_DATE"),
        ("AMOUNT", "TYPE", "REASON_CODE", "CREATED_BY", "RECEIVABLES_TRX_ID"),
    ),
    DISPUTES: (
        ("CUSTOMER_TRX_ID", "START_DATE"),
        ("END_DATE", "DISPUTE_AMOUNT", "REASON", "CREATED_BY"),
    ),
    DUNNINGS: (("CUSTOMER_TRX_ID", "DUNNING_LEVEL", "CREATION_DATE"), ()),
    TERMS: (("TERM_ID", "NAME"), ()),
    ACCOUNTS: (("CUST_ACCOUNT_ID",), ("PARTY_ID", "PARTY_NAME", "COUNTRY")),
    PARTIES: (("PARTY_NAME",), ("PARTY_ID", "CUST_ACCOUNT_ID", "COUNTRY")),
    APPROVALS: (("TRX_NUMBER", "STATUS", "CHANGED_AT"), ("CHANGED_BY",)),
}
APPROVAL_STATUSES = {
    "SUBMITTED": SENT_FOR_APPROVAL,
    "PENDING": SENT_FOR_APPROVAL,
    "PENDING_APPROVAL": SENT_FOR_APPROVAL,
    "SENT_FOR_APPROVAL": SENT_FOR_APPROVAL,
    "APPROVED": APPROVED,
    "REJECTED": REJECTED,
}
_CaseOf = Callable[[Sheet, str], pa.Array]  # a row's TRX_NUMBER, from a CUSTOMER_TRX_ID column
# adjustments with these reason codes (upper case, blanks as "_") write the invoice off
WRITE_OFF_REASONS = ("WRITE_OFF", "WRITEOFF", "BAD_DEBT")
# Oracle's "open" GL_DATE_CLOSED: an open payment schedule carries 31-DEC-4712
OPEN_SENTINEL = dt.datetime(4712, 1, 1, tzinfo=dt.UTC)


def read_oracle_fusion(
    folder: str | Path,
    *,
    zone: str | None = None,
    as_of: dt.datetime | None = None,
    encoding: str = "utf-8",
    dunning_from_level: int = 2,
) -> EventLog:
    """The extract in ``folder`` as an ordered event log (see :func:`oracle_fusion_table`)."""
    table = oracle_fusion_table(
        folder, zone=zone, as_of=as_of, encoding=encoding, dunning_from_level=dunning_from_level
    )
    return EventLog.from_table(table, name=str(folder))


def oracle_fusion_table(
    folder: str | Path,
    *,
    zone: str | None = None,
    as_of: dt.datetime | None = None,
    encoding: str = "utf-8",
    dunning_from_level: int = 2,
) -> pa.Table:
    """The canonical event table (case_id, activity, timestamp, resource, attributes).

    ``zone``: the zone of the extract's dates (Oracle dates carry none; default
    ``FATURA_TIME_ZONE``). ``as_of``: when the extract was taken — "Due Date Passed" is only
    recorded for due dates before it (default: the latest date in the extract).
    ``dunning_from_level``: IEX dunning levels below it are payment reminders, the others
    dunning procedures.
    """
    extract = Extract(folder, system=SYSTEM, zone=zone, encoding=encoding)
    trx = extract.require(TRX, *TABLES[TRX], what="the invoices")
    schedules = extract.require(SCHEDULES, *TABLES[SCHEDULES], what="due dates and balances")

    trx_id = trx.filled("CUSTOMER_TRX_ID")
    number = trx.filled("TRX_NUMBER")
    refuse_duplicates(trx, trx_id, "CUSTOMER_TRX_ID", "transaction")
    refuse_duplicates(trx, number, "TRX_NUMBER", "transaction")
    created = trx.dates("CREATION_DATE", required=True)
    created_by = trx.text("CREATED_BY")

    def case_of(sheet: Sheet, column: str) -> pa.Array:
        """The TRX_NUMBER of each row's transaction (null: not in the extract: skipped)."""
        return number.take(lookup(sheet.text(column), trx_id))

    # --- payment schedules: due date, amounts, closing ---------------------------------------
    schedule_case = case_of(schedules, "CUSTOMER_TRX_ID")
    due = schedules.dates("DUE_DATE", required=True)
    original = schedules.amounts("AMOUNT_DUE_ORIGINAL", required=True)
    remaining = schedules.amounts("AMOUNT_DUE_REMAINING", required=True)
    closed = schedules.dates("GL_DATE_CLOSED")
    closed = pc.if_else(pc.less(closed, pa.scalar(OPEN_SENTINEL, UTC_US)), closed, NO_TIME)
    still_open = pc.or_(pc.is_null(closed), pc.greater(remaining, 0))
    open_count = per_key(schedule_case, pc.cast(still_open, pa.int64()), number, "sum")

    # --- the blocks, in process order (events of one case at one instant keep this order) ----
    blocks: list[pa.Table] = [block(number, CREATED, created, resource=created_by)]
    complete = pc.equal(pc.utf8_upper(trx.text("COMPLETE_FLAG")), "Y")
    completed_at = latest(created, trx.dates("TRX_DATE"))
    blocks.append(block(number, COMPLETED, completed_at, resource=created_by, keep=complete))
    blocks += _approvals(extract, number)
    blocks.append(block(number, SENT, trx.dates("LAST_PRINTED_DATE")))
    due_block_at = len(blocks)  # "Due Date Passed" needs the latest date: inserted below
    blocks += _disputes_registered(extract, case_of)
    blocks += _dunnings(extract, case_of, dunning_from_level)
    adjusted = _adjustments(extract, case_of)
    blocks += adjusted
    blocks += _disputes_resolved(extract, case_of)
    applied = _payments(extract, case_of)
    blocks += applied
    # the GL date may be back-dated into an earlier open period; the invoice still closes
    # with (not before) its last application or adjustment
    last_move = per_case([*applied, *adjusted], number, "max")
    all_closed = pc.equal(pc.fill_null(open_count, 1), 0)
    closed_at = latest(per_key(schedule_case, closed, number, "max"), last_move)
    blocks.append(block(number, CLOSED, closed_at, keep=all_closed))

    limit = cutoff(as_of, blocks)
    passed_at = day_after(due, extract.zone)
    unpaid = pc.or_kleene(pc.greater(remaining, 0), pc.greater(closed, due))
    keep = pc.and_(pc.fill_null(unpaid, False), pc.less_equal(passed_at, limit))
    blocks.insert(due_block_at, block(schedule_case, DUE_DATE_PASSED, passed_at, keep=keep))

    cases = _case_attributes(extract, trx, number, trx_id, schedule_case, due, original)
    cases = _status_and_people(extract, cases, trx, schedules, schedule_case, all_closed)
    events = assemble(blocks, cases, system=SYSTEM)
    return more.with_user_names(events, more.People(extract))


def _approvals(extract: Extract, number: pa.Array) -> list[pa.Table]:
    sheet = extract.sheet(APPROVALS, *TABLES[APPROVALS])
    if sheet is None:
        return []
    status = pc.replace_substring_regex(pc.utf8_upper(sheet.filled("STATUS")), r"[\s-]+", "_")
    known = pa.array(list(APPROVAL_STATUSES))
    accepted = ", ".join(APPROVAL_STATUSES)
    sheet.fail(pc.invert(pc.is_in(status, known)), "STATUS", f"is not one of {accepted}")
    activity = pa.array(list(APPROVAL_STATUSES.values())).take(pc.index_in(status, known))
    case = sheet.filled("TRX_NUMBER")
    case = pc.if_else(pc.is_in(case, number), case, NO_TEXT)
    at = sheet.dates("CHANGED_AT", required=True)
    # a request for approval ends with the first decision (approved or rejected) after it
    request = pc.equal(activity, SENT_FOR_APPROVAL)
    decided = pc.if_else(request, NO_TEXT, case)
    end = more.first_at_or_after(case, at, decided, at)
    table = pa.table(
        {
            CASE: case,
            "activity": activity,
            TIMESTAMP: at,
            END_TIMESTAMP: pc.if_else(request, end, NO_TIME),
            "resource": sheet.text("CHANGED_BY"),
            "approval_status": sheet.text("STATUS"),
        }
    )
    return [table.filter(pc.is_valid(case))]


def _disputes_registered(extract: Extract, case_of: _CaseOf) -> list[pa.Table]:
    sheet = extract.sheet(DISPUTES, *TABLES[DISPUTES])
    if sheet is None:
        return []
    start = sheet.dates("START_DATE", required=True)
    end = sheet.dates("END_DATE")
    end = pc.if_else(pc.fill_null(pc.greater_equal(end, start), False), end, NO_TIME)
    return [
        block(
            case_of(sheet, "CUSTOMER_TRX_ID"),
            DISPUTE_REGISTERED,
            start,
            resource=sheet.text("CREATED_BY"),
            end_timestamp=end,
            dispute_amount=sheet.amounts("DISPUTE_AMOUNT"),
            dispute_reason=sheet.text("REASON"),
        )
    ]


def _disputes_resolved(extract: Extract, case_of: _CaseOf) -> list[pa.Table]:
    sheet = extract.sheet(DISPUTES, *TABLES[DISPUTES])
    if sheet is None:
        return []
    return [
        block(
            case_of(sheet, "CUSTOMER_TRX_ID"),
            DISPUTE_RESOLVED,
            sheet.dates("END_DATE"),
            dispute_amount=sheet.amounts("DISPUTE_AMOUNT"),
            dispute_reason=sheet.text("REASON"),
        )
    ]


def _dunnings(extract: Extract, case_of: _CaseOf, from_level: int) -> list[pa.Table]:
    sheet = extract.sheet(DUNNINGS, *TABLES[DUNNINGS])
    if sheet is None:
        return []
    case = case_of(sheet, "CUSTOMER_TRX_ID")
    # a letter without a level is a reminder without one (the KPIs rank it, as NetSuite's)
    level = sheet.integers("DUNNING_LEVEL")
    at = sheet.dates("CREATION_DATE", required=True)
    dunning = pc.fill_null(pc.greater_equal(level, from_level), False)
    return [
        block(case, REMINDER, at, keep=pc.invert(dunning), dunning_level=level),
        block(case, DUNNING, at, keep=dunning, dunning_level=level),
    ]


def _adjustments(extract: Extract, case_of: _CaseOf) -> list[pa.Table]:
    """Adjustments: "Invoice Written Off" when the reason is a write-off
    (:data:`WRITE_OFF_REASONS`), else "Invoice Adjusted"."""
    sheet = extract.sheet(ADJUSTMENTS, *TABLES[ADJUSTMENTS])
    if sheet is None:
        return []
    case = case_of(sheet, "CUSTOMER_TRX_ID")
    at = sheet.dates("CREATION_DATE", required=True)
    reason = sheet.text("REASON_CODE")
    code = pc.replace_substring_regex(pc.utf8_upper(reason), r"[\s-]+", "_")
    write_off = pc.or_kleene(
        pc.is_in(code, pa.array(WRITE_OFF_REASONS)),
        more.write_off_activities(extract, sheet.text("RECEIVABLES_TRX_ID")),
    )
    write_off = pc.fill_null(write_off, False)
    attributes = {
        "resource": sheet.text("CREATED_BY"),
        "adjustment_amount": sheet.amounts("AMOUNT"),
        "adjustment_type": sheet.text("TYPE"),
        "adjustment_reason": reason,
    }
    return [
        block(case, ADJUSTED, at, keep=pc.invert(write_off), **attributes),
        block(case, WRITTEN_OFF, at, keep=write_off, **attributes),
    ]


def _payments(extract: Extract, case_of: _CaseOf) -> list[pa.Table]:
    """Applications of cash receipts to the invoices: "Payment Received" at the receipt's
    date (once per receipt and invoice) and "Payment Applied to Invoice" at each APPLY_DATE.
    Rows without a receipt are credit-memo applications (APPLICATION_TYPE CM, the memo in
    CUSTOMER_TRX_ID): "Credit Note Issued" at APPLY_DATE; rows without an invoice are skipped."""
    sheet = extract.sheet(APPLICATIONS, *TABLES[APPLICATIONS])
    if sheet is None:
        return []
    invoice = case_of(sheet, "APPLIED_CUSTOMER_TRX_ID")
    receipt_id = sheet.text("CASH_RECEIPT_ID")
    case = pc.if_else(pc.is_valid(receipt_id), invoice, NO_TEXT)
    kind = pc.utf8_upper(sheet.text("APPLICATION_TYPE"))
    memo = pc.and_(
        pc.is_null(receipt_id),
        pc.fill_null(pc.equal(kind, "CM"), sheet.has("CUSTOMER_TRX_ID")),
    )
    applied_at = sheet.dates("APPLY_DATE", required=True)
    amount = sheet.amounts("AMOUNT_APPLIED")
    receipts = extract.sheet(RECEIPTS, *TABLES[RECEIPTS])
    if receipts is None:
        received = pa.nulls(sheet.rows, applied_at.type)
        method = receipt_number = pa.nulls(sheet.rows, pa.string())
    else:
        where = lookup(receipt_id, receipts.filled("CASH_RECEIPT_ID"))
        received = receipts.dates("RECEIPT_DATE", required=True).take(where)
        method = receipts.text("RECEIPT_METHOD").take(where)
        receipt_number = receipts.text("RECEIPT_NUMBER").take(where)
    first_of_pair = first_rows(pc.binary_join_element_wise(case, receipt_id, "\x1f"))
    attributes = {
        "payment_amount": amount,
        "payment_method": method,
        "receipt_number": receipt_number,
    }
    # posted to the general ledger (once per receipt and invoice, not before the receipt)
    posted = sheet.dates("GL_POSTED_DATE")
    posted = pc.if_else(pc.is_valid(posted), latest(received, posted), posted)
    lag = pc.subtract(
        local_dates(posted, extract.zone).cast(pa.int32()),
        local_dates(received, extract.zone).cast(pa.int32()),
    ).cast(pa.int64())
    discount = (
        {"discount": sheet.amounts("EARNED_DISCOUNT_TAKEN")}
        if sheet.has("EARNED_DISCOUNT_TAKEN")
        else {}
    )
    by = sheet.text("CREATED_BY")
    return [
        block(
            invoice,
            CREDIT_NOTE,
            applied_at,
            resource=by,
            keep=memo,
            credit_memo_number=case_of(sheet, "CUSTOMER_TRX_ID"),
            credit_amount=amount,
        ),
        block(case, PAYMENT_RECEIVED, received, keep=first_of_pair, **attributes),
        block(case, PAYMENT_APPLIED, applied_at, resource=by, **attributes, **discount),
        block(case, PAYMENT_POSTED, posted, keep=first_of_pair, posting_lag_days=lag, **attributes),
    ]


def _case_attributes(
    extract: Extract,
    trx: Sheet,
    number: pa.Array,
    trx_id: pa.Array,
    schedule_case: pa.Array,
    due: pa.Array,
    original: pa.Array,
) -> pa.Table:
    customer_id = trx.text("BILL_TO_CUSTOMER_ID")
    customer, country = _customers(extract, customer_id)
    terms = extract.sheet(TERMS, *TABLES[TERMS])
    if terms is None:
        terms_name = pa.nulls(len(number), pa.string())
    else:
        terms_name = terms.text("NAME").take(lookup(trx.text("TERM_ID"), terms.filled("TERM_ID")))
    zone = extract.zone
    return pa.table(
        {
            CASE: number,
            "invoice_number": number,
            "invoice_id": trx_id,
            "customer_id": customer_id,
            "customer": customer,
            "country": country,
            "business_unit": trx.text("ORG_ID"),
            "payment_terms": terms_name,
            "currency": trx.text("INVOICE_CURRENCY_CODE"),
            "amount": per_key(schedule_case, original, number, "sum").cast(AMOUNT),
            "invoice_date": local_dates(trx.dates("TRX_DATE"), zone),
            "due_date": local_dates(per_key(schedule_case, due, number, "min"), zone),
        }
    )


def _customers(extract: Extract, customer_id: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Party name and country of each bill-to account: HZ_CUST_ACCOUNTS with PARTY_NAME, or
    HZ_CUST_ACCOUNTS (PARTY_ID) joined to HZ_PARTIES, or HZ_PARTIES with CUST_ACCOUNT_ID."""
    accounts = extract.sheet(ACCOUNTS, *TABLES[ACCOUNTS])
    parties = extract.sheet(PARTIES, *TABLES[PARTIES])
    nothing = pa.nulls(len(customer_id), pa.string())
    if accounts is not None and accounts.has("PARTY_NAME"):
        where = lookup(customer_id, accounts.filled("CUST_ACCOUNT_ID"))
        return accounts.text("PARTY_NAME").take(where), accounts.text("COUNTRY").take(where)
    if accounts is not None and parties is not None:
        if not (accounts.has("PARTY_ID") and parties.has("PARTY_ID")):
            raise LogError(
                f"{ACCOUNTS} and {PARTIES} are joined on PARTY_ID, which one of them lacks "
                f"(or give PARTY_NAME in {ACCOUNTS})",
                str(extract.folder),
            )
        party = accounts.text("PARTY_ID").take(
            lookup(customer_id, accounts.filled("CUST_ACCOUNT_ID"))
        )
        where = lookup(party, parties.filled("PARTY_ID"))
        return parties.text("PARTY_NAME").take(where), parties.text("COUNTRY").take(where)
    if parties is not None and parties.has("CUST_ACCOUNT_ID"):
        where = lookup(customer_id, parties.filled("CUST_ACCOUNT_ID"))
        return parties.text("PARTY_NAME").take(where), parties.text("COUNTRY").take(where)
    return nothing, nothing


def _status_and_people(
    extract: Extract,
    cases: pa.Table,
    trx: Sheet,
    schedules: Sheet,
    schedule_case: pa.Array,
    all_closed: pa.Array,
) -> pa.Table:
    """The template's case attributes from the optional tables (:mod:`.oracle_attributes`):
    status, installments, business unit name, bill-to region and country, billing department."""
    number = cases.column(CASE).combine_chunks()
    status = pc.utf8_upper(schedules.text("STATUS"))
    open_rows = pc.cast(pc.fill_null(pc.equal(status, "OP"), False), pa.int64())
    any_open = per_key(schedule_case, open_rows, number, "max")
    known = per_key(schedule_case, pc.cast(pc.is_valid(status), pa.int64()), number, "max")
    schedule_status = pc.if_else(
        pc.equal(pc.fill_null(known, 0), 1),
        pc.if_else(pc.equal(any_open, 1), "OP", "CL"),
        NO_TEXT,
    )
    ones = pa.array([1] * schedules.rows, pa.int64())
    org_id = trx.text("ORG_ID")
    accounts = extract.sheet(ACCOUNTS, *TABLES[ACCOUNTS])
    party = pa.nulls(trx.rows, pa.string())
    if accounts is not None and accounts.has("PARTY_ID"):
        where = lookup(trx.text("BILL_TO_CUSTOMER_ID"), accounts.filled("CUST_ACCOUNT_ID"))
        party = accounts.text("PARTY_ID").take(where)
    region, country = more.addresses(extract, trx.text("BILL_TO_SITE_USE_ID"), party)
    people = more.People(extract)
    department = more.departments(
        extract, people, trx.text("CREATED_BY"), trx.dates("CREATION_DATE", required=True)
    )
    columns = {
        "business_unit": more.business_units(extract, org_id),
        "business_unit_id": org_id,
        "region": region,
        "country": pc.coalesce(country, cases.column("country").combine_chunks()),
        "billing_department": department,
        "invoice_status": pc.if_else(all_closed, "closed", "open"),
        "payment_schedule_status": schedule_status,
        "installments": per_key(schedule_case, ones, number, "sum"),
    }
    for name, values in columns.items():
        if name in cases.column_names:
            cases = cases.set_column(cases.column_names.index(name), name, values)
        else:
            cases = cases.append_column(name, values)
    return cases
