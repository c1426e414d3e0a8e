"""Cash-flow forecast: expected receipts per week for the next weeks, with a P10–P90 band.

Pure: a list of :class:`~fatura.forecast.predict.Prediction` (and, to group, each invoice's
group key) in, :class:`CashFlow` out. Weeks start on Monday (local calendar days); the first
week is the one of ``as_of``, so an invoice expected before ``as_of`` (overdue) lands in it.

Monte Carlo over the invoices (:data:`SCENARIOS` seeded scenarios, vectorized with NumPy):
in each scenario every invoice is

- paid with probability ``1 − write_off_probability`` (otherwise its amount is "not
  expected"), and
- paid on a day drawn from the distribution through its P10/P50/P90: the inverse CDF is
  piecewise linear through (0.1, P10), (0.5, P50), (0.9, P90), the tails extended with the
  slope of their neighbouring segment down to u = 0 and up to u = 1 (a quarter of the
  P10–P50 and P50–P90 spans; the lower end never before ``as_of``), rounded to a day.

The weekly sums of each scenario give, per week, the mean (``expected``) and the P10 / P50 /
P90 across scenarios; beside the weeks, ``later`` (after the horizon) and ``not_expected``
(the write-off mass). Every scenario places each invoice's whole open amount in exactly one
of these buckets, so the means add up to what is open (up to a cent of rounding per bucket).

**Invoices are assumed independent** (no shared shock such as a customer or a whole segment
paying late together). With many small invoices the weekly sums concentrate around their mean
(law of large numbers), so the band is narrow; it is an honest band for independent delays,
not for a crisis. Amounts are integer cents until they become ``Decimal`` reais here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from fatura.core.money import to_money
from fatura.forecast.predict import Prediction

SCENARIOS = 2000
SEED = 20240601
CHUNK = 200  # scenarios drawn at once: memory stays at CHUNK × invoices
QUANTILES = np.array([0.0, 0.1, 0.5, 0.9, 1.0])
TAIL = 0.25  # the tails' length, as a share of the neighbouring span (slope continued)
TOTAL = ""  # the key of the total


@dataclass(frozen=True)
class Bucket:
    """What lands in one bucket: a week (``start`` = its Monday), later, or not expected."""

    start: dt.date | None
    expected: Decimal  # mean over the scenarios
    p10: Decimal
    p50: Decimal
    p90: Decimal
    invoices: int = 0  # weeks: invoices whose P50 date falls in the week


@dataclass(frozen=True)
class GroupFlow:
    key: str  # the group's value ("" for the total, or a group without a value)
    weeks: list[Bucket]
    later: Bucket
    not_expected: Bucket
    open_total: Decimal
    invoices: int


@dataclass(frozen=True)
class CashFlow:
    as_of: dt.date
    first_week: dt.date  # Monday of as_of's week
    horizon: int  # number of weeks
    scenarios: int
    total: GroupFlow
    groups: list[GroupFlow]  # largest open amount first; empty when not grouped
    invoice_ids: tuple[int, ...] = ()
    # (invoices, horizon + 2): each invoice's chance of being paid in each week, after the
    # horizon, or never (written off); rows in ``invoice_ids`` order.
    shares: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), compare=False)

    def bucket_shares(self, bucket: int) -> dict[int, float]:
        """Invoice id -> its chance of landing in ``bucket`` (a week's index, ``horizon`` for
        later, ``horizon + 1`` for not expected), for the invoices with any chance."""
        column = self.shares[:, bucket] if len(self.shares) else np.zeros(0)
        return {i: float(s) for i, s in zip(self.invoice_ids, column, strict=True) if s > 0}


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _knots(predictions: Sequence[Prediction], as_of: dt.date) -> np.ndarray:
    """(invoices, 5): the inverse CDF's values at u = 0, 0.1, 0.5, 0.9, 1, in days from
    ``as_of`` (never negative: what was expected before today is expected today)."""

    def days(attr: str) -> np.ndarray:
        return np.array(
            [(getattr(p, attr) - as_of).days for p in predictions], dtype=np.float64
        ).clip(min=0)

    p10, p50, p90 = np.sort(
        np.column_stack([days(a) for a in ("p10_date", "expected_date", "p90_date")]), axis=1
    ).T
    low = np.maximum(p10 - TAIL * (p50 - p10), 0.0)
    high = p90 + TAIL * (p90 - p50)
    return np.column_stack([low, p10, p50, p90, high])


def _draw_days(knots: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Payment days (scenarios × invoices) for uniform draws ``u`` through each row's knots."""
    segment = np.clip(np.searchsorted(QUANTILES, u, side="right") - 1, 0, len(QUANTILES) - 2)
    column = np.arange(knots.shape[0])[None, :]
    k0, k1 = knots[column, segment], knots[column, segment + 1]
    q0, q1 = QUANTILES[segment], QUANTILES[segment + 1]
    return np.rint(k0 + (u - q0) / (q1 - q0) * (k1 - k0))


def _money(cents: float) -> Decimal:
    return to_money(Decimal(round(cents)) / 100)


