"""Case filters: one model for the process map, the variants and the KPIs (docs/mining.md).

A filter is a list of conditions written as text (``fatura mine --where``, the API's and the
page's ``where`` parameters); a case is kept when every condition holds (AND):

=========================  ===================================================================
``key=value``              the case's ``key`` is ``value`` (text compared exactly; a number
                           column compares as a number)
``key!=value``             the case's ``key`` is not ``value`` (a case without ``key`` is kept)
``key>=N`` ``key>N``       the case's ``key`` (a number column, e.g. ``amount``) compared with
``key<=N`` ``key<N``       ``N``; a case without ``key`` is dropped
``has:Activity``           the case has at least one event of the activity
``lacks:Activity``         the case has no event of the activity
``from:WHEN``              the case starts (its first event) at or after ``WHEN``
``to:WHEN``                the case ends (its last event) before ``WHEN``; a date means the
                           end of that day
=========================  ===================================================================

``WHEN`` is a date (``2026-01-31``, local midnight in the analysis zone, FATURA_TIME_ZONE or
America/Sao_Paulo) or an ISO 8601 instant with its offset (``2026-01-31T12:00:00-03:00``).
A case's value of ``key`` is the event column ``key`` (or the XES trace attribute
``case:key``) on the first of its events that has one, in the ordering rule's order.

Filters select whole cases and never cut them: the map, the variants and the durations of the
kept cases are those of the whole cases (a case that began before ``from:`` is left out rather
than shortened). The filter runs once, with NumPy, on the :class:`EventLog`; every engine then
mines the sub-log, so the fast, DuckDB and Spark paths see the same cases.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.log import ACTIVITY, END_TIMESTAMP, EVENT_INDEX, TIMESTAMP, EventLog
from fatura.mining.timestamps import default_zone

MAX_CONDITIONS = 20
MAX_LENGTH = 200
NOT_ATTRIBUTES = frozenset({ACTIVITY, TIMESTAMP, END_TIMESTAMP, EVENT_INDEX})
COMPARISONS = (">=", "<=", "!=", ">", "<", "=")  # longest first: the first one found splits
KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_:.\- ]{0,63}")
CONDITION = re.compile(r"([^<>=!]+?)\s*(>=|<=|!=|>|<|=)(.*)", re.DOTALL)
PREFIXES = ("has", "lacks", "from", "to")
SYNTAX = "key=value, key!=value, key>=N, key>N, key<=N, key<N, has:A, lacks:A, from:D, to:D"


class FilterError(ValueError):
    """A condition that cannot be read or does not fit the log; ``condition`` is its text."""

    def __init__(self, condition: str, reason: str) -> None:
        super().__init__(f"filter {condition!r}: {reason}")
        self.condition = condition
        self.reason = reason


@dataclass(frozen=True)
class Condition:
    text: str  # as written
    kind: str  # "compare", "has", "lacks", "from", "to"
    key: str = ""  # the attribute (compare) or the activity (has/lacks)
    op: str = ""  # one of COMPARISONS (compare)
    value: str = ""  # the value as written (compare) or the instant's text (from/to)


@dataclass(frozen=True)
class CaseFilter:
    conditions: tuple[Condition, ...] = ()
    zone: str | None = None  # for dates in from:/to: (default: the analysis zone)
    # DaysOverdue of unpaid cases as of (µs since the epoch; default: the log's last event)
    as_of_us: int | None = None

    def __bool__(self) -> bool:
        return bool(self.conditions)

    @property
    def needs_attributes(self) -> bool:
        """Whether a condition reads a case attribute (the log must be read with them)."""
        return any(c.kind == "compare" for c in self.conditions)

    def texts(self) -> list[str]:
        return [c.text for c in self.conditions]

    def case_mask(self, log: EventLog) -> np.ndarray:
        """One bool per case of ``log`` (in its case order): kept or not."""
        keep = np.ones(log.cases, dtype=bool)
        derived = _Derived(log, self.zone or default_zone(), self.as_of_us)
        for condition in self.conditions:
            keep &= _holds(condition, log, self.zone or default_zone(), derived)
        return keep

    def select(self, log: EventLog) -> EventLog | None:
        """The sub-log of the kept cases (``log`` itself with no conditions; ``None`` when no
        case is kept)."""
        if not self.conditions:
            return log
        keep = self.case_mask(log)
        if keep.all():
            return log
        if not keep.any():
            return None
        in_log_order = np.repeat(keep, np.diff(log.case_offsets))
        if log.order is None:
            in_file_order = in_log_order
        else:
            in_file_order = np.empty(len(in_log_order), dtype=bool)
            in_file_order[log.order] = in_log_order
        return EventLog.from_table(log.source.filter(pa.array(in_file_order)), name=log.name)


def parse(
    texts: Iterable[str], *, zone: str | None = None, as_of_us: int | None = None
) -> CaseFilter:
    """Read the conditions (see the module docstring); :class:`FilterError` names the bad one."""
    conditions: list[Condition] = []
    for raw in texts:
        if len(conditions) == MAX_CONDITIONS:
            raise FilterError(raw, f"at most {MAX_CONDITIONS} conditions")
        conditions.append(parse_one(raw))
    for condition in conditions:
        if condition.kind in ("from", "to"):
            _instant(condition, zone or default_zone())  # validate now, not at the first log
    return CaseFilter(tuple(conditions), zone, as_of_us)


def parse_one(raw: str) -> Condition:
    text = raw.strip()
    if not text:
        raise FilterError(raw, f"empty; write one of {SYNTAX}")
    if len(text) > MAX_LENGTH:
        raise FilterError(raw[:40] + "…", f"longer than {MAX_LENGTH} characters")
    prefix, colon, rest = text.partition(":")
    if colon and prefix.strip().lower() in PREFIXES and not _comparison_in(prefix):
        kind = prefix.strip().lower()
        rest = rest.strip()
        if not rest:
            raise FilterError(raw, f"{kind}: needs a value")
        if kind in ("has", "lacks"):
            return Condition(text, kind, key=rest)
        return Condition(text, kind, value=rest)
    match = CONDITION.fullmatch(text)
    if match is None:
        raise FilterError(raw, f"not a condition; write one of {SYNTAX}")
    key, op, value = match.group(1).strip(), match.group(2), match.group(3).strip()
    if not KEY.fullmatch(key):
        raise FilterError(raw, f"{key!r} is not an attribute name")
    if value == "":
        raise FilterError(raw, "needs a value after the operator")
    if op in (">=", "<=", ">", "<"):
        _number(raw, value)
    return Condition(text, "compare", key=key, op=op, value=value)


def _comparison_in(text: str) -> bool:
    return any(op in text for op in COMPARISONS)


def _number(raw: str, value: str) -> Decimal:
    try:
        number = Decimal(value.replace(",", ".") if value.count(",") == 1 else value)
    except InvalidOperation:
        raise FilterError(raw, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise FilterError(raw, f"{value!r} is not a number")
    return number


def _instant(condition: Condition, zone: str) -> int:
    """``from:``/``to:``'s bound as microseconds since the epoch (UTC)."""
    value = condition.value
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            if condition.kind == "to":
                day += dt.timedelta(days=1)
            moment = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(zone))
        else:
            moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise FilterError(
            condition.text, f"{value!r} is not a date (2026-01-31) or an instant with offset"
        ) from None
    if moment.tzinfo is None:
        raise FilterError(condition.text, f"{value!r} has no offset (write e.g. -03:00 or Z)")
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


