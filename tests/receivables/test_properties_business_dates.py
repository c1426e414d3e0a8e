"""Hypothesis (issue 11 §1): an as-of balance never depends on when entries were keyed in.

Each example draws a few invoices of the first half of 2026 and their documents with business
dates — payments received (some reversed later), credit notes, adjustments ± and write-offs —
and keys the same documents in twice, inside savepoints that are rolled back: once in one order
at some clock times, once in another order at other times (a reversal after its payment, a
write-off after everything else of its invoice: the only orders the rules accept). The balance
of every invoice as of any day, the aging and each customer statement are the same both times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fatura.core.money import to_money
from fatura.receivables import corrections, ledger, payments, services
from fatura.receivables.models import Invoice
from tests.receivables.builders import Books

FIRST_ISSUE = dt.date(2026, 1, 5)
TODAY = dt.date(2026, 6, 30)  # every business date is on or before it
ENTERED_FROM = dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.UTC)  # keyed in from then on
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Doc:
    """One document: ``kind`` pay | credit | adjust | write_off | reverse (of payment ``ref``)."""

    kind: str
    invoice: int
    cents: int
    offset: int  # business date = invoice issue (or the payment's receipt) + offset days
    ref: int = -1  # reverse: the index of the payment document it undoes


def _days(issue_offsets: list[int], docs: list[Doc]) -> list[dt.date]:
    """The business date of each document (capped at TODAY)."""
    dates: list[dt.date] = []
    for doc in docs:
        base = dates[doc.ref] if doc.kind == "reverse" else _issue(issue_offsets[doc.invoice])
        dates.append(min(base + dt.timedelta(days=doc.offset), TODAY))
    return dates


def _issue(offset: int) -> dt.date:
    return FIRST_ISSUE + dt.timedelta(days=offset)


@st.composite
def worlds(draw: Any) -> tuple[list[int], list[Doc]]:
    count = draw(st.integers(1, 3))
    issues = [draw(st.integers(0, 120)) for _ in range(count)]
    docs: list[Doc] = []
    for invoice in range(count):
        # at most 3 × 200 paid, 2 × 100 credited, 2 × 50 credited by adjustment: < 1,000 owed,
        # so every order is accepted (no credit note above the balance, no over-allocation)
        for _ in range(draw(st.integers(0, 3))):
            docs.append(Doc("pay", invoice, draw(st.integers(1, 20_000)), draw(st.integers(0, 90))))
            if draw(st.booleans()) and draw(st.booleans()):
                docs.append(Doc("reverse", invoice, 0, draw(st.integers(0, 40)), len(docs) - 1))
        for _ in range(draw(st.integers(0, 2))):
            docs.append(
                Doc("credit", invoice, draw(st.integers(1, 10_000)), draw(st.integers(0, 120)))
            )
        for _ in range(draw(st.integers(0, 2))):
            cents = draw(st.integers(-5_000, 5_000).filter(bool))
            docs.append(Doc("adjust", invoice, cents, draw(st.integers(0, 120))))
        if draw(st.booleans()) and draw(st.booleans()):
            docs.append(Doc("write_off", invoice, 0, draw(st.integers(30, 170))))
    return issues, docs


def _order(docs: list[Doc], keys: list[int]) -> list[int]:
    """Document indexes sorted by ``keys``, then fixed so a reversal comes after its payment
    and a write-off after every other document of its invoice."""
    order = sorted(range(len(docs)), key=lambda i: (keys[i % len(keys)] if keys else 0, i))
    order = [i for i in order if docs[i].kind != "write_off"] + [
        i for i in order if docs[i].kind == "write_off"
    ]
    placed: list[int] = []
    for i in order:
        if docs[i].kind == "pay":
            placed.append(i)
            placed.extend(j for j in order if docs[j].kind == "reverse" and docs[j].ref == i)
        elif docs[i].kind != "reverse":
            placed.append(i)
    return placed


@contextmanager
def _rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _key_in(
    books: Books,
    issues: list[int],
    docs: list[Doc],
    order: list[int],
    hours: list[int],
) -> dict[str, Any]:
    """Issue the invoices, key the documents in ``order`` at ``ENTERED_FROM`` + ``hours``, and
    read the as-of reports for every day that matters."""
    customer = books.customer(name="Cliente")
    invoices: list[Invoice] = []
    for offset in issues:
        draft = books.draft(customer, amount="1000.00", issue_date=_issue(offset))
        services.invoice_complete(by=books.user, number=draft.number)
        # as if sent (the e-mail would render a PDF per invoice: slow, and beside the point)
        Invoice.objects.filter(pk=draft.pk).update(status="sent", sent_at=books.clock.now)
        invoices.append(books.reload(draft))
    dates = _days(issues, docs)
    payment_ids: dict[int, int] = {}
    for step, index in enumerate(order):
        doc = docs[index]
        books.clock.now = ENTERED_FROM + dt.timedelta(hours=hours[step % len(hours)] + step)
        number = invoices[doc.invoice].number
        amount = Decimal(doc.cents) / 100
        if doc.kind == "pay":
            paid = books.pay(invoices[doc.invoice], str(amount), received_at=dates[index])
            payment_ids[index] = paid.payment.pk
        elif doc.kind == "reverse":
            payments.payment_reverse(
                by=books.user, payment_id=payment_ids[doc.ref], reason="x", date=dates[index]
            )
        elif doc.kind == "credit":
            corrections.credit_note_issue(
                by=books.user, number=number, amount=str(amount), reason="x", date=dates[index]
            )
        elif doc.kind == "adjust":
            corrections.invoice_adjust(
                by=books.user, number=number, amount=str(amount), reason="x", date=dates[index]
            )
        else:
            corrections.invoice_write_off(
                by=books.user, number=number, reason="x", date=dates[index]
            )
    position = {invoice.pk: n for n, invoice in enumerate(invoices)}
    days = sorted(
        {TODAY, *(_issue(o) for o in issues), *dates}
        | {d - dt.timedelta(days=1) for d in dates}
        | {FIRST_ISSUE + dt.timedelta(days=n) for n in range(0, 180, 15)}
    )
    seen: dict[str, Any] = {}
    for day in days:
        owed = ledger.receivables_as_of(day).values_list("pk", "open_balance")
        aging = ledger.aging(as_of=day)
        statement = ledger.customer_statement(customer.pk, day)
        seen[str(day)] = (
            sorted((position[pk], to_money(balance)) for pk, balance in owed),
            aging.total.buckets,
            statement.open_total,
            statement.credit_available,
            sorted((p.applied, p.unapplied, p.reversed) for p in statement.payments),
        )
    return seen


@pytest.mark.django_db
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    world=worlds(),
    first=st.lists(st.integers(0, 1000), max_size=12),
    second=st.lists(st.integers(0, 1000), max_size=12),
    first_hours=st.lists(st.integers(0, 24 * 150), min_size=1, max_size=6),
    second_hours=st.lists(st.integers(0, 24 * 150), min_size=1, max_size=6),
)
def test_an_as_of_balance_never_depends_on_when_entries_were_keyed_in(
    books: Books,
    world: tuple[list[int], list[Doc]],
    first: list[int],
    second: list[int],
    first_hours: list[int],
    second_hours: list[int],
) -> None:
    issues, docs = world
    mail.outbox = []
    with _rolled_back():
        books.clock.now = ENTERED_FROM - dt.timedelta(days=1)
        one = _key_in(books, issues, docs, _order(docs, first), first_hours)
    with _rolled_back():
        books.clock.now = ENTERED_FROM - dt.timedelta(days=1)
        two = _key_in(books, issues, docs, _order(docs, second[::-1]), second_hours)
    assert one == two
    for _day, (balances, *_rest) in one.items():
        assert all(balance >= ZERO for _n, balance in balances)