def _mean(total_cents: int, scenarios: int) -> Decimal:
    return to_money(Decimal(int(total_cents)) / scenarios / 100)


def _buckets(
    sums: np.ndarray, scenarios: int, starts: list[dt.date | None], counts: list[int]
) -> list[Bucket]:
    """``sums``: (scenarios, buckets) integer cents -> one Bucket per column."""
    quantiles = np.percentile(sums, [10, 50, 90], axis=0) if len(sums) else np.zeros((3, 0))
    totals = sums.sum(axis=0)
    return [
        Bucket(
            start=starts[b],
            expected=_mean(int(totals[b]), scenarios),
            p10=_money(quantiles[0, b]),
            p50=_money(quantiles[1, b]),
            p90=_money(quantiles[2, b]),
            invoices=counts[b],
        )
        for b in range(sums.shape[1])
    ]


def _group_flow(
    key: str,
    sums: np.ndarray,
    scenarios: int,
    horizon: int,
    first: dt.date,
    counts: np.ndarray,
    open_cents: int,
    invoices: int,
) -> GroupFlow:
    starts: list[dt.date | None] = [first + dt.timedelta(weeks=w) for w in range(horizon)]
    buckets = _buckets(
        sums, scenarios, [*starts, None, None], [*(int(c) for c in counts[:horizon]), 0, 0]
    )
    return GroupFlow(
        key=key,
        weeks=buckets[:horizon],
        later=buckets[horizon],
        not_expected=buckets[horizon + 1],
        open_total=to_money(Decimal(open_cents) / 100),
        invoices=invoices,
    )


def cash_flow(
    predictions: Sequence[Prediction],
    *,
    as_of: dt.date,
    weeks: int = 12,
    groups: Mapping[int, str] | None = None,
    scenarios: int = SCENARIOS,
    seed: int = SEED,
) -> CashFlow:
    """Expected receipts per week for ``weeks`` weeks from ``as_of``'s, with the P10–P90
    band; per group too when ``groups`` maps invoice ids to a group key (a business unit, a
    segment). The draws do not depend on the grouping: the total is the same either way."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    first = monday(as_of)
    n = len(predictions)
    n_buckets = weeks + 2  # the weeks, later, not expected
    cents = np.array([p.open_cents for p in predictions], dtype=np.int64)
    keys = [groups.get(p.invoice_id, "") for p in predictions] if groups is not None else []
    labels = sorted(set(keys))
    group_of = (
        np.array([labels.index(k) for k in keys], dtype=np.int64)
        if keys
        else np.zeros(n, dtype=np.int64)
    )
    n_groups = max(len(labels), 1)
    sums = np.zeros((scenarios, n_groups, n_buckets), dtype=np.int64)
    hits = np.zeros((n, n_buckets), dtype=np.int64)
    if n:
        knots = _knots(predictions, as_of)
        paid_below = 1.0 - np.array([p.write_off_probability for p in predictions]).clip(0, 1)
        offset = (as_of - first).days
        rng = np.random.default_rng(seed)
        for start in range(0, scenarios, CHUNK):
            size = min(CHUNK, scenarios - start)
            u = rng.random((size, n))
            paid = rng.random((size, n)) < paid_below[None, :]
            week = (offset + _draw_days(knots, u)).astype(np.int64) // 7
            bucket = np.where(paid, np.minimum(week, weeks), weeks + 1)
            scenario = np.arange(size)[:, None]
            index = (scenario * n_groups + group_of[None, :]) * n_buckets + bucket
            weights = np.broadcast_to(cents[None, :], bucket.shape)
            flat = np.bincount(
                index.ravel(), weights=weights.ravel(), minlength=size * n_groups * n_buckets
            )
            sums[start : start + size] = (
                np.rint(flat).astype(np.int64).reshape(size, n_groups, n_buckets)
            )
            hits += np.bincount(
                (np.arange(n)[None, :] * n_buckets + bucket).ravel(), minlength=n * n_buckets
            ).reshape(n, n_buckets)
    p50_week = np.array(
        [min(max((p.expected_date - first).days // 7, 0), weeks) for p in predictions],
        dtype=np.int64,
    )

    def flow(key: str, members: np.ndarray, scenario_sums: np.ndarray) -> GroupFlow:
        counts = np.bincount(p50_week[members], minlength=n_buckets)
        return _group_flow(
            key, scenario_sums, scenarios, weeks, first, counts,
            int(cents[members].sum()), int(members.sum()),
        )  # fmt: skip

    everyone = np.ones(n, dtype=bool)
    total = flow(TOTAL, everyone, sums.sum(axis=1))
    grouped = [flow(label, group_of == g, sums[:, g, :]) for g, label in enumerate(labels)]
    grouped.sort(key=lambda g: (-g.open_total, g.key))
    return CashFlow(
        as_of=as_of,
        first_week=first,
        horizon=weeks,
        scenarios=scenarios,
        total=total,
        groups=grouped if groups is not None else [],
        invoice_ids=tuple(p.invoice_id for p in predictions),
        shares=hits / scenarios if n else np.zeros((0, n_buckets)),
    )
