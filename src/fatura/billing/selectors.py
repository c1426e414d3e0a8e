from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, Sum

from fatura.billing.domain import ComputedCharge, ItemRef, PriceRef, compute_charge
from fatura.billing.models import BillingRun, Charge, ChargeSituation, ChargeStatus
from fatura.catalog.models import BillingItem, PriceVersion
from fatura.core.months import Month
from fatura.customers.models import Customer
from fatura.receivables.models import InvoiceLine
from fatura.usage.models import Consumption


@dataclass
class PendingCharge:
    customer: Customer
    month: Month
    computed: ComputedCharge
    status: str = "pending"

    @property
    def total_due(self) -> Decimal:
        return self.computed.total_due


def charge_finalized(customer_id: int, month: Month) -> Charge | None:
    return (
        Charge.objects.filter(
            customer_id=customer_id, month=month.first_day, status=ChargeStatus.FINALIZED
        )
        .select_related("invoice")
        .first()
    )


def _price_refs(item_ids: set[int]) -> dict[int, list[PriceRef]]:
    versions: dict[int, list[PriceRef]] = defaultdict(list)
    rows = (
        PriceVersion.objects.filter(item_id__in=item_ids)
        .order_by("item_id", "valid_from")
        .values_list("item_id", "id", "unit_price", "valid_from")
    )
    for item_id, version_id, unit_price, valid_from in rows:
        versions[item_id].append(PriceRef(version_id, unit_price, valid_from))
    return versions


def _item_refs(item_ids: set[int]) -> dict[int, ItemRef]:
    return {
        pk: ItemRef(pk, name, product, unit)
        for pk, name, product, unit in BillingItem.objects.filter(pk__in=item_ids).values_list(
            "id", "name", "product", "unit"
        )
    }


def pending_charges(month: Month, *, customer_id: int | None = None) -> list[PendingCharge]:
    """Every customer with consumption in ``month`` and no finalized charge for it, with the
    computed lines and total due. A constant number of queries, whatever the size."""
    finalized = Charge.objects.filter(
        customer_id=OuterRef("customer_id"),
        month=month.first_day,
        status=ChargeStatus.FINALIZED,
    )
    consumption = Consumption.objects.filter(month=month.first_day).filter(~Exists(finalized))
    if customer_id is not None:
        consumption = consumption.filter(customer_id=customer_id)
    sums = (
        consumption.values("customer_id", "billing_item_id")
        .annotate(quantity=Sum("quantity"))
        .order_by("customer_id", "billing_item_id")
        .values_list("customer_id", "billing_item_id", "quantity")
    )
    per_customer: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    item_ids: set[int] = set()
    # A whole month can be ~25 rows per customer: stream them rather than keep the cached
    # queryset beside the result (a server-side cursor on PostgreSQL, not worth it for one).
    rows = sums if customer_id is not None else sums.iterator(chunk_size=10_000)
    for cust_id, item_id, quantity in rows:
        per_customer[cust_id].append((item_id, quantity))
        item_ids.add(item_id)
    if not per_customer:
        return []
    items = _item_refs(item_ids)
    versions = _price_refs(item_ids)
    customers = Customer.objects.select_related("collector").in_bulk(list(per_customer))
    result = [
        PendingCharge(
            customer=customers[cust_id],
            month=month,
            computed=compute_charge(month, quantities, items, versions),
        )
        for cust_id, quantities in per_customer.items()
    ]
    result.sort(key=lambda p: (p.customer.name.lower(), p.customer.pk))
    return result


@dataclass
class ChargeRow:
    """One customer's row of a month in Registrar cobrança: pending ("Cobrar", computed) or
    finalized (the stored charge and its invoice)."""

    customer: Customer
    month: Month
    status: str  # ChargeSituation
    total_due: Decimal
    problems: list[str] = field(default_factory=list)
    lines: list[Any] = field(default_factory=list)  # computed lines, or the invoice's lines
    charge: Charge | None = None

    @property
    def status_label(self) -> str:
        return str(ChargeSituation(self.status).label)

    @property
    def issue_date(self) -> dt.date | None:
        return self.charge.invoice.issue_date if self.charge else None

    @property
    def total_charged(self) -> Decimal | None:
        return self.charge.total_charged if self.charge else None

    @property
    def invoice_number(self) -> str | None:
        return self.charge.invoice.number if self.charge else None


def charge_rows(
    month: Month,
    *,
    customer_id: int | None = None,
    status: str | None = None,
    with_lines: bool = True,
) -> list[ChargeRow]:
    """The month's charges as Registrar cobrança lists them: every pending charge and every
    finalized one (``status`` keeps one kind), by customer name. A constant number of queries:
    the pending charges' and, for the finalized, one for the charges (+ one for their invoice
    lines when ``with_lines``)."""
    rows: list[ChargeRow] = []
    if status in (None, ChargeSituation.PENDING):
        rows += [
            ChargeRow(
                p.customer,
                month,
                ChargeSituation.PENDING,
                p.total_due,
                p.computed.problems,
                p.computed.lines,
            )
            for p in pending_charges(month, customer_id=customer_id)
        ]
    if status in (None, ChargeSituation.FINALIZED):
        charges = Charge.objects.filter(
            month=month.first_day, status=ChargeStatus.FINALIZED
        ).select_related("customer__collector", "invoice")
        if customer_id is not None:
            charges = charges.filter(customer_id=customer_id)
        if with_lines:
            lines = InvoiceLine.objects.order_by("position")
            charges = charges.prefetch_related(Prefetch("invoice__lines", queryset=lines))
        rows += [
            ChargeRow(
                c.customer,
                month,
                ChargeSituation.FINALIZED,
                c.total_due,
                lines=list(c.invoice.lines.all()) if with_lines else [],
                charge=c,
            )
            for c in charges
        ]
    rows.sort(key=lambda r: (r.customer.name.lower(), r.customer.pk))
    return rows


# --- billing runs -----------------------------------------------------------------------


def billing_run_latest(month: Month) -> BillingRun | None:
    """The month's latest billing run (the one the page follows), if any."""
    return BillingRun.objects.filter(month=month.first_day).order_by("-requested_at").first()


def billing_run_find(run_id: int) -> BillingRun | None:
    """A billing run by id, or None."""
    return BillingRun.objects.filter(pk=run_id).first()


def billing_run_progress_key(run_id: int) -> str:
    """Where the worker keeps a run's progress (the cache, shared with the web process)."""
    return f"billing-run:{run_id}:progress"


def billing_run_progress(run_id: int) -> dict[str, int | str] | None:
    value = cache.get(billing_run_progress_key(run_id))
    return dict(value) if value else None
