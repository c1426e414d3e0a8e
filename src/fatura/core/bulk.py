"""Writing many new rows of a model at once (billing runs, imports).

``bulk_create`` prepares every value of every row through its field (``get_db_prep_save``):
for a billing run of 20,000 invoices of ~50 columns that is a million Python calls. On
PostgreSQL :func:`instances_insert` sends the attribute values as they are through ``COPY``
(psycopg's C adapters write ints, strings, Decimals, dates and aware datetimes; only JSON
fields go through their field), then reads the new ids back by a unique column. Elsewhere,
and for fewer than ``COPY_FROM`` rows, it is ``bulk_create``. The instances' values must
already be what the columns store (money rounded to its places, as the services make it);
``save()`` and signals do not run, as with ``bulk_create``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import JSONField, Model

# Fewer rows than this go through bulk_create: COPY pays off on many rows only, and it does not
# pass through Django's cursor wrapper (no query log, so pinned query counts would change).
COPY_FROM = 100


def instances_insert(objs: Sequence[Model], *, key: str | None = None) -> None:
    """Insert new instances of one model (inside the caller's transaction) and set their
    ``pk``. On PostgreSQL the ids are read back by ``key``, a unique field whose values the
    instances already hold; without ``key`` they are not set there."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql" or len(objs) < COPY_FROM:
        model._default_manager.bulk_create(objs)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    attnames = [f.attname for f in fields]
    json_fields = [(n, f) for n, f in enumerate(fields) if isinstance(f, JSONField)]
    choice_fields = [n for n, f in enumerate(fields) if f.choices]
    first = [getattr(objs[0], name) for name in attnames]
    if any(hasattr(value, "resolve_expression") for value in first):  # e.g. a db_default
        model._default_manager.bulk_create(objs)
        return
    with connection.cursor() as cursor:
        sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for obj in objs:
                row: list[Any] = [getattr(obj, name) for name in attnames]
                for n, json_field in json_fields:
                    row[n] = json_field.get_db_prep_save(row[n], connection)
                for n in choice_fields:
                    if isinstance(row[n], enum.Enum):  # TextChoices members: their value
                        row[n] = row[n].value
                copy.write_row(row)
        if key is None:
            return
        key_field = meta.get_field(key)
        column = str(key_field.column)  # type: ignore[union-attr]
        attname = str(key_field.attname)  # type: ignore[union-attr]
        pk_column = str(meta.pk.column)
        values = [getattr(obj, attname) for obj in objs]
        cursor.execute(
            f"SELECT {quote(column)}, {quote(pk_column)} FROM {quote(meta.db_table)} "
            f"WHERE {quote(column)} = ANY(%s)",
            [values],
        )
        ids = dict(cursor.fetchall())
    for obj in objs:
        obj.pk = ids[getattr(obj, attname)]
        obj._state.adding = False
        obj._state.db = connection.alias
