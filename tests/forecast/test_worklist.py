"""The collector's worklist by expected loss (balance × write-off probability): the rule on
hand-made items, then the page and the API on a history in the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fatura.forecast.predict import Prediction
from fatura.forecast.worklist import expected_loss, rank
from fatura.receivables import corrections
from fatura.receivables.ledger import WorklistItem
from tests.conftest import ApiClient
from tests.forecast.db_history import History
from tests.receivables.builders import Books

TODAY = dt.date(2026, 5, 5)


def item(number: str, balance: str, days: int, *, task: bool = False) -> WorklistItem:
    amount = Decimal(balance)
    return WorklistItem(
        number=number,
        customer_id=1,
        customer_name="Cliente",
        collector="",
        status="overdue",
        due_date=TODAY - dt.timedelta(days=days),
        days_overdue=days,
        balance=amount,
        priority=amount * days,
        call_task_due=TODAY if task else None,
        last_call_outcome="",
        last_call_at=None,
        promise_date=None,
        dunning_level=0,
    )


def predicted(number: str, write_off: float, late: float = 1.0) -> Prediction:
    return Prediction(
        invoice_id=int(number[-1]),
        number=number,
        as_of=TODAY,
        expected_date=TODAY,
        p10_date=TODAY,
        p90_date=TODAY,
        late_probability=late,
        write_off_probability=write_off,
        basis="model",
    )


def test_expected_loss_is_balance_times_write_off_probability() -> None:
    assert expected_loss(Decimal("1500.00"), 0.1234) == Decimal("185.10")
    assert expected_loss(Decimal("0.10"), 0.05) == Decimal("0.01")  # 0,005 rounds half-up
    assert expected_loss(Decimal("900.00"), 0.0) == Decimal("0.00")


def test_tasks_first_then_expected_loss_then_the_former_priority() -> None:
    items = [
        item("A-1", "1000.00", 30),  # priority 30000, loss 1000 × 0.02 = 20
        item("B-2", "200.00", 5),  # priority 1000, loss 200 × 0.40 = 80
        item("C-3", "500.00", 2, task=True),  # a scheduled call: first whatever its loss
        item("D-4", "300.00", 50),  # no prediction: loss unknown, ranks as zero
        item("E-5", "400.00", 10),  # loss 0, like D-4: the former priority decides
    ]
    predictions = {
        "A-1": predicted("A-1", 0.02),
        "B-2": predicted("B-2", 0.40),
        "C-3": predicted("C-3", 0.01),
        "E-5": predicted("E-5", 0.0),
    }
    ranked = rank(items, predictions)
    assert [(r.number, r.expected_loss) for r in ranked] == [
        ("C-3", Decimal("5.00")),
        ("B-2", Decimal("80.00")),
        ("A-1", Decimal("20.00")),
        ("D-4", None),  # 300 × 50 = 15000 before E-5's 400 × 10 = 4000
        ("E-5", Decimal("0.00")),
    ]
    assert ranked[1].priority == Decimal("1000.00")  # the former priority stays a column
    assert ranked[1].write_off_percent == Decimal("40.0")
    assert ranked[3].write_off_percent is None and ranked[3].basis == ""


def test_lateness_breaks_ties_of_expected_loss() -> None:
    items = [item("A-1", "100.00", 40), item("B-2", "100.00", 1)]
    predictions = {"A-1": predicted("A-1", 0.1, late=0.6), "B-2": predicted("B-2", 0.1)}
    assert [r.number for r in rank(items, predictions)] == ["B-2", "A-1"]


def risky_customer(books: Books) -> Any:
    """Three invoices paid on time and two written off: by its history (no model) a write-off
    probability of (2 + base rate) / (3 + 2 + 1)."""
    customer = books.customer(name="Arriscada Ltda", segment="Serviços", business_unit="Cloud")
    for month in (10, 11, 12):
        issue = dt.date(2025, month, 1)
        books.clock.now = dt.datetime.combine(issue, dt.time(15), tzinfo=dt.UTC)
        invoice = books.sent(customer, amount="400.00", issue_date=issue)
        assert invoice.due_date is not None
        books.clock.now = dt.datetime.combine(invoice.due_date, dt.time(15), tzinfo=dt.UTC)
        books.pay(invoice, "400.00", received_at=invoice.due_date)
    for month in (7, 8):
        issue = dt.date(2025, month, 1)
        books.clock.now = dt.datetime.combine(issue, dt.time(15), tzinfo=dt.UTC)
        lost = books.sent(customer, amount="250.00", issue_date=issue)
        books.clock.now = dt.datetime(2026, 1, 10, 15, tzinfo=dt.UTC)
        corrections.invoice_write_off(by=books.user, number=lost.number, reason="Sem contato.")
    books.clock.now = dt.datetime(2026, 3, 31, 15, tzinfo=dt.UTC)
    owed = books.sent(customer, amount="500.00", issue_date=dt.date(2026, 3, 31))  # due 30/04
    books.clock.now = dt.datetime(2026, 5, 5, 14, 30, tzinfo=dt.UTC)
    return owed


def test_the_page_and_the_api_rank_by_expected_loss(
    history: History, books: Books, fin_client: Any, fin_api: ApiClient
) -> None:
    """Three R$ 1.500,00 invoices 20 days overdue from good payers, and R$ 500,00 only 5 days
    overdue from a customer who lost two invoices: by priority it would come last (2.500 vs
    30.000); by expected loss it comes first."""
    owed = risky_customer(books)
    body = fin_api.get("/collections/worklist").json()
    numbers = [i["number"] for i in body["items"]]
    assert numbers[0] == owed.number and len(numbers) == 4
    first = body["items"][0]
    assert (first["priority"], first["balance"]) == ("2500.00", "500.00")
    # written off among closed invoices by 04/05/2026: 3 of 66 -> (2 + 3/66) / 6
    probability = (2 + 3 / 66) / 6
    assert first["write_off_probability"] == round(probability, 4)
    assert first["expected_loss"] == str(expected_loss(Decimal("500.00"), probability))
    others = body["items"][1:]
    assert all(i["priority"] == "30000.00" for i in others)
    assert all(Decimal(i["expected_loss"]) < Decimal("5") for i in others)

    page = fin_client.get("/cobranca/", {"cobrador": "todos"}).content.decode()
    table = page[page.index('id="worklist-table"') :]
    assert table.index(owed.number) < min(table.index(n) for n in numbers[1:])
    assert "Perda esperada" in table and "R$ 170,45" in table
    assert "34,1% de chance" in table
    assert "2.500" in table  # the former priority, still shown
    csv = fin_client.get("/cobranca/exportar.csv", {"cobrador": "todos"})
    lines = b"".join(csv.streaming_content).decode("utf-8").lstrip("\ufeff").splitlines()
    assert lines[1].startswith(owed.number)
