"""A small payment history in the database, made through the services with a moving clock:
three customers, 20 weekly invoices each (issued from 06/10/2025, NET30) paid with a steady
habit, plus open invoices as of ``tests.scenarios.NOW`` (05/05/2026). Enough paid situations
(240) to train a model (``model.MIN_ROWS`` = 200), small enough for a test."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fatura.customers.models import Customer
from fatura.receivables import corrections
from fatura.receivables.models import Invoice
from tests.receivables.builders import Books
from tests.scenarios import NOW

FIRST_ISSUE = dt.date(2025, 10, 6)
HABITS = {  # customer name -> (days after the due date it pays, segment, business unit)
    "Pontual Ltda": (-2, "Varejo", "Cloud"),
    "Atrasada SA": (25, "Indústria", "Suporte"),
    "Variável ME": (5, "Varejo", "Suporte"),
}


@dataclass
class History:
    customers: dict[str, Customer]
    open: dict[str, Invoice] = field(default_factory=dict)  # "<customer>:due" / ":overdue"
    paid: Invoice | None = None
    written_off: Invoice | None = None
    draft: Invoice | None = None


def _at(clock: Any, day: dt.date) -> None:
    clock.now = dt.datetime.combine(day, dt.time(15, 0), tzinfo=dt.UTC)  # 12:00 in São Paulo


def build(books: Books, *, invoices: int = 20) -> History:
    """The history; the clock is back at ``NOW`` when it returns."""
    customers = {
        name: books.customer(name=name, segment=segment, business_unit=unit)
        for name, (_delay, segment, unit) in HABITS.items()
    }
    history = History(customers)
    payments = []  # (day, invoice, amount): recorded after every invoice is sent
    for week in range(invoices):
        issue = FIRST_ISSUE + dt.timedelta(weeks=week)
        _at(books.clock, issue)
        for name, (delay, _segment, _unit) in HABITS.items():
            amount = f"{700 + 37 * week}.00"
            invoice = books.sent(customers[name], amount=amount, issue_date=issue)
            assert invoice.due_date is not None
            payments.append((invoice.due_date + dt.timedelta(days=delay), invoice, amount))
    for day, invoice, amount in sorted(payments, key=lambda p: (p[0], p[1].number)):
        _at(books.clock, day)
        books.pay(invoice, amount, received_at=day)
    history.paid = payments[-1][1]
    # open on NOW: one overdue and one not yet due per customer
    for label, issue in (("overdue", dt.date(2026, 3, 16)), ("due", dt.date(2026, 4, 27))):
        _at(books.clock, issue)
        for name, customer in customers.items():
            invoice = books.sent(customer, amount="1500.00", issue_date=issue)
            history.open[f"{name}:{label}"] = invoice
    # a lost one, a draft
    bad = books.customer(name="Perdida Ltda", segment="Serviços", business_unit="Cloud")
    _at(books.clock, dt.date(2025, 11, 3))
    lost = books.sent(bad, amount="900.00", issue_date=dt.date(2025, 11, 3))
    _at(books.clock, dt.date(2026, 3, 2))
    history.written_off = corrections.invoice_write_off(
        by=books.user, number=lost.number, reason="Cliente encerrou as atividades."
    )
    _at(books.clock, dt.date(2026, 5, 4))
    history.draft = books.draft(bad, amount="300.00", issue_date=dt.date(2026, 5, 4))
    books.clock.now = NOW
    return history
