"""Who uses a billing item: the apps above catalog register how, so catalog can refuse to
delete an item in use, a new price for a month already billed, or the removal / replacement of
a price version a finalized charge used, without importing them (docs/decisions/0008, 0025).
Registered in their ``AppConfig.ready``; read in ``order``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass

from fatura.catalog.models import BillingItem, PriceVersion


@dataclass(frozen=True)
class ItemUse:
    order: int  # the first reason found is the one shown
    # why the item cannot be deleted, or None
    refuses_delete: Callable[[BillingItem], str | None]
    # the latest month (first day) the item was billed on or after ``since``, or None
    last_billed: Callable[[BillingItem, dt.date], dt.date | None] | None = None
    # which of these price versions (ids) a finalized charge used (the manual's rule: a
    # version may be removed or replaced as long as no finalized charge used it)
    versions_used: Callable[[Collection[int]], set[int]] | None = None


_USES: dict[str, ItemUse] = {}


def item_use_register(name: str, use: ItemUse) -> None:
    """Register (or replace: ``ready`` may run twice in tests) one app's use of items."""
    _USES[name] = use


def item_uses() -> list[ItemUse]:
    return sorted(_USES.values(), key=lambda use: use.order)


def versions_used(versions: Collection[PriceVersion]) -> set[int]:
    """The ids among ``versions`` that a finalized charge used, as the registered apps say."""
    ids = [v.pk for v in versions]
    if not ids:
        return set()
    used: set[int] = set()
    for use in item_uses():
        if use.versions_used is not None:
            used |= use.versions_used(ids)
    return used
