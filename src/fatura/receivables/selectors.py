"""Reads of receivables shared by the pages and the API: invoices (list, one, the invoice
page's detail with its pending adjustment and open disputes), payments (list, one), dunning
strategies, and what catalog asks (is an item on an invoice, when was it last billed). The as-of
reports (aging, statement, DSO, worklist) are in :mod:`fatura.receivables.ledger`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    F,
    Prefetch,
    QuerySet,
)

from fatura.catalog.models import BillingItem
from fatura.core.errors import NotFound
from fatura.core.months import Month
from fatura.receivables import domain
from fatura.receivables.models import (
    Adjustment,
    AdjustmentRequest,
    AdjustmentRequestStatus,
    Allocation,
    CreditNote,
    Dispute,
    DunningStrategy,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    Payment,
)

MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)


def invoice_list(
    *,
    customer_id: int | None = None,
    month: Month | None = None,
    status: str | None = None,
    payment_status: str | None = None,
    kind: str | None = None,
    overdue_on: dt.date | None = None,
    delivery: str | None = None,
) -> QuerySet[Invoice]:
    """Invoices, the latest first, with their customer: the API's list and the Faturas page.
    ``overdue_on``: still owed after the due date as of that day, whatever the daily task has
    marked yet."""
    qs = Invoice.objects.select_related("customer")
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if month is not None:
        qs = qs.filter(month=month.first_day)
    if status:
        qs = qs.filter(status=status)
    if payment_status:
        qs = qs.filter(payment_status=payment_status)
    if kind:
        qs = qs.filter(kind=kind)
    if delivery:  # "none": no automatic delivery
        qs = qs.filter(delivery="" if delivery == "none" else delivery)
    if overdue_on is not None:
        qs = qs.filter(status__in=domain.RECEIVABLE, balance__gt=0, due_date__lt=overdue_on)
    return qs.order_by("-sequence")


def invoice_get(number: str) -> Invoice:
    try:
        return (
            Invoice.objects.select_related("customer", "created_by")
            .prefetch_related(
                Prefetch("lines", queryset=InvoiceLine.objects.order_by("position")),
                _pending_adjustments(),
                "installments",
            )
            .get(number=number)
        )
    except Invoice.DoesNotExist:
        raise NotFound(f"Fatura {number} não encontrada.") from None


def invoices_with_lines(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """With their lines, installments and the adjustment each one has waiting for
    approval."""
    return qs.prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.order_by("position")),
        _pending_adjustments(),
        "installments",
    )


def _pending_adjustments() -> Prefetch[Any]:
    return Prefetch(
        "adjustment_requests",
        queryset=AdjustmentRequest.objects.filter(
            status=AdjustmentRequestStatus.PENDING
        ).select_related("requested_by"),
        to_attr="pending_adjustments",
    )


def adjustment_pending(invoice: Invoice) -> AdjustmentRequest | None:
    """The debit waiting for another user's approval on the invoice, if any (prefetched by
    ``invoice_get`` and ``invoices_with_lines``)."""
    cached = getattr(invoice, "pending_adjustments", None)
    if cached is not None:
        return cached[0] if cached else None
    return (
        AdjustmentRequest.objects.select_related("requested_by")
        .filter(invoice=invoice, status=AdjustmentRequestStatus.PENDING)
        .first()
    )


def invoice_detail(number: str) -> Invoice:
    """The invoice with everything its page and ``GET /invoices/{number}/timeline`` show: the
    lines with the price used, the allocations with their payment (reversed ones too), the
    credit notes, adjustments and disputes with who made them. Six queries, whatever their
    number (``invoice.lines.all()``, ``invoice.allocations.all()``... read the prefetch)."""
    try:
        return (
            Invoice.objects.select_related("customer", "created_by")
            .prefetch_related(
                Prefetch(
                    "lines",
                    queryset=InvoiceLine.objects.select_related("price_version").order_by(
                        "position"
                    ),
                ),
                Prefetch(
                    "allocations",
                    queryset=Allocation.objects.select_related("payment").order_by(
                        "applied_at", "id"
                    ),
                ),
                Prefetch(
                    "credit_notes",
                    queryset=CreditNote.objects.select_related("created_by").order_by("id"),
                ),
                Prefetch(
                    "adjustments",
                    queryset=Adjustment.objects.select_related("created_by").order_by("id"),
                ),
                Prefetch(
                    "disputes",
                    queryset=Dispute.objects.select_related("opened_by", "resolved_by").order_by(
                        "opened_at", "id"
                    ),
                ),
            )
            .get(number=number)
        )
    except Invoice.DoesNotExist:
        raise NotFound(f"Fatura {number} não encontrada.") from None


def invoice_open_disputes(invoice: Invoice) -> list[Dispute]:
    """The invoice's disputes still open, the oldest first."""
    return list(invoice.disputes.filter(resolved_at__isnull=True).order_by("opened_at", "id"))


