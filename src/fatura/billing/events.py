"""Events of the usage module's billing, written with the change they record."""

from __future__ import annotations

import datetime as dt

from fatura.core.months import Month
from fatura.core.users import User
from fatura.eventlog import activities
from fatura.eventlog.services import NewEvent
from fatura.receivables.events import customer_month_attributes, usage_invoice_issued
from fatura.receivables.models import Invoice
from fatura.usage.events import charge_case_id


def charge_finalized(
    invoice: Invoice, *, by: User, now: dt.datetime, automated: bool = False
) -> list[NewEvent]:
    """Charge Finalized on the charge's case, then the invoice's Invoice Created and Invoice
    Completed (receivables' events of a usage invoice)."""
    case = charge_case_id(invoice.customer.document, Month.of(invoice.month))
    return [
        NewEvent(
            case_id=case,
            activity=activities.CHARGE_FINALIZED,
            user=by,
            timestamp=now,
            is_automated=automated,
            attributes={**customer_month_attributes(invoice), "invoice_number": invoice.number},
        ),
        *usage_invoice_issued(invoice, by=by, now=now, charge_case_id=case, automated=automated),
    ]
