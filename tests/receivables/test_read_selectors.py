"""The reads the API and the pages share (``receivables.selectors``): what they return and how
many queries they take, pinned. Adding a relation or a row must not add a query."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fatura.core.errors import NotFound
from fatura.receivables import corrections, payments, selectors
from fatura.receivables.collections import LevelIn, dunning_strategy_save


def _queries(read):  # type: ignore[no-untyped-def]
    """Runs ``read`` and returns (its result, the number of queries it took)."""
    with CaptureQueriesContext(connection) as captured:
        result = read()
    return result, len(captured)


def _busy_invoice(books, payments_count: int):  # type: ignore[no-untyped-def]
    invoice = books.sent(amount="1000.00")
    for _ in range(payments_count):
        books.pay(invoice, "10.00")
    corrections.credit_note_issue(by=books.user, number=invoice.number, amount="5", reason="x")
    corrections.invoice_adjust(by=books.user, number=invoice.number, amount="1", reason="juros")
    corrections.dispute_register(
        by=books.user, number=invoice.number, reason="preco_incorreto", amount="20.00"
    )
    return invoice


@pytest.mark.parametrize("payments_count", [1, 3])
def test_invoice_detail_reads_everything_in_six_queries(books, payments_count):
    invoice = _busy_invoice(books, payments_count)

    def read():  # type: ignore[no-untyped-def]
        found = selectors.invoice_detail(invoice.number)
        return (
            found,
            [line.price_version for line in found.lines.all()],
            [a.payment.method for a in found.allocations.all()],
            [n.created_by.get_username() for n in found.credit_notes.all()],
            [a.created_by.get_username() for a in found.adjustments.all()],
            [d.opened_by.get_username() for d in found.disputes.all()],
            found.customer.name,
        )

    (found, _lines, methods, notes, adjustments, disputes, _name), count = _queries(read)
    assert count == 6
    assert methods == ["pix"] * payments_count
    assert (len(notes), len(adjustments), len(disputes)) == (1, 1, 1)
    assert found.number == invoice.number


def test_invoice_detail_of_an_unknown_number_is_not_found(books):
    with pytest.raises(NotFound):
        selectors.invoice_detail("FAT-99999999")


def test_invoice_open_disputes_leaves_the_resolved_ones_out(books):
    invoice = books.sent(amount="1000.00")
    first = corrections.dispute_register(
        by=books.user, number=invoice.number, reason="preco_incorreto", amount="10.00"
    )
    corrections.dispute_resolve(
        by=books.user, number=invoice.number, resolution="rejected", dispute_id=first.pk
    )
    second = corrections.dispute_register(
        by=books.user, number=invoice.number, reason="preco_incorreto", amount="20.00"
    )
    assert [d.pk for d in selectors.invoice_open_disputes(invoice)] == [second.pk]


def test_invoices_open_for_payment_oldest_due_first_without_proformas(books):
    customer = books.customer()
    later = books.sent(customer, terms="NET60")
    sooner = books.sent(customer, terms="NET30")
    books.draft(customer, kind="proforma")
    paid = books.sent(customer, amount="10.00")
    books.pay(paid, "10.00")
    found = selectors.invoices_open_for_payment(customer.pk)
    assert [i.number for i in found] == [sooner.number, later.number]


@pytest.mark.parametrize("rows", [1, 3])
def test_payment_list_is_two_queries_with_allocations_one_without(books, rows):
    customer = books.customer()
    for _ in range(rows):
        invoice = books.sent(customer, amount="100.00")
        books.pay(invoice, "100.00")

    def read(allocations: bool):  # type: ignore[no-untyped-def]
        found = list(selectors.payment_list(customer_id=customer.pk, allocations=allocations))
        for p in found:
            _ = p.customer.name, p.created_by
            if allocations:
                _ = [a.invoice.number for a in p.allocations.all()]
        return found

    found, count = _queries(lambda: read(True))
    assert (len(found), count) == (rows, 2)
    found, count = _queries(lambda: read(False))
    assert (len(found), count) == (rows, 1)


def test_payment_list_filters(books):
    customer = books.customer()
    invoice = books.sent(customer, amount="100.00")
    books.pay(invoice, "40.00", received_at=dt.date(2026, 5, 1))
    payments.payment_record(
        by=books.user, customer=customer, amount="25.00", received_at=dt.date(2026, 5, 4),
        method="boleto", allocations=[],
    )  # fmt: skip
    assert [p.amount for p in selectors.payment_list(customer_id=customer.pk)] == [
        Decimal("25.00"),
        Decimal("40.00"),
    ]
    assert [p.method for p in selectors.payment_list(method="boleto")] == ["boleto"]
    assert selectors.payment_list(received_from=dt.date(2026, 5, 2)).count() == 1
    assert selectors.payment_list(received_until=dt.date(2026, 5, 2)).count() == 1
    assert [p.amount for p in selectors.payment_list(unapplied_only=True)] == [Decimal("25.00")]


def test_payment_get_reads_reversed_allocations_too_in_two_queries(books):
    invoice = books.sent(amount="100.00")
    payment = books.pay(invoice, "100.00").payment
    payments.payment_reverse(by=books.user, payment_id=payment.pk, reason="devolvido")
    found, count = _queries(
        lambda: (p := selectors.payment_get(payment.pk), [a.invoice for a in p.allocations.all()])
    )
    assert count == 2
    assert [a.reversed_at is not None for a in found[0].allocations.all()] == [True]
    with pytest.raises(NotFound):
        selectors.payment_get(payment.pk + 1000)


def test_dunning_strategies_by_segment_and_for_one(books):
    def save(segment: str, name: str, days: int) -> None:
        dunning_strategy_save(
            by=books.user, segment=segment, name=name, levels=[LevelIn(days, "reminder")]
        )

    save("Varejo", "curta", 3)
    save("", "", 5)

    def read():  # type: ignore[no-untyped-def]
        return [(s.segment, len(s.levels.all())) for s in selectors.dunning_strategies()]

    found, count = _queries(read)
    assert (found, count) == ([("", 1), ("Varejo", 1)], 2)
    assert selectors.dunning_strategy_for("Varejo").name == "curta"
    assert selectors.dunning_strategy_for("Indústria") is None
