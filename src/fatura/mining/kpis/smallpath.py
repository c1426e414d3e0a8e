"""The invoice KPIs of a small log in plain Python (``fatura mine``'s path without NumPy or
Arrow, :mod:`fatura.mining.small`): the aggregates of :mod:`.quick`, case by case, handed to
the same :func:`.values.build`. Integer sums of microseconds are Python integers (exact, as
there), the float sum is ``math.fsum``. What it does not read the same way for certain raises
:class:`fatura.mining.small.NotSmall`, and the columnar path runs instead.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from fatura.mining.kpis import activities as d
from fatura.mining.kpis.figures import figures
from fatura.mining.small import Log, NotSmall, _microseconds

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CONTACT_SUCCESS = ("reached", "promise_to_pay")  # as kpis.CONTACT_SUCCESS
_DATE_ONLY = re.compile(r"[ \t\r\n]*(\d{4})-(\d{2})-(\d{2})[ \t\r\n]*")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_BILLING = frozenset(d.BILLING)


def kpis(
    log: Log, zone: str, automated_resources: tuple[str, ...], dunning_days: int = 14
) -> dict[str, Any]:
    """Every KPI of ``log``, as JSON values (:func:`.quick.kpis` with those options, then
    :func:`.values.to_json`)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise NotSmall("a zone this path does not know") from None
    ts, act, offsets = log.ts, log.activity, log.offsets
    invoice_date = _instants(log, "invoice_date", tz, False)
    due_date = _instants(log, "due_date", tz, True)
    discount = _numbers(log, "discount")
    unapplied = _numbers(log, "unapplied")
    level = _numbers(log, "dunning_level")
    pc: dict[str, Any] = dict.fromkeys(
        ("paid", "dso_sum", "dso_n", "on_time", "on_time_n", "cycle_sum", "i2c_sum", "i2c_n"), 0
    )
    pc |= dict.fromkeys(("rework", "discount", "disputed", "written_off", "lag_sum"), 0)
    pc |= {"lag_n": 0, "unapplied_n": 0}
    pe = dict.fromkeys(
        ("approval_sum", "approval_n", "resolution_sum", "resolution_n", "apply_sum", "apply_n"),
        0,
    )
    unapplied_values: list[float] = []
    months: dict[int, list[int]] = {}
    dunning: dict[tuple[int, int], tuple[int, int | None]] = {}  # (level, case) -> first, pay
    for k in range(len(offsets) - 1):
        a, b = offsets[k], offsets[k + 1]
        created = invoice = due = received = applied = lag = None
        last_sfa = last_reg = last_received = None
        rejected = disputed = written_off = rework = False
        largest = math.nan
        last_unapplied = None
        reminders = 0
        seen: set[str] = set()
        for i in range(a, b):
            name, t = act[i], ts[i]
            if name in _BILLING:
                if name in seen:
                    rework = True
                seen.add(name)
            if created is None and name == d.CREATED:
                created = t
            if invoice is None and invoice_date is not None and invoice_date[i] is not None:
                invoice = invoice_date[i]
            if due is None and due_date is not None and due_date[i] is not None:
                due = due_date[i]
            amount = discount[i] if discount is not None else None
            if amount is not None:
                largest = amount if math.isnan(largest) else max(largest, amount)
            if unapplied is not None and unapplied[i] is not None:
                last_unapplied = unapplied[i]
            if name == d.SENT_FOR_APPROVAL:
                last_sfa = t
            elif name == d.APPROVED:
                if last_sfa is not None:
                    pe["approval_sum"] += t - last_sfa
                    pe["approval_n"] += 1
                rework = rework or rejected
            elif name == d.REJECTED:
                rejected = True
            elif name == d.DISPUTE_REGISTERED:
                last_reg, disputed = t, True
            elif name == d.DISPUTE_RESOLVED and last_reg is not None:
                pe["resolution_sum"] += t - last_reg
                pe["resolution_n"] += 1
            elif name == d.RECEIVED:
                last_received = received = t
            elif name == d.APPLIED:
                applied = t
                if last_received is not None:
                    pe["apply_sum"] += t - last_received
                    pe["apply_n"] += 1
            elif name == d.POSTED and lag is None and last_received is not None:
                lag = t - last_received
            elif name == d.WRITTEN_OFF:
                written_off = True
            given = level[i] if level is not None else None
            if name == d.REMINDER:
                reminders += 1
            if name == d.REMINDER or (name == d.DUNNING and given is not None):
                key = (int(given) if given is not None else reminders, k)
                pay = _next_payment(act, ts, i, b)
                if key in dunning:
                    first, paid_at = dunning[key]
                    if pay is not None and (paid_at is None or pay < paid_at):
                        paid_at = pay
                    dunning[key] = (min(first, t), paid_at)
                else:
                    dunning[key] = (t, pay)
        payment = received if received is not None else applied
        invoice = invoice if invoice is not None else created
        pc["cycle_sum"] += ts[b - 1] - ts[a]
        pc["rework"] += rework
        pc["disputed"] += disputed
        pc["written_off"] += written_off
        if lag is not None:
            pc["lag_sum"] += lag
            pc["lag_n"] += 1
        if last_unapplied is not None:
            unapplied_values.append(last_unapplied)
        if payment is None:
            continue
        pc["paid"] += 1
        pc["discount"] += largest > 0  # NaN (no discount) > 0 is false
        if invoice is not None:
            pc["dso_sum"] += payment - invoice
            pc["dso_n"] += 1
            local = (_EPOCH + dt.timedelta(microseconds=payment)).astimezone(tz)
            months.setdefault(local.year * 100 + local.month, []).append(payment - invoice)
        if due is not None:
            pc["on_time"] += payment < due
            pc["on_time_n"] += 1
        if created is not None:
            pc["i2c_sum"] += payment - created
            pc["i2c_n"] += 1
    pc["cases"] = len(offsets) - 1
    pc["unapplied_sum"] = math.fsum(unapplied_values)
    pc["unapplied_n"] = len(unapplied_values)
    automated = _automated(log, automated_resources)
    pe["automated"], pe["automated_n"] = automated or (0, 0)
    outcome = _texts(log, "call_outcome")
    calls = [i for i, name in enumerate(act) if name == d.CALL]
    pe["calls"] = len(calls)
    pe["calls_ok"] = (
        sum(1 for i in calls if outcome[i] in CONTACT_SUCCESS) if outcome is not None else 0
    )
    present = {k for k in ("discount", "unapplied", "call_outcome") if k in log.columns}
    if automated is not None:
        present.add("automated")
    trend = [
        {"month": month, "dso_sum": sum(values), "cases": len(values)}
        for month, values in sorted(months.items())
    ]
    return figures(
        pc,
        pe,
        trend,
        _dunning(dunning, dunning_days),
        frozenset(present),
        dunning_days,
    )