def invoices_open_for_payment(customer_id: int) -> list[Invoice]:
    """What the customer still owes on invoices a payment can pay (not proformas), oldest due
    date first: the order "pay all" fills."""
    return list(
        Invoice.objects.filter(customer_id=customer_id, status__in=domain.RECEIVABLE, balance__gt=0)
        .exclude(kind=InvoiceKind.PROFORMA)
        .order_by("due_date", "sequence")
    )


# --- payments ---------------------------------------------------------------------------


def _payments(*, allocations: bool) -> QuerySet[Payment]:
    qs = Payment.objects.select_related("customer", "created_by")
    if allocations:  # every allocation (reversed ones too) with its invoice: one query
        qs = qs.prefetch_related(
            Prefetch(
                "allocations",
                queryset=Allocation.objects.select_related("invoice").order_by("applied_at", "id"),
            )
        )
    return qs


def payment_list(
    *,
    customer_id: int | None = None,
    method: str | None = None,
    received_from: dt.date | None = None,
    received_until: dt.date | None = None,
    unapplied_only: bool = False,
    allocations: bool = True,
) -> QuerySet[Payment]:
    """Payments, the latest received first, with their customer and (``allocations``) their
    allocations: the API's list and the Pagamentos page (and its CSV, without allocations).
    Two queries per page of rows, one without allocations."""
    qs = _payments(allocations=allocations)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if method:
        qs = qs.filter(method=method)
    if received_from is not None:
        qs = qs.filter(received_at__gte=received_from)
    if received_until is not None:
        qs = qs.filter(received_at__lte=received_until)
    if unapplied_only:
        qs = qs.filter(reversed_at__isnull=True, applied__lt=F("amount"))
    return qs.order_by("-received_at", "-id")


def payment_get(payment_id: int) -> Payment:
    """One payment with its customer, who recorded it and every allocation (reversed ones too)
    with its invoice: the API's ``GET /payments/{id}`` and the payment's page. Two queries."""
    payment = _payments(allocations=True).filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(f"Pagamento {payment_id} não encontrado.")
    return payment


# --- dunning strategies -----------------------------------------------------------------


def dunning_strategies() -> list[DunningStrategy]:
    """Every configured strategy (``""``: the default one) with its levels, by segment."""
    return list(DunningStrategy.objects.prefetch_related("levels").order_by("segment"))


def dunning_strategy_for(segment: str) -> DunningStrategy | None:
    """The strategy configured for the segment (``""``: the default), if any."""
    return DunningStrategy.objects.filter(segment=segment).first()


# --- billing items on invoices (catalog asks, see ``catalog.uses``) ------------------------


def item_on_invoice(item: BillingItem) -> str | None:
    """Why ``item`` cannot be deleted: an invoice (a finalized charge) has a line of it."""
    if InvoiceLine.objects.filter(billing_item=item).exists():
        return f"O item {item.name} aparece em uma cobrança finalizada e não pode ser excluído."
    return None


def price_versions_on_invoice(version_ids: Collection[int]) -> set[int]:
    """Which of these price versions an invoice line (a finalized charge) used."""
    return set(
        InvoiceLine.objects.filter(price_version_id__in=list(version_ids))
        .values_list("price_version_id", flat=True)
        .distinct()
    )


def item_last_billed(item: BillingItem, since: dt.date) -> dt.date | None:
    """The latest month (first day) on or after ``since`` with an invoice line of ``item``."""
    return (
        InvoiceLine.objects.filter(billing_item=item, invoice__month__gte=since)
        .order_by("-invoice__month")
        .values_list("invoice__month", flat=True)
        .first()
    )
