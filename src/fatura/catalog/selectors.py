from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from fatura.catalog.domain import version_for_month
from fatura.catalog.models import BillingItem, PriceVersion
from fatura.core.errors import InvalidInput, NotFound
from fatura.core.months import Month


def billing_item_list(*, search: str = "") -> QuerySet[BillingItem]:
    qs = BillingItem.objects.prefetch_related(
        Prefetch("prices", queryset=PriceVersion.objects.order_by("valid_from"))
    )
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.order_by("name", "id")


def billing_item_get(item_id: int) -> BillingItem:
    try:
        return billing_item_list().get(pk=item_id)
    except BillingItem.DoesNotExist:
        raise NotFound(f"Item de cobrança {item_id} não encontrado.") from None


def billing_item_by_name(name: str) -> BillingItem | None:
    return billing_item_list().filter(name__iexact=name.strip()).first()


def price_version_get(item: BillingItem, price_id: int) -> PriceVersion:
    try:
        return item.prices.get(pk=price_id)
    except PriceVersion.DoesNotExist:
        raise NotFound(f"Preço {price_id} não encontrado no item {item.name}.") from None


def price_version_for(item: BillingItem, month: Month) -> PriceVersion:
    """The price in force in ``month``; 422 when the item has none yet."""
    versions = sorted(item.prices.all(), key=lambda v: v.valid_from)
    version = version_for_month(versions, month)
    if version is None:
        first = versions[0].month.label_pt() if versions else None
        hint = f" O primeiro preço vale a partir de {first}." if first else ""
        raise InvalidInput(
            f"O item {item.name} não tem preço vigente em {month.label_pt()}.{hint}",
            errors=[{"field": "month", "message": f"sem preço vigente em {month}"}],
        )
    return version
