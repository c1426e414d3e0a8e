"""Generated invoice histories with known payment behaviour, for tests and benchmarks.

Each customer has a behaviour: ``early`` (pays ~5 days before the due date), ``late`` (~30
days after), ``random`` (anywhere from 10 days early to 40 late, independent of everything),
``seasonal`` (on time, but ~20 days late when the due date falls in December or January) and
``bad`` (often never pays: written off 120 days after the due date). Reminders go out 7 and
15 days after the due date while unpaid, a call 20 days after; a share of invoices is
disputed for a while, which delays payment. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import polars as pl

from fatura.forecast.facts import Facts

BEHAVIOURS = ("early", "late", "random", "seasonal", "bad")
EPOCH = dt.date(1970, 1, 1)


def _delay(behaviour: np.ndarray, due_month: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(behaviour)
    delay = np.zeros(n)
    early, late = behaviour == "early", behaviour == "late"
    delay[early] = rng.normal(-5, 1.5, early.sum())
    delay[late] = rng.normal(30, 3, late.sum())
    random = behaviour == "random"
    delay[random] = rng.uniform(-10, 40, random.sum())
    seasonal = behaviour == "seasonal"
    winter = seasonal & np.isin(due_month, (12, 1))
    delay[seasonal] = rng.normal(0, 1.5, seasonal.sum())
    delay[winter] = rng.normal(20, 2, winter.sum())
    bad = behaviour == "bad"
    delay[bad] = rng.normal(45, 10, bad.sum())
    return np.round(delay)


def generate(
    *,
    customers: int = 200,
    months: int = 24,
    start: dt.date = dt.date(2024, 1, 1),
    behaviours: Sequence[str] = BEHAVIOURS,
    invoices_per_month: float = 1.0,
    dispute_share: float = 0.03,
    write_off_share: float = 0.5,
    seed: int = 0,
) -> Facts:
    """A history of ``months`` months from ``start``; invoices still unpaid at the end (as seen
    from the last day) stay open."""
    rng = np.random.default_rng(seed)
    kinds = np.asarray(behaviours)[np.arange(customers) % len(behaviours)]
    segments = np.asarray(["Varejo", "Indústria", "Serviços", "Governo"])[
        rng.integers(0, 4, customers)
    ]
    units = np.asarray(["Cloud", "Dados", "Suporte"])[rng.integers(0, 3, customers)]
    regions = np.asarray(["Sudeste", "Sul", "Nordeste"])[rng.integers(0, 3, customers)]
    usual = rng.lognormal(8, 0.8, customers)
    total_days = months * 30
    per_customer = rng.poisson(invoices_per_month * months, customers)
    customer = np.repeat(np.arange(customers), per_customer)
    n = len(customer)
    sent = start.toordinal() + rng.integers(0, total_days, n)
    net = np.asarray([30, 30, 30, 60, 0])[rng.integers(0, 5, n)]
    due = sent + net
    due_month = np.asarray([dt.date.fromordinal(int(d)).month for d in due])
    behaviour = kinds[customer]
    delay = _delay(behaviour, due_month, rng)
    disputed = rng.random(n) < dispute_share
    delay[disputed] += rng.integers(10, 40, disputed.sum())
    paid = due + delay
    paid = np.maximum(paid, sent + 1)
    written = (behaviour == "bad") & (rng.random(n) < write_off_share)
    end = start.toordinal() + total_days
    paid_known = ~written & (paid <= end)
    written_day = due + 120
    written_known = written & (written_day <= end)
    amount = np.round(usual[customer] * rng.lognormal(0, 0.3, n), 2)

    def dates(ordinals: np.ndarray) -> pl.Series:
        return pl.Series((ordinals - EPOCH.toordinal()).astype(np.int32)).cast(pl.Date)

    invoices = pl.DataFrame(
        {
            "invoice_id": np.arange(1, n + 1),
            "number": [f"FAT-{i:07d}" for i in range(1, n + 1)],
            "customer_id": customer + 1,
            "segment": segments[customer],
            "business_unit": units[customer],
            "region": regions[customer],
            "collector": np.asarray(["ana", "bruno", "carla"])[customer % 3],
            "amount": amount,
            "open_cents": np.round(amount * 100).astype(np.int64),
            "net_days": net,
            "has_discount": rng.random(n) < 0.1,
            "sent_date": dates(sent),
            "due_date": dates(due),
        }
    ).with_columns(
        paid_date=pl.when(pl.Series(paid_known)).then(dates(paid)),
        written_off_date=pl.when(pl.Series(written_known)).then(dates(written_day)),
    )
    settled = np.where(written, written_day, paid)
    reminder_rows, call_rows = [], []
    for offset, level in ((7, 1), (15, 2)):
        mask = (settled > due + offset) & (due + offset <= end)
        reminder_rows.append(
            (np.flatnonzero(mask) + 1, due[mask] + offset, np.full(mask.sum(), level))
        )
    mask = (settled > due + 20) & (due + 20 <= end)
    outcomes = np.asarray(["reached", "promise_to_pay", "no_answer", "wrong_contact"])
    outcome = np.where(written[mask], "no_answer", outcomes[rng.integers(0, 4, mask.sum())])
    call_rows.append((np.flatnonzero(mask) + 1, due[mask] + 20, outcome))
    reminders = pl.DataFrame(
        {
            "invoice_id": np.concatenate([r[0] for r in reminder_rows]),
            "date": dates(np.concatenate([r[1] for r in reminder_rows])),
            "level": np.concatenate([r[2] for r in reminder_rows]),
        }
    )
    calls = pl.DataFrame(
        {"invoice_id": call_rows[0][0], "date": dates(call_rows[0][1]), "outcome": call_rows[0][2]}
    )
    opened = sent[disputed] + 3
    resolved = paid[disputed] - 2
    disputes = pl.DataFrame(
        {
            "invoice_id": np.flatnonzero(disputed) + 1,
            "customer_id": customer[disputed] + 1,
            "opened": dates(opened),
        }
    ).with_columns(resolved=pl.when(pl.Series(resolved <= end)).then(dates(resolved)))
    return Facts.of(invoices, reminders, calls, disputes)
