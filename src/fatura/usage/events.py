"""Events of usage: the case a month's consumption events share before it has an invoice."""

from __future__ import annotations

from fatura.core.months import Month


def charge_case_id(customer_document: str, month: Month) -> str:
    """Case of a charge before it has an invoice: consumption events live here."""
    return f"charge:{customer_document}:{month}"
