"""Usage series ("Uso") from finalized charges only."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from fatura.catalog.models import BillingItem
from fatura.core.errors import InvalidInput
from fatura.core.months import Month
from fatura.receivables.models import InvoiceLine

MAX_ITEMS = 10


@dataclass
class UsagePoint:
    month: Month
    quantity: Decimal
    amount: Decimal


@dataclass
class UsageSeries:
    billing_item_id: int
    name: str
    unit: str
    points: list[UsagePoint] = field(default_factory=list)


def usage_series(*, customer_id: int, item_ids: list[int]) -> list[UsageSeries]:
    if not item_ids:
        raise InvalidInput(
            "Escolha ao menos um item de cobrança.",
            errors=[{"field": "item_ids", "message": "vazio"}],
        )
    unique_ids = list(dict.fromkeys(item_ids))
    if len(unique_ids) > MAX_ITEMS:
        raise InvalidInput(
            f"Escolha no máximo {MAX_ITEMS} itens de cobrança (foram {len(unique_ids)}).",
            errors=[{"field": "item_ids", "message": f"máximo {MAX_ITEMS}"}],
        )
    items = BillingItem.objects.in_bulk(unique_ids)
    missing = [i for i in unique_ids if i not in items]
    if missing:
        raise InvalidInput(
            f"Itens de cobrança inexistentes: {', '.join(map(str, missing))}.",
            errors=[{"field": "item_ids", "message": "inexistente"}],
        )
    series = {
        i: UsageSeries(billing_item_id=i, name=items[i].name, unit=items[i].unit)
        for i in unique_ids
    }
    rows = (
        InvoiceLine.objects.filter(
            invoice__customer_id=customer_id,
            invoice__kind="usage",
            billing_item_id__in=unique_ids,
        )
        .values("billing_item_id", "invoice__month")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount"))
        .order_by("billing_item_id", "invoice__month")
    )
    for row in rows:
        series[row["billing_item_id"]].points.append(
            UsagePoint(Month.of(row["invoice__month"]), row["quantity"], row["amount"])
        )
    return [series[i] for i in unique_ids]
