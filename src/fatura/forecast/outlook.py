"""Reads behind the forecast pages and API: the facts loaded once per request, the active
model, the predictions of the open invoices, the cash flow by group and a week's invoices.

Predictions run single-threaded: scikit-learn's gradient boosting predicts tree by tree in
OpenMP parallel regions, which on a few hundred rows cost more than they save and, on a busy
machine, turn a one-second prediction into tens of seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from threadpoolctl import threadpool_limits

from fatura.core import clock
from fatura.core.money import to_money
from fatura.customers.models import Customer
from fatura.forecast.cash_flow import CashFlow, cash_flow
from fatura.forecast.facts import Facts
from fatura.forecast.history import load_facts
from fatura.forecast.model import PaymentModel
from fatura.forecast.models import ForecastModel
from fatura.forecast.predict import Prediction, predict
from fatura.forecast.services import active_model
from fatura.receivables.models import Invoice

GROUP_BY = ("business_unit", "segment")
WEEKS = 12
MAX_WEEKS = 52


@contextmanager
def single_threaded() -> Iterator[None]:
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


@dataclass(frozen=True)
class Outlook:
    as_of: dt.date
    facts: Facts
    row: ForecastModel | None  # the active model's row (None: no model trained)
    model: PaymentModel | None  # None: predictions by the customer's history or the due date
    predictions: list[Prediction]

    @property
    def version(self) -> int | None:
        return self.row.version if self.row is not None and self.model is not None else None

    def explained(self, invoice_ids: list[int]) -> dict[int, Prediction]:
        """The predictions of ``invoice_ids`` with their reasons (explaining is the costly
        part: only for the few invoices shown)."""
        if not invoice_ids:
            return {}
        with single_threaded():
            found = predict(
                self.facts, self.as_of, self.model, version=self.version, invoice_ids=invoice_ids
            )
        return {p.invoice_id: p for p in found}


def outlook(as_of: dt.date | None = None, *, explain: bool = False) -> Outlook:
    """Facts, the active model and the predictions of every open invoice, as of ``as_of``."""
    as_of = as_of or clock.today()
    facts = load_facts()
    row, model = active_model()
    version = row.version if row is not None and model is not None else None
    with single_threaded():
        predictions = predict(facts, as_of, model, version=version, explain=explain)
    return Outlook(as_of, facts, row, model, predictions)


def invoice_prediction(invoice: Invoice, as_of: dt.date | None = None) -> Prediction | None:
    """The prediction (with reasons) of one invoice, or ``None`` when it is not open. Facts
    are loaded once."""
    as_of = as_of or clock.today()
    row, model = active_model()
    version = row.version if row is not None and model is not None else None
    with single_threaded():
        found = predict(load_facts(), as_of, model, version=version, invoice_ids=[invoice.pk])
    return found[0] if found else None


def group_keys(facts: Facts, group_by: str) -> dict[int, str]:
    """Invoice id -> the customer's business unit or segment ("" when blank)."""
    if group_by not in GROUP_BY:
        raise ValueError(f"group_by must be one of {GROUP_BY}")
    frame = facts.invoices.select("invoice_id", pl.col(group_by).fill_null(""))
    return dict(frame.iter_rows())


def forecast(
    *, weeks: int = WEEKS, group_by: str | None = None, as_of: dt.date | None = None
) -> tuple[Outlook, CashFlow]:
    seen = outlook(as_of)
    groups = group_keys(seen.facts, group_by) if group_by else None
    return seen, cash_flow(seen.predictions, as_of=seen.as_of, weeks=weeks, groups=groups)


@dataclass(frozen=True)
class WeekInvoice:
    prediction: Prediction
    customer_id: int
    customer: str
    group: str
    share: float  # chance of being paid in the week
    expected: Decimal  # open amount × share

    @property
    def open_amount(self) -> Decimal:
        return to_money(Decimal(self.prediction.open_cents) / 100)


def bucket_invoices(
    seen: Outlook,
    flow: CashFlow,
    bucket: int,
    *,
    group_by: str | None = None,
    key: str | None = None,
    limit: int | None = None,
) -> tuple[list[WeekInvoice], int]:
    """The invoices with a chance of being paid in ``bucket`` (a week's index, or
    ``flow.horizon`` for later), largest expected amount first, with their reasons; of the
    group ``key`` when given. Returns them (at most ``limit``) and how many there are."""
    shares = flow.bucket_shares(bucket)
    attributes = seen.facts.invoices.select("invoice_id", "customer_id", *GROUP_BY)
    info = {row[0]: row for row in attributes.iter_rows()}
    column = 2 + GROUP_BY.index(group_by) if group_by in GROUP_BY else None
    by_id = {p.invoice_id: p for p in seen.predictions}
    chosen = []
    for invoice_id, share in shares.items():
        row = info[invoice_id]
        group = (row[column] or "") if column is not None else ""
        if key is not None and group != key:
            continue
        prediction = by_id[invoice_id]
        amount = to_money(Decimal(prediction.open_cents) * Decimal(str(share)) / 100)
        chosen.append((amount, invoice_id, share, group))
    chosen.sort(key=lambda c: (-c[0], by_id[c[1]].number))
    count = len(chosen)
    shown = chosen[:limit] if limit is not None else chosen
    explained = seen.explained([c[1] for c in shown])
    names = dict(
        Customer.objects.filter(pk__in={info[c[1]][1] for c in shown}).values_list("pk", "name")
    )
    out = [
        WeekInvoice(
            prediction=explained.get(invoice_id, by_id[invoice_id]),
            customer_id=info[invoice_id][1],
            customer=names.get(info[invoice_id][1], ""),
            group=group,
            share=share,
            expected=amount,
        )
        for amount, invoice_id, share, group in shown
    ]
    return out, count


def customer_names(predictions: list[Prediction], facts: Facts) -> dict[int, tuple[int, str]]:
    """Invoice id -> (customer id, name), in one query."""
    ids = {p.invoice_id for p in predictions}
    owners = dict(
        facts.invoices.filter(pl.col("invoice_id").is_in(list(ids)))
        .select("invoice_id", "customer_id")
        .iter_rows()
    )
    names = dict(Customer.objects.filter(pk__in=set(owners.values())).values_list("pk", "name"))
    return {i: (c, names.get(c, "")) for i, c in owners.items()}


def models() -> list[ForecastModel]:
    return list(ForecastModel.objects.order_by("-version"))
