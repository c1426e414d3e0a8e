"""The receivable side of a new invoice: terms, due date, discount window, opening balance.

Shared by usage invoices (``billing``) and direct ones (``receivables``) so both open the
same way; the lifecycle that follows lives in ``fatura.receivables``.
"""

from __future__ import annotations

from decimal import Decimal

from fatura.core.terms import term
from fatura.receivables.models import Invoice, PaymentStatus


def receivable_open(invoice: Invoice, *, terms_code: str) -> None:
    """Set terms, due date and the opening balance (= total charged) of an unsaved invoice."""
    terms = term(terms_code)
    invoice.payment_terms = terms.code
    invoice.due_date = terms.due_date(invoice.issue_date)
    invoice.discount_until = terms.discount_until(invoice.issue_date)
    invoice.balance = invoice.total_charged
    invoice.payment_status = (
        PaymentStatus.PAID if invoice.total_charged == Decimal(0) else PaymentStatus.UNPAID
    )
