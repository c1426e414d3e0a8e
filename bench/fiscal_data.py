"""The fiscal benchmark's data: a year of service orders and the NFS-e that cover them, made
with NumPy and written with raw bulk inserts (SQLite ``executemany``, PostgreSQL ``COPY``):
not the ORM row by row, and not part of any timed figure.

The shape follows the demo (``fatura.demo.fiscal_data``): its service types, teams, values
and per-team lags; NFS-e covering several orders of the same customer and type, orders split
over two NFS-e, cancelled and replaced NFS-e, orders not billed yet, a backlog without NFS-e,
a few NFS-e issued before the billing, cancelled and open orders, expected-lag settings
(global, per type, per customer, per customer and type), and delay reasons (the seeded ones) on
most orders whose NFS-e came late.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

YEAR = 2025
NOW = dt.datetime(2026, 1, 12, 18, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
CHUNK = 100_000


def _local_midnights(first: dt.date, days: int, zone: ZoneInfo) -> np.ndarray:
    """UTC epoch µs of local midnight for ``days`` days from ``first``."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return np.array(
        [
            (dt.datetime.combine(first + dt.timedelta(days=n), dt.time(), zone) - epoch)
            // dt.timedelta(microseconds=1)
            for n in range(days)
        ],
        dtype=np.int64,
    )