def _next_payment(act: list[str], ts: list[int], i: int, b: int) -> int | None:
    """The time of the first payment at or after event ``i`` in its case (which ends at
    ``b``)."""
    for j in range(i, b):
        if act[j] in d.PAYMENTS:
            return ts[j]
    return None


def _dunning(groups: dict[tuple[int, int], tuple[int, int | None]], days: int) -> list[dict]:
    rows: dict[int, list[int]] = {}
    for (level, _), (first, pay) in groups.items():
        row = rows.setdefault(level, [0, 0])
        row[0] += 1
        row[1] += pay is not None and pay - first <= days * d.DAY_US
    return [{"level": lv, "cases": n, "paid": p} for lv, (n, p) in sorted(rows.items())]


def _column(log: Log, key: str, kinds: tuple[str, ...]) -> list[Any] | None:
    values = log.columns.get(key)
    if values is not None and log.types[key] not in kinds:
        raise NotSmall(f"{key} of another type")
    return values


def _numbers(log: Log, key: str) -> list[float | None] | None:
    values = _column(log, key, ("int", "float"))
    return None if values is None else [None if v is None else float(v) for v in values]


def _texts(log: Log, key: str) -> list[str | None] | None:
    return _column(log, key, ("string", "id"))


def _instants(log: Log, key: str, tz: Any, end_of_day: bool) -> list[int | None] | None:
    """:func:`.inputs._instant`: a date alone is its local midnight (the next one for a
    deadline); a date-time is itself."""
    values = _column(log, key, ("string", "id", "date"))
    if values is None:
        return None
    if log.types[key] == "date":
        days: dict[str, int] = {}
        return [None if v is None else _microseconds(v, days) for v in values]
    out: list[int | None] = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        found = _DATE_ONLY.fullmatch(value)
        if found is None:
            raise NotSmall(f"{key}: not a date alone")
        try:
            day = dt.date(*(int(part) for part in found.groups()))
        except ValueError:
            raise NotSmall(f"{key}: not a date") from None
        if end_of_day:
            day += dt.timedelta(days=1)
        local = dt.datetime(day.year, day.month, day.day, tzinfo=tz)
        if local.utcoffset() != local.replace(fold=1).utcoffset():
            raise NotSmall(f"{key}: a midnight the zone skips or repeats")
        out.append((local - _EPOCH) // dt.timedelta(microseconds=1))
    return out


def _automated(log: Log, users: tuple[str, ...]) -> tuple[int, int] | None:
    """(automated events, events that say), as :meth:`.quick._Kpis.automated`."""
    flag = _column(log, "is_automated", ("boolean",))
    if flag is not None:
        said = [v for v in flag if v is not None]
        return sum(1 for v in said if v == "true"), len(said)
    resource = log.columns.get("resource")
    if resource is None or not users:
        return None
    wanted = {u.casefold() for u in users}
    said = [v for v in resource if v is not None]
    if not all(v.isascii() for v in set(said)) or not all(u.isascii() for u in wanted):
        raise NotSmall("a user name beyond ASCII")  # Arrow's and Python's lower() may differ
    return sum(1 for v in said if v.lower() in wanted), len(said)
