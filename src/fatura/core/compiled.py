"""Reads that run thousands of times with the same shape, compiled once.

Building a query's SQL is most of what a small ORM read costs in Python: an invoice locked with
its customer and collector selects ~100 columns, and Django quotes, resolves and converts each
of them again on every call (about three times the database's own work for that row). A
:class:`CompiledRead` builds its queryset once per connection and shape with the ORM, keeps the
SQL, the converters and the row-to-model mapping, and then only runs the SQL with the call's
values: the same rows, the same model instances (``select_related`` included), the same locks.

Only lookups on strings and integers are compiled (``number=...``, ``number__in=[...]``,
``code=...``, ``pk=...``): the values are passed to the database as they are, which is what the
ORM does with them. The queryset is built with marker values, and the compiled parameters
must be exactly those markers (and constants the queryset adds, such as ``active=True``);
anything else is refused when it is first compiled, so a shape the helper cannot keep fails
in the first test, not in production. The SQL depends only on the models: it is kept for the
life of the process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)
Arg = str | int | Sequence[str] | Sequence[int]

MAX_LIST = 16  # longer (or empty) lists are not compiled (one plan per length): plain ORM


def _marker(position: int, index: int | None, kind: type) -> str | int:
    if kind is int:  # an id no row has: far below zero
        return -(10**15) - position * 1000 - (index or 0)
    return f"\u27eafatura:{position}:{index if index is not None else '-'}\u27eb"


def _kind(value: object) -> type:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"CompiledRead: only str and int values ({value!r})")
    return type(value)


@dataclass(frozen=True)
class _Plan:
    sql: str
    slots: tuple[tuple[int | None, int | None, Any], ...]  # (arg, index, None) or a constant
    compiler: Any
    converters: dict[int, Any]
    init_list: list[str]
    start: int
    end: int
    populators: list[Any]
    model: type[Model]
    db: str
    for_update: bool


class CompiledRead(Generic[M]):
    """``CompiledRead(lambda number: Invoice.objects.filter(number=number))``, then
    ``read.fetch("F-1")`` → the list of instances, as ``list(queryset)`` would give."""

    def __init__(self, build: Callable[..., QuerySet[M]]) -> None:
        self.build = build
        self._alias: str | None = None
        # by (connection, shape): a plan keeps its connection's compiler (and so the connection)
        self._plans: dict[tuple[int, tuple[tuple[type, int | None], ...]], _Plan] = {}

    def fetch(self, *args: Arg) -> list[M]:
        shape = tuple(
            (_kind(a), None) if isinstance(a, str | int) else (_kind(a[0] if a else ""), len(a))
            for a in args
        )
        if any(n is not None and not 0 < n <= MAX_LIST for _, n in shape):
            return list(self.build(*args))
        plan = None
        if self._alias is not None:
            plan = self._plans.get((id(connections[self._alias]), shape))
        if plan is None:
            plan = self._compile(shape)
        connection = connections[plan.db]
        if plan.for_update and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        given: Any = args
        params = [
            value if arg is None else given[arg] if index is None else given[arg][index]
            for arg, index, value in plan.slots
        ]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows: Any = cursor.fetchall()
        if plan.converters:
            rows = plan.compiler.apply_converters(rows, plan.converters)
        found: list[M] = []
        for row in rows:
            obj = plan.model.from_db(plan.db, plan.init_list, row[plan.start : plan.end])
            for populator in plan.populators:
                populator.populate(row, obj)
            found.append(obj)  # type: ignore[arg-type]
        return found

    def _compile(self, shape: tuple[tuple[type, int | None], ...]) -> _Plan:
        markers: list[Any] = []
        where: dict[str | int, tuple[int, int | None]] = {}
        for position, (kind, size) in enumerate(shape):
            if size is None:
                where[_marker(position, None, kind)] = (position, None)
                markers.append(_marker(position, None, kind))
            else:
                names = [_marker(position, i, kind) for i in range(size)]
                where.update({name: (position, i) for i, name in enumerate(names)})
                markers.append(names)
        queryset = self.build(*markers)
        db = queryset.db
        compiler = queryset.query.get_compiler(using=db)
        sql, compiled_params = compiler.as_sql()
        slots: list[tuple[int | None, int | None, Any]] = []
        for value in compiled_params:
            if isinstance(value, str | int) and not isinstance(value, bool) and value in where:
                slots.append((*where.pop(value), None))
            elif isinstance(value, str) and "\u27eafatura:" in value:
                raise ValueError(f"CompiledRead: a value was transformed ({value!r})")
            else:
                slots.append((None, None, value))
        if where:
            raise ValueError("CompiledRead: a value is not a plain parameter of the SQL")
        klass_info = compiler.klass_info
        select = compiler.select
        fields = [s[0] for s in select[0 : compiler.col_count]]
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        plan = _Plan(
            sql=sql,
            slots=tuple(slots),
            compiler=compiler,
            converters=compiler.get_converters(fields),
            init_list=[f[0].target.attname for f in select[start:end]],
            start=start,
            end=end,
            populators=get_related_populators(klass_info, select, db),
            model=klass_info["model"],
            db=db,
            for_update=bool(queryset.query.select_for_update),
        )
        if len(self._plans) > 64:  # threads come and go: keep the cache small
            self._plans.clear()
        self._alias = db
        self._plans[(id(connections[db]), shape)] = plan
        return plan
