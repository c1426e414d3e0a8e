"""Who uses a billing item: the apps above catalog register how, so catalog can refuse to
delete an item in use, or a new price for a month already billed, without importing them
(docs/decisions/0008). Registered in their ``AppConfig.ready``; read in ``order``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from fatura.catalog.models import BillingItem


@dataclass(frozen=True)
class ItemUse:
    order: int  # the first reason found is the one shown
    # why the item cannot be deleted, or None
    refuses_delete: Callable[[BillingItem], str | None]
    # the latest month (first day) the item was billed on or after ``since``, or None
    last_billed: Callable[[BillingItem, dt.date], dt.date | None] | None = None


_USES: dict[str, ItemUse] = {}


def item_use_register(name: str, use: ItemUse) -> None:
    """Register (or replace: ``ready`` may run twice in tests) one app's use of items."""
    _USES[name] = use


def item_uses() -> list[ItemUse]:
    return sorted(_USES.values(), key=lambda use: use.order)
