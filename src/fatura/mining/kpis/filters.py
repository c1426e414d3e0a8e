"""Which cases a KPI looks at: attribute equality / in-list, amount range, start window.

A filter keeps a case when every condition holds: each attribute in ``equals`` has one of the
given values (text, compared exactly), ``amount_min <= amount <= amount_max`` (a case without an
amount is dropped when a bound is set), and the case's first event is in
``[started_from, started_before)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from fatura.mining.kpis.derived import CASE_TEXT

FILTERABLE = CASE_TEXT


class FilterError(ValueError):
    """A filter that names an attribute the KPIs do not carry, or a bad bound."""


@dataclass(frozen=True)
class Filters:
    equals: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    amount_min: float | None = None
    amount_max: float | None = None
    started_from: dt.datetime | None = None
    started_before: dt.datetime | None = None

    def __post_init__(self) -> None:
        unknown = sorted(set(self.equals) - set(FILTERABLE))
        if unknown:
            raise FilterError(
                f"cannot filter on {', '.join(unknown)}; use one of {', '.join(FILTERABLE)}"
            )
        for name in ("started_from", "started_before"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise FilterError(f"{name} must be timezone-aware, not {value.isoformat()}")
        low, high = self.amount_min, self.amount_max
        if low is not None and high is not None and low > high:
            raise FilterError(f"amount_min {low} is above amount_max {high}")

    def apply(self, cases: ir.Table) -> ir.Table:
        conditions: list[ir.BooleanValue] = []
        for key, wanted in self.equals.items():
            values = [wanted] if isinstance(wanted, str) else [str(v) for v in wanted]
            conditions.append(cases[key].isin(values))
        if self.amount_min is not None:
            conditions.append(cases.amount >= self.amount_min)
        if self.amount_max is not None:
            conditions.append(cases.amount <= self.amount_max)
        if self.started_from is not None:
            conditions.append(cases.start_us >= _us(self.started_from))
        if self.started_before is not None:
            conditions.append(cases.start_us < _us(self.started_before))
        if not conditions:
            return cases
        return cases.filter(*[c.fill_null(False) for c in conditions])


def _us(moment: dt.datetime) -> ir.IntegerValue:
    delta = moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return ibis.literal(delta // dt.timedelta(microseconds=1), "int64")
