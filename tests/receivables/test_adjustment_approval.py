"""A debit that takes an invoice's total above the approval threshold (R$ 10.000,00 here) waits
for another Financeiro user's approval before it takes effect, as sending such an invoice does
(issue 10: a sent R$ 9.000 invoice could be adjusted to R$ 509.000 unapproved)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from fatura.core.errors import Forbidden, InvalidInput, RuleViolation
from fatura.eventlog.models import Event
from fatura.receivables import corrections
from fatura.receivables.models import (
    Adjustment,
    AdjustmentRequest,
    AdjustmentRequestStatus,
    Invoice,
)
from tests.factories import operacao


def _activities(invoice: Invoice) -> list[str]:
    return list(
        Event.objects.filter(case_id=invoice.number)
        .order_by("timestamp", "id")
        .values_list("activity", flat=True)
    )


def _amounts(invoice: Invoice) -> tuple[Decimal, Decimal, str]:
    fresh = Invoice.objects.get(pk=invoice.pk)
    return fresh.amount_debited, fresh.balance, fresh.payment_status


def test_a_debit_above_the_threshold_waits_and_changes_nothing(books):
    invoice = books.sent(amount="9000.00")
    before = _amounts(invoice)
    made = corrections.invoice_adjust(
        by=books.user, number=invoice.number, amount="500000.00", reason="juros"
    )
    assert isinstance(made, AdjustmentRequest)
    assert (made.status, made.amount, made.requested_by) == (
        AdjustmentRequestStatus.PENDING,
        Decimal("500000.00"),
        books.user,
    )
    assert _amounts(invoice) == before
    assert not Adjustment.objects.exists()
    assert _activities(invoice)[-1] == "Adjustment Sent for Approval"
    event = Event.objects.filter(case_id=invoice.number).order_by("-id").first()
    assert event.attributes["adjustment_amount"] == "500000.00"


def test_another_financeiro_user_approves_and_then_it_takes_effect(books):
    invoice = books.sent(amount="9000.00")
    corrections.invoice_adjust(
        by=books.user, number=invoice.number, amount="500000.00", reason="juros"
    )
    adjustment = corrections.invoice_adjustment_approve(by=books.approver, number=invoice.number)
    assert adjustment.amount == Decimal("500000.00") and adjustment.number.startswith("AJ-")
    assert _amounts(invoice) == (Decimal("500000.00"), Decimal("509000.00"), "unpaid")
    request = AdjustmentRequest.objects.get()
    assert (request.status, request.decided_by, request.adjustment) == (
        AdjustmentRequestStatus.APPROVED,
        books.approver,
        adjustment,
    )
    assert _activities(invoice)[-3:] == [
        "Adjustment Sent for Approval",
        "Adjustment Approved",
        "Invoice Adjusted",
    ]


def test_the_one_who_asked_cannot_approve_nor_reject(books):
    invoice = books.sent(amount="9000.00")
    corrections.invoice_adjust(
        by=books.user, number=invoice.number, amount="500000.00", reason="juros"
    )
    with pytest.raises(Forbidden, match="outro usuário do Financeiro"):
        corrections.invoice_adjustment_approve(by=books.user, number=invoice.number)
    with pytest.raises(Forbidden):
        corrections.invoice_adjustment_reject(by=books.user, number=invoice.number, reason="não")
    with pytest.raises(Forbidden):  # Operação cannot approve at all
        corrections.invoice_adjustment_approve(by=operacao("op2"), number=invoice.number)
    assert AdjustmentRequest.objects.get().status == AdjustmentRequestStatus.PENDING
    assert _amounts(invoice)[0] == 0


def test_rejected_it_never_takes_effect(books):
    invoice = books.sent(amount="9000.00")
    corrections.invoice_adjust(
        by=books.user, number=invoice.number, amount="500000.00", reason="juros"
    )
    with pytest.raises(InvalidInput):
        corrections.invoice_adjustment_reject(by=books.approver, number=invoice.number, reason="")
    corrections.invoice_adjustment_reject(
        by=books.approver, number=invoice.number, reason="valor errado"
    )
    assert AdjustmentRequest.objects.get().status == AdjustmentRequestStatus.REJECTED
    assert _amounts(invoice)[:2] == (Decimal("0.00"), Decimal("9000.00"))
    assert _activities(invoice)[-1] == "Adjustment Rejected"
    with pytest.raises(RuleViolation, match="não tem ajuste aguardando"):
        corrections.invoice_adjustment_approve(by=books.approver, number=invoice.number)
    # a new adjustment may be asked for again
    corrections.invoice_adjust(by=books.user, number=invoice.number, amount="10.00", reason="j")
    assert _amounts(invoice)[:2] == (Decimal("10.00"), Decimal("9010.00"))


def test_below_the_threshold_and_credits_apply_at_once(books):
    invoice = books.sent(amount="9000.00")
    made = corrections.invoice_adjust(
        by=books.user, number=invoice.number, amount="1000.00", reason="juros"
    )
    assert isinstance(made, Adjustment)  # 10.000,00 exactly: not above the threshold
    assert _amounts(invoice)[:2] == (Decimal("1000.00"), Decimal("10000.00"))
    big = books.sent(amount="20000.00")
    credit = corrections.invoice_adjust(
        by=books.user, number=big.number, amount="-500.00", reason="abatimento"
    )
    assert isinstance(credit, Adjustment)
    # a debit on an invoice already above the threshold raises it further: approval
    debit = corrections.invoice_adjust(
        by=books.user, number=big.number, amount="1.00", reason="juros"
    )
    assert isinstance(debit, AdjustmentRequest)
    assert not AdjustmentRequest.objects.filter(invoice=invoice).exists()


def test_one_waits_at_a_time(books):
    invoice = books.sent(amount="9000.00")
    corrections.invoice_adjust(
        by=books.user, number=invoice.number, amount="500000.00", reason="juros"
    )
    with pytest.raises(RuleViolation, match="aguardando aprovação"):
        corrections.invoice_adjust(by=books.user, number=invoice.number, amount="-1", reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database says so too
        AdjustmentRequest.objects.create(
            invoice=invoice,
            amount=Decimal("1.00"),
            reason="x",
            requested_by=books.user,
            requested_at=invoice.created_at,
        )


def test_approval_checks_the_invoice_state_again(books):
    invoice = books.sent(amount="9000.00")
    corrections.invoice_adjust(
        by=books.user, number=invoice.number, amount="500000.00", reason="juros"
    )
    corrections.invoice_write_off(by=books.user, number=invoice.number, reason="perda")
    with pytest.raises(RuleViolation):
        corrections.invoice_adjustment_approve(by=books.approver, number=invoice.number)
    assert not Adjustment.objects.exists()


# --- through the API -------------------------------------------------------------------------


def test_api_adjust_answers_the_invoice_with_its_pending_adjustment(books, api_as):
    invoice = books.sent(amount="9000.00")
    mine, other = api_as(books.user), api_as(books.approver)
    asked = mine.post(
        f"/invoices/{invoice.number}/adjust", {"amount": "500000.00", "reason": "juros"}
    )
    assert asked.status_code == 200, asked.content
    body = asked.json()
    assert (body["total"], body["balance"], body["amount_debited"]) == (
        "9000.00",
        "9000.00",
        "0.00",
    )
    pending = body["pending_adjustment"]
    assert (pending["amount"], pending["reason"], pending["requested_by"]) == (
        "500000.00",
        "juros",
        books.user.get_username(),
    )
    listed = mine.get("/invoices", {"customer_id": invoice.customer_id}).json()
    assert listed[0]["pending_adjustment"]["id"] == pending["id"]

    same = mine.post(f"/invoices/{invoice.number}/approve-adjustment")
    assert same.status_code == 403 and "outro usuário" in same.json()["detail"]
    approved = other.post(f"/invoices/{invoice.number}/approve-adjustment")
    assert approved.status_code == 200, approved.content
    assert approved.json()["pending_adjustment"] is None
    assert approved.json()["balance"] == "509000.00"
    again = other.post(f"/invoices/{invoice.number}/approve-adjustment")
    assert again.status_code == 409


def test_api_reject_adjustment(books, api_as):
    invoice = books.sent(amount="9000.00")
    mine, other = api_as(books.user), api_as(books.approver)
    mine.post(f"/invoices/{invoice.number}/adjust", {"amount": "500000.00", "reason": "juros"})
    missing = other.post(f"/invoices/{invoice.number}/reject-adjustment", {})
    assert missing.status_code == 422
    rejected = other.post(
        f"/invoices/{invoice.number}/reject-adjustment", {"reason": "valor errado"}
    )
    assert rejected.status_code == 200, rejected.content
    assert rejected.json()["pending_adjustment"] is None
    assert rejected.json()["balance"] == "9000.00"


def test_api_operacao_cannot_approve(books, api_as):
    invoice = books.sent(amount="9000.00")
    api_as(books.user).post(
        f"/invoices/{invoice.number}/adjust", {"amount": "500000.00", "reason": "juros"}
    )
    response = api_as(operacao("op2")).post(f"/invoices/{invoice.number}/approve-adjustment")
    assert response.status_code == 403
