"""Gapless sequences on top of :class:`~fatura.core.models.Counter`."""

from __future__ import annotations

from django.db import transaction

from fatura.core.models import Counter


def next_number(name: str) -> int:
    """Take the next number of ``name``; must run inside the transaction that uses it."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("next_number() must run inside transaction.atomic()")
    Counter.objects.get_or_create(name=name)
    counter = Counter.objects.select_for_update().get(name=name)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


def take_block(name: str, size: int) -> int:
    """Reserve ``size`` consecutive numbers of ``name``; returns the first. Same rule as
    :func:`next_number`: inside the transaction that uses them."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("take_block() must run inside transaction.atomic()")
    Counter.objects.get_or_create(name=name)
    counter = Counter.objects.select_for_update().get(name=name)
    first = counter.last_value + 1
    counter.last_value += size
    counter.save(update_fields=["last_value"])
    return first
