"""The collector's worklist ordered by expected loss.

**Expected loss** ("perda esperada") of an invoice on the worklist = its open balance × the
forecast's probability that it is written off (R$, what the company should expect to lose on
it). Every worklist invoice is past due, so its probability of paying late is 1 for all of
them and cannot rank them; the write-off probability can.

Order: invoices with an open call task due by today first (the dunning strategy's scheduled
calls, as before), then by expected loss (highest first); ties (e.g. every customer at the
base rate when nothing was ever written off) by the probability of paying late (1 for every
past-due invoice today, but kept should the worklist take invoices not yet due), then by the
former priority (balance × days overdue, kept as a column), the due date and the number: with
no signal from the forecast the order is the former one. Predictions come from the active
model, or fall back to the customer's history or the due date (:mod:`fatura.forecast.predict`);
an invoice the forecast does not see (none in practice) has no expected loss and ranks as zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from fatura.core import clock
from fatura.core.money import ZERO, to_money
from fatura.forecast.history import load_facts
from fatura.forecast.outlook import single_threaded
from fatura.forecast.predict import Prediction, predict
from fatura.forecast.services import active_model
from fatura.receivables.ledger import WorklistItem


@dataclass(frozen=True)
class RankedWorklistItem(WorklistItem):
    write_off_probability: float | None = None
    late_probability: float | None = None
    expected_loss: Decimal | None = None  # balance × write-off probability
    basis: str = ""  # model, customer_history, due_date ("" without a prediction)

    @property
    def write_off_percent(self) -> Decimal | None:
        if self.write_off_probability is None:
            return None
        return (Decimal(str(self.write_off_probability)) * 100).quantize(Decimal("0.1"))


def expected_loss(balance: Decimal, write_off_probability: float) -> Decimal:
    """Balance × probability of write-off, to the cent."""
    return to_money(balance * Decimal(str(round(write_off_probability, 6))))


def predictions_for(numbers: Sequence[str], today: dt.date) -> dict[str, Prediction]:
    """The predictions (without reasons) of the open invoices numbered ``numbers``."""
    if not numbers:
        return {}
    facts = load_facts()
    ids = facts.invoices.filter(pl.col("number").is_in(list(numbers)))["invoice_id"].to_list()
    row, model = active_model()
    version = row.version if row is not None and model is not None else None
    with single_threaded():
        found = predict(facts, today, model, version=version, invoice_ids=ids, explain=False)
    return {p.number: p for p in found}


def rank(
    items: Sequence[WorklistItem], predictions: dict[str, Prediction]
) -> list[RankedWorklistItem]:
    """``items`` with their expected loss, in the worklist's order (module docstring)."""
    ranked = []
    for item in items:
        found = predictions.get(item.number)
        ranked.append(
            RankedWorklistItem(
                **vars(item),
                write_off_probability=found.write_off_probability if found else None,
                late_probability=found.late_probability if found else None,
                expected_loss=expected_loss(item.balance, found.write_off_probability)
                if found
                else None,
                basis=found.basis if found else "",
            )
        )

    def order(i: RankedWorklistItem) -> tuple[object, ...]:
        late = i.late_probability
        if late is None:  # no prediction: past due is late for certain
            late = 1.0 if i.days_overdue > 0 else 0.0
        return (
            not i.has_call_task,
            -(i.expected_loss or ZERO),
            -round(late, 6),
            -i.priority,
            i.due_date,
            i.number,
        )

    ranked.sort(key=order)
    return ranked


def worklist_by_expected_loss(
    items: Sequence[WorklistItem], *, today: dt.date | None = None
) -> list[RankedWorklistItem]:
    """The worklist (``receivables.ledger.collector_worklist``) ranked by expected loss."""
    today = today or clock.today()
    return rank(items, predictions_for([i.number for i in items], today))