class _Derived:
    """The per-invoice derived attributes (:mod:`fatura.mining.case_table`) of a log, computed
    on the first condition that names one the log does not carry as an attribute."""

    def __init__(self, log: EventLog, zone: str, as_of_us: int | None) -> None:
        self.log, self.zone, self.as_of_us = log, zone, as_of_us
        self._table: pa.Table | None = None

    def values(self, key: str) -> pa.Array:
        if self._table is None:
            from fatura.mining.case_table import case_table

            self._table = case_table(self.log, as_of=self.as_of_us, zone=self.zone)
        return self._table.column(key).combine_chunks()


def _holds(
    condition: Condition, log: EventLog, zone: str, derived: _Derived | None = None
) -> np.ndarray:
    offsets = log.case_offsets
    if condition.kind in ("has", "lacks"):
        names = log.activity_names.to_pylist()
        if condition.key not in names:
            found = np.zeros(log.cases, dtype=bool)
        else:
            hit = (log.activity_codes == names.index(condition.key)).astype(np.int64)
            found = np.add.reduceat(hit, offsets[:-1]) > 0
        return found if condition.kind == "has" else ~found
    if condition.kind == "from":
        return log.timestamps[offsets[:-1]] >= _instant(condition, zone)
    if condition.kind == "to":
        return log.timestamps[offsets[1:] - 1] < _instant(condition, zone)
    return _compare(condition, log, derived or _Derived(log, zone, None))


def attribute_column(log: EventLog, key: str) -> pa.ChunkedArray | None:
    for name in (key, f"case:{key}"):
        if name in log.source.column_names and name not in NOT_ATTRIBUTES:
            return log.source.column(name)
    return None


def attribute_names(log: EventLog) -> list[str]:
    """The keys a condition can name (trace attributes without their ``case:`` prefix)."""
    names = {n.removeprefix("case:") for n in log.source.column_names if n not in NOT_ATTRIBUTES}
    return sorted(names)


