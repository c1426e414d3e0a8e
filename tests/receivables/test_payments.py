"""Payments: allocation, customer credit, early-payment discount, reversal, idempotency,
corrections and write-off, through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fatura.core.errors import Forbidden, InvalidInput, RuleViolation
from fatura.eventlog.models import Event
from fatura.receivables import corrections, payments
from fatura.receivables.models import Payment
from tests.factories import operacao


def test_full_payment_closes_the_invoice(books):
    invoice = books.sent(amount="500.00")
    result = books.pay(invoice, "500.00")
    assert result.created and result.payment.applied == Decimal("500.00")
    invoice = books.reload(invoice)
    assert (invoice.status, invoice.payment_status, invoice.balance) == ("closed", "paid", 0)
    acts = list(Event.objects.filter(case_id=invoice.number).values_list("activity", flat=True))
    assert acts[-3:] == ["Payment Received", "Payment Applied to Invoice", "Invoice Closed"]


def test_partial_payment_and_credit_applied_later(books):
    customer = books.customer()
    first = books.sent(customer, amount="300.00")
    second = books.sent(customer, amount="200.00")
    result = payments.payment_record(
        by=books.user,
        customer=customer,
        amount="400.00",
        received_at=dt.date(2026, 5, 5),
        method="boleto",
        allocations=[{"invoice_number": first.number, "amount": "100.00"}],
    )
    assert result.payment.unapplied == Decimal("300.00")
    assert books.reload(first).payment_status == "partially_paid"
    payments.payment_apply(
        by=books.user,
        payment_id=result.payment.pk,
        allocations=[
            {"invoice_number": first.number, "amount": "200.00"},
            {"invoice_number": second.number, "amount": "100.00"},
        ],
    )
    assert books.reload(first).status == "closed"
    assert books.reload(second).balance == Decimal("100.00")
    assert Payment.objects.get().unapplied == 0


def test_over_allocation_is_422_and_nothing_is_written(books):
    invoice = books.sent(amount="100.00")
    with pytest.raises(InvalidInput, match="passa do saldo"):
        books.pay(invoice, "100.01")
    with pytest.raises(InvalidInput, match="mais do que o pagamento"):
        payments.payment_record(
            by=books.user,
            customer=invoice.customer,
            amount="50.00",
            received_at=dt.date(2026, 5, 5),
            method="pix",
            allocations=[{"invoice_number": invoice.number, "amount": "60.00"}],
        )
    assert not Payment.objects.exists()
    assert books.reload(invoice).balance == Decimal("100.00")


def test_early_payment_discount_within_window(books):
    invoice = books.sent(amount="1000.00", terms="2_10_NET30")
    assert invoice.discount_until == dt.date(2026, 5, 15)
    books.pay(invoice, "980.00", received_at=dt.date(2026, 5, 14))
    invoice = books.reload(invoice)
    assert (invoice.amount_discounted, invoice.balance, invoice.status) == (
        Decimal("20.00"),
        0,
        "closed",
    )


def test_no_discount_after_the_window(books):
    invoice = books.sent(amount="1000.00", terms="2_10_NET30")
    books.pay(invoice, "980.00", received_at=dt.date(2026, 5, 16))
    invoice = books.reload(invoice)
    assert (invoice.amount_discounted, invoice.balance) == (0, Decimal("20.00"))


def test_idempotency_key_returns_the_first_payment(books):
    invoice = books.sent(amount="100.00")
    first = books.pay(invoice, "60.00", idempotency_key="abc")
    again = books.pay(invoice, "60.00", idempotency_key="abc")
    assert again.payment.pk == first.payment.pk and not again.created
    assert Payment.objects.count() == 1
    assert books.reload(invoice).balance == Decimal("40.00")


def test_idempotency_key_with_another_body_is_refused_naming_the_key(books):
    invoice = books.sent(amount="100.00")
    other = books.sent(invoice.customer, amount="100.00")
    first = books.pay(invoice, "60.00", idempotency_key="abc")
    with pytest.raises(RuleViolation, match=r"'abc'.*amount, allocations"):
        books.pay(invoice, "50.00", idempotency_key="abc")
    with pytest.raises(RuleViolation, match=r"'abc'.*allocations"):
        books.pay(other, "60.00", idempotency_key="abc")
    # after the payment changed (posted, reversed) the same request still gets it back
    payments.payment_post(by=books.user, payment_id=first.payment.pk, posted_at=dt.date(2026, 5, 6))
    payments.payment_reverse(by=books.user, payment_id=first.payment.pk, reason="devolvido")
    again = books.pay(invoice, "60.00", idempotency_key="abc")
    assert (again.payment.pk, again.created) == (first.payment.pk, False)
    assert Payment.objects.count() == 1


def test_a_payment_kept_before_its_request_was_answers_any_retry(books):
    """Payments recorded before the request was kept cannot be compared: as before."""
    invoice = books.sent(amount="100.00")
    first = books.pay(invoice, "60.00", idempotency_key="abc")
    Payment.objects.filter(pk=first.payment.pk).update(idempotency_request={})
    again = books.pay(invoice, "10.00", idempotency_key="abc")
    assert (again.payment.pk, again.created) == (first.payment.pk, False)


def test_reversal_reopens_the_invoice(books):
    invoice = books.sent(amount="100.00")
    paid = books.pay(invoice, "100.00")
    payments.payment_reverse(by=books.user, payment_id=paid.payment.pk, reason="devolvido")
    invoice = books.reload(invoice)
    assert (invoice.status, invoice.payment_status, invoice.balance) == (
        "sent",
        "unpaid",
        Decimal("100.00"),
    )
    with pytest.raises(RuleViolation, match="já foi estornado"):
        payments.payment_reverse(by=books.user, payment_id=paid.payment.pk, reason="x")


def test_operacao_cannot_record_payments_or_write_off(books):
    invoice = books.sent(amount="100.00")
    ops = operacao()
    with pytest.raises(Forbidden):
        payments.payment_record(
            by=ops,
            customer=invoice.customer,
            amount="1",
            received_at=dt.date(2026, 5, 5),
            method="pix",
        )
    with pytest.raises(Forbidden):
        corrections.invoice_write_off(by=ops, number=invoice.number, reason="x")


def test_dispute_credit_note_and_resolution(books):
    invoice = books.sent(amount="1000.00")
    dispute = corrections.dispute_register(
        by=books.user, number=invoice.number, reason="preco_incorreto", amount="150.00"
    )
    assert books.reload(invoice).status == "disputed"
    corrections.dispute_resolve(
        by=books.user, number=invoice.number, resolution="credit_note", dispute_id=dispute.pk
    )
    invoice = books.reload(invoice)
    assert (invoice.status, invoice.balance, invoice.amount_credited) == (
        "sent",
        Decimal("850.00"),
        Decimal("150.00"),
    )
    assert invoice.credit_notes.get().number == "NC-00000001"


def test_credit_note_after_full_payment_makes_it_overpaid(books):
    invoice = books.sent(amount="100.00")
    books.pay(invoice, "100.00")
    corrections.credit_note_issue(by=books.user, number=invoice.number, amount="30", reason="x")
    invoice = books.reload(invoice)
    assert (invoice.payment_status, invoice.balance, invoice.amount_overpaid) == (
        "overpaid",
        0,
        Decimal("30.00"),
    )


def test_adjustment_debit_reopens_balance_and_write_off_closes(books):
    invoice = books.sent(amount="100.00")
    books.pay(invoice, "40.00")
    adjustment = corrections.invoice_adjust(
        by=books.user, number=invoice.number, amount="10.00", reason="juros"
    )
    assert adjustment.number == "AJ-00000001"
    assert books.reload(invoice).balance == Decimal("70.00")
    corrections.invoice_write_off(by=books.user, number=invoice.number, reason="falência")
    invoice = books.reload(invoice)
    assert (invoice.status, invoice.balance, invoice.amount_written_off) == (
        "written_off",
        0,
        Decimal("70.00"),
    )
    assert invoice.payment_status == "partially_paid"


def test_reversing_a_payment_of_a_written_off_invoice_adds_to_the_loss(books):
    invoice = books.sent(amount="100.00")
    paid = books.pay(invoice, "40.00")
    corrections.invoice_write_off(by=books.user, number=invoice.number, reason="falência")
    payments.payment_reverse(by=books.user, payment_id=paid.payment.pk, reason="devolvido")
    invoice = books.reload(invoice)
    assert (invoice.status, invoice.balance) == ("written_off", 0)
    assert (invoice.amount_applied, invoice.amount_written_off) == (0, Decimal("100.00"))
    assert invoice.payment_status == "unpaid"


def test_reversing_the_payment_of_an_overpaid_invoice_turns_the_excess_back_into_credit(books):
    invoice = books.sent(amount="100.00")
    paid = books.pay(invoice, "100.00")
    note = corrections.credit_note_issue(
        by=books.user, number=invoice.number, amount="30", reason="desconto comercial"
    )
    assert note.excess == Decimal("30.00")
    payments.payment_reverse(by=books.user, payment_id=paid.payment.pk, reason="devolvido")
    invoice = books.reload(invoice)
    assert (invoice.payment_status, invoice.balance) == ("unpaid", Decimal("70.00"))
    assert (invoice.amount_credited, invoice.amount_overpaid) == (Decimal("30.00"), 0)
    note.refresh_from_db()
    assert note.excess == 0


def test_old_credit_applied_to_a_newer_invoice_is_received_after_its_creation(books, frozen_clock):
    customer = books.customer()
    old = payments.payment_record(
        by=books.user,
        customer=customer,
        amount="50.00",
        received_at=dt.date(2026, 5, 5),
        method="pix",
    )
    frozen_clock.advance(days=20)
    invoice = books.sent(customer, amount="50.00", issue_date=dt.date(2026, 5, 25))
    payments.payment_apply(
        by=books.user,
        payment_id=old.payment.pk,
        allocations=[{"invoice_number": invoice.number, "amount": "50.00"}],
    )
    events = list(Event.objects.filter(case_id=invoice.number).order_by("timestamp", "id"))
    assert events[0].activity == "Invoice Created"
    received = next(e for e in events if e.activity == "Payment Received")
    assert received.timestamp >= books.reload(invoice).created_at


def test_no_early_discount_while_a_dispute_is_open(books):
    invoice = books.sent(amount="1000.00", terms="2_10_NET30")
    corrections.dispute_register(
        by=books.user, number=invoice.number, reason="outro", amount="20.00"
    )
    books.pay(invoice, "980.00", received_at=dt.date(2026, 5, 10))
    invoice = books.reload(invoice)
    assert (invoice.amount_discounted, invoice.balance, invoice.status) == (
        0,
        Decimal("20.00"),
        "disputed",
    )


def test_due_date_passed_during_a_dispute_is_recorded_when_it_ends(books, frozen_clock):
    invoice = books.sent(amount="100.00")
    dispute = corrections.dispute_register(
        by=books.user, number=invoice.number, reason="outro", amount="10.00"
    )
    frozen_clock.advance(days=45)
    corrections.dispute_resolve(
        by=books.user, number=invoice.number, resolution="rejected", dispute_id=dispute.pk
    )
    assert books.reload(invoice).status == "overdue"
    acts = list(Event.objects.filter(case_id=invoice.number).values_list("activity", flat=True))
    assert acts.count("Due Date Passed") == 1
    assert acts.index("Dispute Resolved") < acts.index("Due Date Passed")
