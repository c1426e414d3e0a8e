"""Pure rules of the fiscal app: how an NFS-e's value is split over its service orders, the
lag of an NFS-e, and which expected-lag setting applies. No Django, no database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

CENT = Decimal("0.01")
DAY_SECONDS = Decimal(86_400)


def split_value(value: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``value`` split in proportion to ``weights``, to the cent, adding up exactly.

    Largest remainder: each part is rounded down to the cent, and the cents left over go one
    each to the parts with the largest remainders (ties: the earlier part). Zero weights all
    round: the value is split equally."""
    if not weights:
        raise ValueError("no weights to split over")
    cents = int((value / CENT).to_integral_value())
    if sum(weights) <= 0:
        weights = [Decimal(1)] * len(weights)
    total = sum(weights)
    exact = [Decimal(cents) * w / total for w in weights]
    parts = [int(e) for e in exact]  # floor: all non-negative
    left = cents - sum(parts)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [Decimal(p) * CENT for p in parts]


def lag_days(issued_at: dt.datetime, completed_at: dt.datetime) -> Decimal:
    """Days with decimals from the order's completion to the NFS-e's issue (negative when the
    NFS-e came first)."""
    seconds = Decimal((issued_at - completed_at) // dt.timedelta(microseconds=1)) / 1_000_000
    return seconds / DAY_SECONDS


@dataclass(frozen=True)
class ExpectedLags:
    """The expected-lag settings: most specific wins (customer and service type, then
    customer, then service type, then the global setting, then ``default``)."""

    default: Decimal
    global_days: Decimal | None = None
    by_type: Mapping[str, Decimal] | None = None
    by_customer: Mapping[int, Decimal] | None = None
    by_customer_type: Mapping[tuple[int, str], Decimal] | None = None

    def days(self, customer_id: int, service_type: str) -> Decimal:
        for table, key in (
            (self.by_customer_type, (customer_id, service_type)),
            (self.by_customer, customer_id),
            (self.by_type, service_type),
        ):
            if table and key in table:
                return table[key]  # type: ignore[index]
        return self.global_days if self.global_days is not None else self.default


def parse_order_numbers(text: str) -> list[str]:
    """``"OS-1; OS-2"`` -> ``["OS-1", "OS-2"]`` (blank parts dropped, order kept, duplicates
    kept so the caller can refuse them)."""
    return [part.strip() for part in text.split(";") if part.strip()]
