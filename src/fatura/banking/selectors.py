"""Reads of the banking app shared by its pages and API."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from fatura.banking.models import BankEntry, BankFile, Remittance
from fatura.core.errors import NotFound
from fatura.receivables.domain import RECEIVABLE
from fatura.receivables.models import Invoice, InvoiceKind


def bank_entry_list(*, status: str | None = None) -> QuerySet[BankEntry]:
    """Bank entries, the latest first (one query per page: the file comes joined)."""
    qs = BankEntry.objects.select_related("file").order_by("-id")
    return qs.filter(status=status) if status else qs


def bank_file_list(*, limit: int = 20) -> list[BankFile]:
    return list(
        BankFile.objects.select_related("uploaded_by").order_by("-uploaded_at", "-id")[:limit]
    )


def payable_invoices() -> QuerySet[Invoice]:
    """Invoices a boleto can be registered for (receivable, balance > 0, not proforma), the
    nearest due date first; the customer comes joined."""
    return (
        Invoice.objects.select_related("customer")
        .filter(status__in=RECEIVABLE, balance__gt=0)
        .exclude(kind=InvoiceKind.PROFORMA)
        .order_by("due_date", "number")
    )


def remittance_list(*, limit: int = 10) -> list[Remittance]:
    return list(
        Remittance.objects.select_related("created_by")
        .annotate(titles=Count("instruments"))
        .order_by("-number")[:limit]
    )


def remittance_get(number: int) -> Remittance:
    try:
        return Remittance.objects.get(number=number)
    except Remittance.DoesNotExist:
        raise NotFound(f"Remessa {number} não encontrada.") from None