def case_values(log: EventLog, column: pa.ChunkedArray) -> pa.Array:
    """Each case's value of an event column: the first non-null one in log order (or null)."""
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_dictionary(array.type):
        array = array.cast(array.type.value_type)
    if log.order is not None:
        array = array.take(pa.array(log.order))
    valid = np.asarray(pc.is_valid(array).to_numpy(zero_copy_only=False), dtype=bool)
    n = len(valid)
    position = np.where(valid, np.arange(n, dtype=np.int64), n)
    first = np.minimum.reduceat(position, log.case_offsets[:-1])
    has = first < n
    picked = array.take(pa.array(np.where(has, first, 0)))
    return pc.if_else(pa.array(has), picked, pa.nulls(len(picked), picked.type))


def _compare(condition: Condition, log: EventLog, derived: _Derived) -> np.ndarray:
    from fatura.mining.case_table import DERIVED

    column = attribute_column(log, condition.key)
    if column is not None:
        values = case_values(log, column)
    elif condition.key in DERIVED:
        values = derived.values(condition.key)
    else:
        known = ", ".join([*attribute_names(log), *DERIVED]) or "none"
        raise FilterError(
            condition.text, f"the log has no attribute {condition.key!r} (it has: {known})"
        )
    if pa.types.is_boolean(values.type):
        return _compare_flag(condition, values)
    if pa.types.is_timestamp(values.type):
        raise FilterError(
            condition.text,
            f"{condition.key!r} is an instant: filter by days (dso_days, "
            "days_overdue) or the case's start and end (from:, to:)",
        )
    numeric = pa.types.is_integer(values.type) or pa.types.is_floating(values.type)
    numeric = numeric or pa.types.is_decimal(values.type)
    op = condition.op
    if op in (">=", "<=", ">", "<") and not numeric:
        try:
            values = pc.cast(values, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise FilterError(
                condition.text, f"{condition.key!r} is not a number in this log"
            ) from None
        numeric = True
    wanted: pa.Scalar
    if numeric:
        values = pc.cast(values, pa.float64())
        if op in ("=", "!=") and not _is_number(condition.value):
            raise FilterError(condition.text, f"{condition.key!r} is a number in this log")
        wanted = pa.scalar(float(_number(condition.text, condition.value)))
    else:
        values = pc.cast(values, pa.string())
        wanted = pa.scalar(condition.value)
    function = {
        "=": pc.equal,
        "!=": pc.not_equal,
        ">=": pc.greater_equal,
        "<=": pc.less_equal,
        ">": pc.greater,
        "<": pc.less,
    }[op]
    result = function(values, wanted)
    fill = op == "!="  # a case without the attribute is "not value"
    return np.asarray(pc.fill_null(result, fill).to_numpy(zero_copy_only=False), dtype=bool)


TRUE = frozenset({"true", "1", "sim", "yes"})
FALSE = frozenset({"false", "0", "não", "nao", "no"})


def _compare_flag(condition: Condition, values: pa.Array) -> np.ndarray:
    """``key=true`` / ``key!=false`` on a yes/no attribute (true, false; sim, não)."""
    text = condition.value.strip().casefold()
    if condition.op not in ("=", "!=") or text not in TRUE | FALSE:
        message = f"{condition.key!r} is yes/no: write {condition.key}=true or =false"
        raise FilterError(condition.text, message)
    result = pc.equal(values, pa.scalar(text in TRUE))
    fill = condition.op == "!="
    if fill:
        result = pc.invert(result)
    return np.asarray(pc.fill_null(result, fill).to_numpy(zero_copy_only=False), dtype=bool)


def _is_number(value: str) -> bool:
    try:
        _number(value, value)
    except FilterError:
        return False
    return True


def available(log: EventLog, *, limit: int = 50) -> dict[str, dict[str, object]]:
    """What a filter form can offer: per attribute, its kind and its distinct case values
    (text: up to ``limit``, most frequent first) or its range (numbers)."""
    out: dict[str, dict[str, object]] = {}
    for key in attribute_names(log):
        column = attribute_column(log, key)
        if column is None:
            continue
        values = case_values(log, column)
        kind = values.type
        if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            low, high = pc.min_max(values).values()
            out[key] = {"kind": "number", "min": low.as_py(), "max": high.as_py()}
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
            counted = pc.value_counts(pc.drop_null(values))
            pairs = sorted(
                zip(
                    counted.field("values").to_pylist(),
                    counted.field("counts").to_pylist(),
                    strict=True,
                ),
                key=lambda p: (-p[1], p[0]),
            )
            out[key] = {
                "kind": "text",
                "values": [v for v, _ in pairs[:limit]],
                "distinct": len(pairs),
            }
    return out


def activities(log: EventLog) -> list[str]:
    return sorted(log.activity_names.to_pylist())


def describe(conditions: Sequence[Condition]) -> str:
    return " AND ".join(c.text for c in conditions)
