"""The activities the KPIs read (Fatura's vocabulary; docs/mining-kpis.md), without Ibis:
the NumPy path (:mod:`.fast`, :mod:`.quick`) imports them without loading the Ibis definitions."""

from __future__ import annotations

# the text attributes of the KPI input (:mod:`.inputs`), here so that the plain-Python path
# (:mod:`.smallpath`) reads them without importing Arrow
TEXT_ATTRIBUTES = (
    "customer",
    "segment",
    "business_unit",
    "billing_department",
    "region",
    "country",
    "collector",
    "payment_method",
    "call_outcome",
)
DAY_US = 86_400_000_000

CREATED = "Invoice Created"
SENT_FOR_APPROVAL = "Invoice Sent for Approval"
APPROVED = "Invoice Approved"
REJECTED = "Invoice Rejected"
SENT = "Invoice Sent to Customer"
REMINDER = "Payment Reminder Issued"
DUNNING = "Dunning Procedure Initiated"
CALL = "Collection Call Made"
DISPUTE_REGISTERED = "Dispute Registered"
DISPUTE_RESOLVED = "Dispute Resolved"
RECEIVED = "Payment Received"
POSTED = "Payment Posted"
APPLIED = "Payment Applied to Invoice"
WRITTEN_OFF = "Invoice Written Off"
PAYMENTS = (RECEIVED, APPLIED)
APPROVAL_FLOW = (SENT_FOR_APPROVAL, APPROVED, REJECTED)
BILLING = (
    CREATED,
    "Invoice Completed",
    SENT_FOR_APPROVAL,
    APPROVED,
    REJECTED,
    SENT,
    "Invoice Adjusted",
)
CASE_TEXT = tuple(k for k in TEXT_ATTRIBUTES if k != "call_outcome")
