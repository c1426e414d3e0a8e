from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Prefetch, QuerySet

from fatura.catalog.domain import version_for_month
from fatura.catalog.models import BillingItem, PriceVersion
from fatura.catalog.uses import versions_used
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


def versions_mark_used(items: Sequence[BillingItem]) -> None:
    """Set ``used`` on each prefetched price version of ``items``: a finalized charge used it,
    so it can be neither removed nor replaced (one query for all, through ``catalog.uses``)."""
    versions = [v for item in items for v in item.prices.all()]
    used = versions_used(versions)
    for version in versions:
        version.used = version.pk in used  # type: ignore[attr-defined]


def billing_item_by_name(name: str) -> BillingItem | None:
    return billing_item_list().filter(name__iexact=name.strip()).first()


def price_version_get(item: BillingItem, price_id: int) -> PriceVersion:
    try:
        return item.prices.get(pk=price_id)
    except PriceVersion.DoesNotExist:
        raise NotFound(f"Preço {price_id} não encontrado no item {item.name}.") from None


def price_version_for(item: BillingItem, month: Month) -> PriceVersion:
    """The price in force in ``month``; 422 when the item has none yet."""
    return _in_force(item, list(item.prices.all()), month)


def prices_in_force(items: Sequence[BillingItem], month: Month) -> dict[int, PriceVersion]:
    """``price_version_for`` of several items (by item id), their versions read in one query
    unless prefetched; 422 on the first item without a price in force."""
    cached = {i.pk: list(i.prices.all()) for i in items if _prices_prefetched(i)}
    versions: dict[int, list[PriceVersion]] = {i.pk: [] for i in items if i.pk not in cached}
    if versions:
        for version in PriceVersion.objects.filter(item_id__in=versions):
            versions[version.item_id].append(version)
    versions.update(cached)
    return {i.pk: _in_force(i, versions[i.pk], month) for i in items}


def _prices_prefetched(item: BillingItem) -> bool:
    return "prices" in getattr(item, "_prefetched_objects_cache", {})


def _in_force(item: BillingItem, versions: list[PriceVersion], month: Month) -> PriceVersion:
    versions = sorted(versions, key=lambda v: v.valid_from)
    version = version_for_month(versions, month)
    if version is None:
        first = versions[0].month.label_pt() if versions else None
        hint = f" O primeiro preço vale a partir de {first}." if first else ""
        raise InvalidInput(
            f"O item {item.name} não tem preço vigente em {month.label_pt()}.{hint}",
            errors=[{"field": "month", "message": f"sem preço vigente em {month}"}],
        )
    return version
