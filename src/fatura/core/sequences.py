"""Gapless sequences on top of :class:`~fatura.core.models.Counter`."""

from __future__ import annotations

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from fatura.core.models import Counter


def next_number(name: str) -> int:
    """Take the next number of ``name``; must run inside the transaction that uses it."""
    return take_block(name, 1)


def take_block(name: str, size: int) -> int:
    """Reserve ``size`` consecutive numbers of ``name``; returns the first. Inside the
    transaction that uses them: the row stays locked (by the UPDATE) until it ends."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("take_block() must run inside transaction.atomic()")
    last = _advance(connection, name, size)
    if last is None:  # the series' first number: create its row, then take it
        Counter.objects.get_or_create(name=name)
        last = _advance(connection, name, size)
        if last is None:
            raise RuntimeError(f"counter {name!r} vanished")
    return last - size + 1


def _advance(connection: BaseDatabaseWrapper, name: str, size: int) -> int | None:
    """One round trip: increment and lock the row, returning the new last value (None when
    the series has no row yet). PostgreSQL and SQLite >= 3.35 both have RETURNING."""
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Counter._meta.db_table)} SET {quote('last_value')} = "
        f"{quote('last_value')} + %s WHERE {quote('name')} = %s RETURNING {quote('last_value')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [size, name])
        row = cursor.fetchone()
    return None if row is None else int(row[0])