class Generated:
    """Column arrays of customers, orders, NFS-e and coverage rows (ids from 1)."""

    def __init__(self, orders: int, seed: int = 42) -> None:
        from fatura.demo.fiscal_data import FIELD, SERVICE_TYPES, TEAM_LAGS, TEAMS

        rng = np.random.default_rng(seed)
        zone = ZoneInfo("America/Sao_Paulo")
        self.first = dt.date(YEAR, 1, 1)
        span = (NOW.date() - self.first).days + 1
        midnights = _local_midnights(self.first, span + 200, zone)
        now_us = (NOW - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
        self.types = SERVICE_TYPES
        self.teams = TEAMS
        n = orders
        customers = max(20, n // 200)
        self.customers = customers
        self.customer_south = rng.random(customers) < 0.6
        weight = rng.lognormal(0, 1.0, customers)
        self.order_customer = rng.choice(customers, n, p=weight / weight.sum())

        shares = np.array([t.weight for t in SERVICE_TYPES])
        kind = rng.choice(len(SERVICE_TYPES), n, p=shares / shares.sum())
        self.order_type = kind
        team = np.empty(n, dtype=np.int64)
        factor = np.empty(n)
        value = np.empty(n, dtype=np.int64)
        field = np.where(self.customer_south[self.order_customer], 1, 0)  # Campo Sul / Norte
        for k, spec in enumerate(SERVICE_TYPES):
            mask = kind == k
            picks = rng.choice(len(spec.teams), int(mask.sum()), p=[w for _, w in spec.teams])
            names = [name for name, _ in spec.teams]
            chosen = np.array([-1 if name == FIELD else TEAMS.index(name) for name in names])
            team[mask] = np.where(chosen[picks] < 0, field[mask], chosen[picks])
            factor[mask] = spec.lag_factor
            cents = rng.lognormal(np.log(spec.median_value * 100), spec.spread, int(mask.sum()))
            value[mask] = np.maximum(cents.round(), 5000).astype(np.int64)
        self.order_team, self.order_cents = team, value

        # completion: a business day of the year (or the first days of the next), 8h-18h
        day = rng.integers(0, span, n)
        weekday = (np.datetime64(self.first) + day).astype("datetime64[D]").view("int64")
        weekday = (weekday + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        day = day + np.where(weekday >= 5, 7 - weekday, 0)
        completed = midnights[day] + rng.integers(8 * HOUR_US, 18 * HOUR_US, n)
        billed = completed + rng.integers(0, 6, n) * DAY_US + rng.integers(0, 4 * HOUR_US, n)
        status = np.full(n, "billed", dtype=object)
        roll = rng.random(n)
        open_ = (roll < 0.01) | (completed > now_us)
        cancelled = (roll >= 0.01) & (roll < 0.015) & ~open_
        unbilled = (billed > now_us) & ~open_ & ~cancelled
        status[open_], status[cancelled], status[unbilled] = "open", "cancelled", "completed"
        self.order_status = status
        self.completed = np.where(open_, -1, completed)
        self.billed = np.where(status == "billed", billed, -1)

        # the NFS-e lag from the billing, per team and type
        lag = np.empty(n)
        for t, name in enumerate(TEAMS):
            mask = team == t
            kind_, a, b = TEAM_LAGS[name]
            size = int(mask.sum())
            if kind_ == "exponential":
                lag[mask] = rng.exponential(a, size)
            elif kind_ == "gamma":
                lag[mask] = rng.gamma(a, b, size)
            else:
                lag[mask] = rng.lognormal(a, b, size)
        issued = billed + (np.minimum(lag * factor, 120) * DAY_US).astype(np.int64)
        before = rng.random(n) < 0.03  # issued between completion and billing
        issued = np.where(before, completed + (billed - completed) // 2, issued)
        forgotten = rng.random(n) < 0.015
        has = (status == "billed") & ~forgotten & (issued <= now_us)
        self._nfse(rng, np.flatnonzero(has), issued, now_us)

        # delay reasons (0: none, 1..4: the seeded reasons), from a stream of their own so the
        # rest of the data stays as it was: most orders issued late carry one, a few others
        pick = np.random.default_rng(seed + 1)
        late = (issued - completed) > 5 * DAY_US
        given = (pick.random(n) < np.where(late, 0.6, 0.03)) & (status != "open")
        self.order_reason = np.where(given, pick.integers(1, 5, n), 0)

    def first_us(self) -> int:
        start = dt.datetime.combine(self.first, dt.time(), ZoneInfo("America/Sao_Paulo"))
        return (start - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)

    def _nfse(
        self, rng: np.random.Generator, covered: np.ndarray, issued: np.ndarray, now: int
    ) -> None:
        # NFS-e covering several orders: same customer and type, within 10 days, 20% merged
        order = covered[
            np.lexsort((issued[covered], self.order_type[covered], self.order_customer[covered]))
        ]
        same = np.zeros(len(order), dtype=bool)
        same[1:] = (
            (self.order_customer[order][1:] == self.order_customer[order][:-1])
            & (self.order_type[order][1:] == self.order_type[order][:-1])
            & (issued[order][1:] - issued[order][:-1] < 10 * DAY_US)
        )
        merge = same & (rng.random(len(order)) < 0.2)
        group = np.cumsum(~merge) - 1  # 0-based NFS-e index per coverage row
        groups = int(group[-1]) + 1 if len(group) else 0
        when = np.full(groups, -1, dtype=np.int64)
        np.maximum.at(when, group, issued[order])
        share = self.order_cents[order].copy()

        # a few orders split over two NFS-e: 40% first, the rest 7-45 days later
        split = rng.random(len(order)) < 0.02
        first_part = share[split] * 2 // 5
        later = when[group[split]] + rng.integers(7, 46, int(split.sum())) * DAY_US
        keep = later <= now
        share[split] = np.where(keep, first_part, share[split])
        extra_orders = order[split][keep]
        extra_cents = (self.order_cents[extra_orders] - first_part[keep]).astype(np.int64)
        extra_groups = groups + np.arange(len(extra_orders))
        when = np.concatenate([when, later[keep]])
        rows_nfse = np.concatenate([group, extra_groups])
        rows_order = np.concatenate([order, extra_orders])
        rows_cents = np.concatenate([share, extra_cents])
        total = len(when)

        # 1% cancelled, 1% replaced by a substitute issued at the cancellation
        roll = rng.random(total)
        status = np.where(roll < 0.01, "cancelled", np.where(roll < 0.02, "replaced", "issued"))
        cancelled_at = np.where(status != "issued", when + rng.integers(1, 72, total) * HOUR_US, -1)
        cancelled_at = np.where(cancelled_at > now, now, cancelled_at)
        replaced = np.flatnonzero(status == "replaced")
        substitute = np.full(total, -1, dtype=np.int64)
        substitute[replaced] = total + np.arange(len(replaced))
        in_replaced = np.isin(rows_nfse, replaced)
        rows_nfse = np.concatenate([rows_nfse, substitute[rows_nfse[in_replaced]]])
        rows_order = np.concatenate([rows_order, rows_order[in_replaced]])
        rows_cents = np.concatenate([rows_cents, rows_cents[in_replaced]])
        when = np.concatenate([when, cancelled_at[replaced]])
        status = np.concatenate([status, np.full(len(replaced), "issued")])
        cancelled_at = np.concatenate([cancelled_at, np.full(len(replaced), -1)])
        substitute = np.concatenate([substitute, np.full(len(replaced), -1)])

        self.nfse_issued, self.nfse_status = when, status
        self.nfse_cancelled, self.nfse_substitute = cancelled_at, substitute
        self.cov_nfse, self.cov_order, self.cov_cents = rows_nfse, rows_order, rows_cents
        self.nfse_cents = np.zeros(len(when), dtype=np.int64)
        np.add.at(self.nfse_cents, rows_nfse, rows_cents)
        first_row = np.full(len(when), len(rows_order), dtype=np.int64)
        np.minimum.at(first_row, rows_nfse, np.arange(len(rows_order)))
        self.nfse_customer = self.order_customer[rows_order[first_row]]
        self.nfse_type = self.order_type[rows_order[first_row]]


# --- writing -------------------------------------------------------------------------------


def _money(cents: np.ndarray) -> list[str]:
    return [f"{c // 100}.{c % 100:02d}" for c in cents.tolist()]


def _moments(us: np.ndarray, postgres: bool) -> list[str | None]:
    text = np.datetime_as_string(us.astype("datetime64[us]"), unit="s")
    suffix = "+00" if postgres else ""
    return [
        None if u < 0 else t.replace("T", " ") + suffix
        for u, t in zip(us.tolist(), text, strict=True)
    ]


def _batches(columns: Sequence[Any], size: int) -> Iterator[list[tuple[Any, ...]]]:
    total = len(columns[0])
    for start in range(0, total, size):
        yield list(zip(*(c[start : start + size] for c in columns), strict=True))


class Writer:
    """Bulk rows into a table: ``COPY`` on PostgreSQL, ``executemany`` on SQLite."""

    def __init__(self) -> None:
        from django.db import connection

        connection.ensure_connection()
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"

    def write(self, table: str, columns: dict[str, Sequence[Any]]) -> None:
        names = ", ".join(columns)
        values = list(columns.values())
        with self.connection.cursor() as cursor:
            raw = cursor.cursor  # the driver's own cursor, not Django's wrapper
            if self.postgres:
                with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for batch in _batches(values, CHUNK):
                        for row in batch:
                            copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns)
                sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
                for batch in _batches(values, CHUNK):
                    raw.executemany(sql, batch)


def load(data: Generated) -> dict[str, Any]:
    """Write ``data`` (customers, service types, expected lags, orders, NFS-e, coverage) into
    the empty scratch database, in one transaction, then ANALYZE (VACUUM ANALYZE on PostgreSQL)."""
    from django.db import transaction

    from fatura.core.documents import cnpj_with_check_digits
    from fatura.customers.models import Customer
    from fatura.fiscal.models import (
        DelayReason,
        ExpectedLag,
        Nfse,
        NfseCoverage,
        ServiceOrder,
        ServiceType,
    )

    started = time.perf_counter()
    writer = Writer()
    pg = writer.postgres
    stamp = _moments(np.array([data.first_us()]), pg)[0]
    types = [t.name for t in data.types]
    c, n, m, k = data.customers, len(data.order_type), len(data.nfse_issued), len(data.cov_order)
    reasons = list(DelayReason.objects.order_by("id").values_list("id", flat=True))  # seeded
    with transaction.atomic():
        ids = list(range(1, c + 1))
        writer.write(
            Customer._meta.db_table,
            {
                "id": ids,
                "name": [f"Cliente {i:06d} Ltda" for i in ids],
                "document": [cnpj_with_check_digits(f"{10_000_000 + i:08d}0001") for i in ids],
                "document_type": ["CNPJ"] * c,
                "email": [""] * c,
                "segment": ["Serviços"] * c,
                "region": ["Sul" if s else "Nordeste" for s in data.customer_south.tolist()],
                "country": ["BR"] * c,
                "business_unit": ["Serviços"] * c,
                "payment_terms": ["NET30"] * c,
                "delivery": ["manual"] * c,
                "withholdings": ["[]"] * c,
                "created_at": [stamp] * c,
            },
        )
        ServiceType.objects.bulk_create(
            ServiceType(name=t.name, national_code=t.national_code, iss_rate=t.iss_rate)
            for t in data.types
        )
        _lags(ExpectedLag, types)
        writer.write(
            ServiceOrder._meta.db_table,
            {
                "id": list(range(1, n + 1)),
                "number": [f"OS-{i:07d}" for i in range(1, n + 1)],
                "customer_id": (data.order_customer + 1).tolist(),
                "service_type": [types[t] for t in data.order_type.tolist()],
                "team": [data.teams[t] for t in data.order_team.tolist()],
                "value": _money(data.order_cents),
                "status": data.order_status.tolist(),
                "completed_at": _moments(data.completed, pg),
                "billed_at": _moments(data.billed, pg),
                "invoice_id": [None] * n,
                "source": ["import"] * n,
                "delay_reason_id": [
                    None if r == 0 else reasons[(r - 1) % len(reasons)] if reasons else None
                    for r in data.order_reason.tolist()
                ],
                "delay_note": [""] * n,
                "created_at": [stamp] * n,
            },
        )
        writer.write(
            Nfse._meta.db_table,
            {
                "id": list(range(1, m + 1)),
                "number": [str(i) for i in range(1, m + 1)],
                "verification_code": [""] * m,
                "issued_at": _moments(data.nfse_issued, pg),
                "value": _money(data.nfse_cents),
                "service_code": [data.types[t].national_code for t in data.nfse_type.tolist()],
                "customer_id": (data.nfse_customer + 1).tolist(),
                "status": data.nfse_status.tolist(),
                "cancelled_at": _moments(data.nfse_cancelled, pg),
                "replaced_by_id": [None if s < 0 else s + 1 for s in data.nfse_substitute.tolist()],
                "source": ["import"] * m,
                "xml": [""] * m,
                "imported_at": [stamp] * m,
            },
        )
        writer.write(
            NfseCoverage._meta.db_table,
            {
                "id": list(range(1, k + 1)),
                "nfse_id": (data.cov_nfse + 1).tolist(),
                "service_order_id": (data.cov_order + 1).tolist(),
                "value": _money(data.cov_cents),
            },
        )
    with writer.connection.cursor() as cursor:
        # PostgreSQL: VACUUM too, as autovacuum would, so the visibility map lets the KPI's
        # covering indexes answer without the table (an index-only scan); not inside a
        # transaction (the tests' database)
        vacuum = pg and not writer.connection.in_atomic_block
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
    return {
        "seconds": time.perf_counter() - started,
        "customers": c,
        "service_orders": n,
        "nfse": m,
        "coverages": k,
    }


def _lags(model: Any, types: list[str]) -> None:
    """Global 5 days, 10 for development, a customer of 2 days, and one customer whose
    support is expected the next day."""
    rows = [("", None, 5), (types[0], None, 10), ("", 1, 2), (types[2], 2, 1)]
    model.objects.bulk_create(
        model(scope=model.scope_of(t, c), service_type=t, customer_id=c, days=d) for t, c, d in rows
    )
