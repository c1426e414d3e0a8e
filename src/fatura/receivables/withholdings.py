"""Withholdings on an invoice (issue 13, docs/decisions/0029): when the receivable opens, the
taxes its customer withholds (``Customer.withholdings``) are computed from the gross (the
total charged) by ``core.withholdings`` and stored on the invoice (``Invoice.withholdings``,
``Invoice.amount_withheld``); what the customer owes — balance, installments, aging, dunning,
the PIX/boleto amount — is the net.

The ISS rate is the service's, which only ``fiscal`` knows (service types): it registers a
port at start-up (``iss_rate_register``); without it, ``FATURA_NFSE["iss_rate"]``."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings

from fatura.core.withholdings import Withheld, WithholdingTax, total_withheld, withholdings

if TYPE_CHECKING:
    from fatura.receivables.models import Invoice

_ISS_RATE: list[Callable[[Any], Decimal]] = []


def iss_rate_register(rate_of: Callable[[Any], Decimal]) -> None:
    """Register (or replace: ``ready`` may run twice in tests) how an invoice's ISS rate is
    found."""
    _ISS_RATE[:] = [rate_of]


def iss_rate_of(invoice: Invoice) -> Decimal:
    if _ISS_RATE:
        return _ISS_RATE[0](invoice)
    try:
        return Decimal(str(settings.FATURA_NFSE["iss_rate"]))
    except (InvalidOperation, KeyError):
        return Decimal("5.00")


def withhold(invoice: Invoice) -> None:
    """Set the withholdings and the amount withheld of an unsaved invoice about to open as a
    receivable (a proforma is a quote: it withholds nothing)."""
    taxes = list(invoice.customer.withholdings or [])
    if invoice.kind == "proforma" or not taxes:
        items: list[Withheld] = []
    else:
        rate = iss_rate_of(invoice) if WithholdingTax.ISS in taxes else Decimal(0)
        items = withholdings(invoice.total_charged, taxes, iss_rate=rate)
    invoice.withholdings = [
        {"tax": item.tax, "rate": str(item.rate), "amount": str(item.amount)} for item in items
    ]
    invoice.amount_withheld = total_withheld(items)


def net_total(invoice: Invoice) -> Decimal:
    """What the customer pays for the invoice before any correction: gross − withholdings."""
    return invoice.total_charged - invoice.amount_withheld


def withholdings_of(invoice: Invoice) -> list[Withheld]:
    """The stored withholdings as values (rate in %, amount in R$)."""
    return [
        Withheld(str(row["tax"]), Decimal(str(row["rate"])), Decimal(str(row["amount"])))
        for row in invoice.withholdings or []
    ]


def withholding_rows(invoice: Invoice) -> list[dict[str, Any]]:
    """For pages, PDF and API: tax code, its label in the reader's language, rate, amount."""
    return [
        {
            "tax": item.tax,
            "label": str(WithholdingTax(item.tax).label)
            if item.tax in WithholdingTax.values
            else item.tax,
            "rate": item.rate,
            "amount": item.amount,
        }
        for item in withholdings_of(invoice)
    ]
