"""Reads of the banking app shared by its pages and API."""

from __future__ import annotations

from django.db.models import QuerySet

from fatura.banking.models import BankEntry, BankFile


def bank_entry_list(*, status: str | None = None) -> QuerySet[BankEntry]:
    """Bank entries, the latest first (one query per page: the file comes joined)."""
    qs = BankEntry.objects.select_related("file").order_by("-id")
    return qs.filter(status=status) if status else qs


def bank_file_list(*, limit: int = 20) -> list[BankFile]:
    return list(
        BankFile.objects.select_related("uploaded_by").order_by("-uploaded_at", "-id")[:limit]
    )
