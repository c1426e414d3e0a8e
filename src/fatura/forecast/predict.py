"""Predictions for open invoices: the payment date with a P10–P90 range, the probability of
paying after the due date and of a write-off, the reasons, and what they rest on.

``basis``: ``model`` (a trained :class:`~fatura.forecast.model.PaymentModel`),
``customer_history`` (no model: the customer's own delays, when it has paid at least
:data:`MIN_HISTORY` invoices before) or ``due_date`` (nothing to learn from: the due date,
said so — :func:`fatura.receivables.cash_in.expected_payment_day`, the cash-in page's rule).
An invoice already past its due date is late for certain: probability 1.

Reasons (model): each explanatory feature is set to its usual value in training and the
prediction recomputed; the features that move the expected date (or the lateness) most are
told in words, with the invoice's own values. Pure: no database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from fatura.forecast.facts import Facts
from fatura.forecast.features import NUMERIC, features, open_rows
from fatura.forecast.model import PaymentModel
from fatura.forecast.reasons import REASON_FEATURES, history_reasons, reason_text
from fatura.receivables.cash_in import expected_payment_day

MIN_HISTORY = 3
MAX_REASONS = 3


@dataclass(frozen=True)
class Prediction:
    invoice_id: int
    number: str
    as_of: dt.date
    expected_date: dt.date
    p10_date: dt.date
    p90_date: dt.date
    late_probability: float
    write_off_probability: float
    basis: str
    reasons: list[str] = field(default_factory=list)
    model_version: int | None = None
    open_cents: int = 0


def _date(as_of: dt.date, days: float) -> dt.date:
    return as_of + dt.timedelta(days=round(max(days, 0.0)))


def predict(*args: Any, **kwargs: Any) -> list[Prediction]:
    """A prediction for every invoice open on ``as_of`` (or those of ``invoice_ids``); see
    :func:`_predict`. One OpenMP thread: the batches are small, and on a busy machine
    scikit-learn's threads fighting for the cores cost 10–40× the work."""
    with threadpool_limits(1, "openmp"):
        return _predict(*args, **kwargs)


def _predict(
    facts: Facts,
    as_of: dt.date,
    model: PaymentModel | None,
    *,
    version: int | None = None,
    invoice_ids: list[int] | None = None,
    explain: bool = True,
) -> list[Prediction]:
    rows = open_rows(facts, as_of)
    if invoice_ids is not None:
        rows = rows.filter(pl.col("invoice_id").is_in(invoice_ids))
    if rows.height == 0:
        return []
    frame = features(facts, rows).join(
        facts.invoices.select("invoice_id", "number", "due_date", "open_cents"),
        on="invoice_id",
        how="left",
    )
    if model is None:
        return _without_model(facts, frame, as_of)
    x = model.matrix(frame)
    days = model.days(x)
    late = model.late_probability(x)
    write_off = model.write_off_probability(x)
    overdue = frame["days_to_due"].to_numpy() < 0
    late = np.where(overdue, 1.0, late)
    texts = _explain(model, frame, x, days[:, 1], late) if explain else [[] for _ in range(len(x))]
    out = []
    for i, row in enumerate(frame.iter_rows(named=True)):
        reasons = texts[i]
        if row["cust_paid_count"] == 0:
            reasons = [*reasons, "Cliente sem faturas pagas antes: previsão pelo perfil geral."]
        out.append(
            Prediction(
                invoice_id=row["invoice_id"],
                number=row["number"],
                as_of=as_of,
                expected_date=_date(as_of, days[i, 1]),
                p10_date=_date(as_of, days[i, 0]),
                p90_date=_date(as_of, days[i, 2]),
                late_probability=float(late[i]),
                write_off_probability=float(write_off[i]),
                basis="model",
                reasons=reasons,
                model_version=version,
                open_cents=int(row["open_cents"]),
            )
        )
    return out


