from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from fatura.catalog import selectors, services
from fatura.catalog.models import BillingItem, PriceVersion
from fatura.catalog.schemas import (
    BillingItemIn,
    BillingItemOut,
    PriceReplaceIn,
    PriceVersionIn,
    PriceVersionOut,
)
from fatura.core.months import Month
from fatura.core.roles import Capability, require
from fatura.core.schemas import Id, SearchText

router = Router(tags=["billing items"])


def _out(item: BillingItem) -> dict[str, object]:
    """An item with its versions; ``used`` is set by ``selectors.versions_mark_used``."""
    return {
        "id": item.pk,
        "name": item.name,
        "product": item.product,
        "unit": item.unit,
        "source": item.source,
        "prices": sorted(item.prices.all(), key=lambda v: v.valid_from),
    }


@router.post("", response={201: BillingItemOut})
def billing_item_create(request: HttpRequest, payload: BillingItemIn) -> Status[object]:
    item = services.billing_item_create(
        by=request.user,
        name=payload.name,
        product=payload.product,
        unit=payload.unit,
        unit_price=payload.unit_price,
        valid_from=Month.parse(payload.valid_from),
    )
    return Status(201, _item(item.pk))


def _item(item_id: int) -> dict[str, object]:
    item = selectors.billing_item_get(item_id)
    selectors.versions_mark_used([item])
    return _out(item)


@router.get("", response=list[BillingItemOut])
def billing_item_list(request: HttpRequest, search: SearchText = "") -> list[dict[str, object]]:
    require(request.user, Capability.VIEW)
    items = list(selectors.billing_item_list(search=search))
    selectors.versions_mark_used(items)
    return [_out(item) for item in items]


@router.get("/{item_id}", response=BillingItemOut)
def billing_item_get(request: HttpRequest, item_id: Id) -> dict[str, object]:
    require(request.user, Capability.VIEW)
    return _item(item_id)


@router.post("/{item_id}/prices", response={201: PriceVersionOut})
def price_version_add(
    request: HttpRequest, item_id: Id, payload: PriceVersionIn
) -> Status[PriceVersion]:
    require(request.user, Capability.MANAGE_CATALOG)
    item = selectors.billing_item_get(item_id)
    version = services.price_version_add(
        by=request.user,
        item=item,
        unit_price=payload.unit_price,
        valid_from=Month.parse(payload.valid_from),
    )
    return Status(201, version)


@router.delete("/{item_id}/prices/{price_id}", response={204: None})
def price_version_delete(request: HttpRequest, item_id: Id, price_id: Id) -> HttpResponse:
    require(request.user, Capability.MANAGE_CATALOG)
    item = selectors.billing_item_get(item_id)
    version = selectors.price_version_get(item, price_id)
    services.price_version_delete(by=request.user, item=item, version=version)
    return HttpResponse(status=204)


@router.patch("/{item_id}/prices/{price_id}", response=PriceVersionOut)
def price_version_replace(
    request: HttpRequest, item_id: Id, price_id: Id, payload: PriceReplaceIn
) -> PriceVersion:
    """Correct the price of a version no finalized charge used (409 when one did)."""
    require(request.user, Capability.MANAGE_CATALOG)
    item = selectors.billing_item_get(item_id)
    version = selectors.price_version_get(item, price_id)
    return services.price_version_replace(
        by=request.user, item=item, version=version, unit_price=payload.unit_price
    )