def _explain(
    model: PaymentModel, frame: pl.DataFrame, x: np.ndarray, p50: np.ndarray, late: np.ndarray
) -> list[list[str]]:
    """Occlusion: per row, the effect of each reason feature (in days on P50, and in
    lateness probability x 30 days) when set to its usual value; the largest, in words."""
    effects = np.zeros((len(x), len(REASON_FEATURES)))
    for j, name in enumerate(REASON_FEATURES):
        column = NUMERIC.index(name)
        changed = x.copy()
        changed[:, column] = model.typical.get(name, 0.0)
        moved_days = p50 - model.median_days(changed)
        moved_late = late - model.late_probability(changed)
        effects[:, j] = np.where(
            np.abs(moved_days) >= np.abs(moved_late * 30), moved_days, moved_late * 30
        )
    out: list[list[str]] = []
    rows = frame.to_dicts()
    for i, row in enumerate(rows):
        order = np.argsort(-np.abs(effects[i]))
        texts = []
        for j in order[:MAX_REASONS]:
            if abs(effects[i, j]) < 1.0:  # less than a day's worth: not a reason
                break
            text = reason_text(REASON_FEATURES[j], row, effects[i, j])
            if text:
                texts.append(text)
        out.append(texts)
    return out


def _without_model(facts: Facts, frame: pl.DataFrame, as_of: dt.date) -> list[Prediction]:
    """The customer's own history (delays of its invoices paid before ``as_of``), else the
    due date."""
    inv = facts.invoices
    paid = (
        inv.filter(pl.col("paid_date").is_not_null() & (pl.col("paid_date") < as_of))
        .sort("paid_date")
        .select("customer_id", delay=(pl.col("paid_date") - pl.col("due_date")).dt.total_days())
    )
    closed = facts.closed_by(as_of - dt.timedelta(days=1))
    base_late = (
        float(
            closed.select(
                (
                    (pl.col("paid_date") > pl.col("due_date"))
                    | pl.col("written_off_date").is_not_null()
                ).mean()
            ).item()
        )
        if closed.height
        else 0.5
    )
    base_write_off = (
        float(closed.select(pl.col("written_off_date").is_not_null().mean()).item())
        if closed.height
        else 0.0
    )
    delays = {
        key[0] if isinstance(key, tuple) else key: group["delay"].to_numpy()
        for key, group in paid.group_by("customer_id", maintain_order=True)
    }
    written = dict(
        inv.filter(pl.col("written_off_date").is_not_null() & (pl.col("written_off_date") < as_of))
        .group_by("customer_id")
        .len()
        .iter_rows()
    )
    out = []
    for row in frame.iter_rows(named=True):
        due: dt.date = row["due_date"]
        history = delays.get(row["customer_id"])
        to_due = (due - as_of).days
        if history is not None and len(history) >= MIN_HISTORY:
            p10, p50, p90 = np.percentile(history, [10, 50, 90])
            n = len(history)
            late_share = (float((history > 0).sum()) + 1) / (n + 2)
            lost = written.get(row["customer_id"], 0)
            write_off = (lost + base_write_off) / (n + lost + 1)
            basis = "customer_history"
            reasons = history_reasons(history, row)
            days = (to_due + p10, to_due + p50, to_due + p90)
        else:
            late_share, write_off, basis = base_late, base_write_off, "due_date"
            reasons = ["Sem histórico suficiente do cliente: previsão pela data de vencimento."]
            # the receivables' expected cash-in rule, without a delay to learn from
            expected = expected_payment_day(due_date=due, mean_delay=None, as_of=as_of)
            days = ((expected - as_of).days, (expected - as_of).days, to_due + 30)
        if to_due < 0:
            late_share = 1.0
        out.append(
            Prediction(
                invoice_id=row["invoice_id"],
                number=row["number"],
                as_of=as_of,
                expected_date=_date(as_of, days[1]),
                p10_date=_date(as_of, days[0]),
                p90_date=_date(as_of, max(days[2], days[1])),
                late_probability=late_share,
                write_off_probability=float(write_off),
                basis=basis,
                reasons=reasons,
                open_cents=int(row["open_cents"]),
            )
        )
    return out
