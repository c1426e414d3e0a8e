"""The document's state machine through the services: every transition, the 409s naming the
state and allowed actions, approval rules, sending by e-mail with the PDF."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from fatura.core.errors import Forbidden, InvalidInput, RuleViolation
from fatura.eventlog.models import Event
from fatura.receivables import services
from tests.factories import operacao


def activities_of(number: str) -> list[str]:
    return list(
        Event.objects.filter(case_id=number)
        .order_by("timestamp", "id")
        .values_list("activity", flat=True)
    )


def test_create_gives_a_draft_with_number_total_and_due_date(books):
    invoice = books.draft(amount="1234.56")
    assert invoice.number == "FAT-00000001"
    assert (invoice.status, invoice.payment_status) == ("draft", "unpaid")
    assert invoice.total_charged == invoice.balance == Decimal("1234.56")
    # 05/05/2026 + 30 = 04/06/2026, Corpus Christi (a national holiday in holidays' BR
    # calendar? not: optional) -> moved only for weekends and national holidays
    assert invoice.due_date >= dt.date(2026, 6, 4)
    assert activities_of(invoice.number) == ["Invoice Created"]


def test_due_date_moves_past_weekends_and_holidays(books):
    # issued 2026-08-08 + 30 = 2026-09-07 (Independência, a Monday holiday) -> 2026-09-08
    invoice = books.draft(issue_date=dt.date(2026, 8, 8))
    assert invoice.due_date == dt.date(2026, 9, 8)
    # + 30 from 2026-05-02 = 2026-06-01 (Monday) stays
    assert books.draft(issue_date=dt.date(2026, 5, 2)).due_date == dt.date(2026, 6, 1)
    # Saturday -> Monday
    assert books.draft(issue_date=dt.date(2026, 5, 1)).due_date == dt.date(2026, 6, 1)


def test_walk_to_sent_with_email_and_pdf(books):
    invoice = books.sent(amount="500.00")
    assert invoice.status == "sent"
    [message] = mail.outbox
    assert message.to == [invoice.customer.email]
    assert invoice.number in message.subject
    [(name, content, mimetype)] = message.attachments
    assert name == f"fatura-{invoice.number}.pdf" and mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    assert activities_of(invoice.number) == [
        "Invoice Created",
        "Invoice Completed",
        "Invoice Sent to Customer",
    ]


def test_above_threshold_needs_approval_from_another_financeiro(books, fin_user):
    invoice = books.draft(amount="20000.00")
    services.invoice_complete(by=fin_user, number=invoice.number)
    with pytest.raises(RuleViolation, match="precisa de aprovação"):
        services.invoice_send(by=fin_user, number=invoice.number)
    services.invoice_submit(by=fin_user, number=invoice.number)
    with pytest.raises(Forbidden, match="outro usuário"):
        services.invoice_approve(by=fin_user, number=invoice.number)
    with pytest.raises(Forbidden):
        services.invoice_approve(by=operacao(), number=invoice.number)
    approved = services.invoice_approve(by=books.approver, number=invoice.number)
    assert approved.status == "approved" and approved.approved_by == books.approver
    assert services.invoice_send(by=fin_user, number=invoice.number).status == "sent"


def test_rejection_sends_back_to_draft_for_rework(books, fin_user):
    invoice = books.draft(amount="20000.00")
    services.invoice_complete(by=fin_user, number=invoice.number)
    services.invoice_submit(by=fin_user, number=invoice.number)
    with pytest.raises(InvalidInput):
        services.invoice_reject(by=books.approver, number=invoice.number, reason=" ")
    rejected = services.invoice_reject(
        by=books.approver, number=invoice.number, reason="Valor errado"
    )
    assert (rejected.status, rejected.rework_count) == ("draft", 1)
    services.invoice_complete(by=fin_user, number=invoice.number)
    assert activities_of(invoice.number)[-2:] == ["Invoice Rejected", "Invoice Completed"]


def test_action_not_allowed_names_state_and_allowed_actions(books, fin_user):
    invoice = books.draft()
    with pytest.raises(RuleViolation) as caught:
        services.invoice_send(by=fin_user, number=invoice.number)
    assert caught.value.status == 409
    assert "“Rascunho”" in caught.value.message
    assert "Ações permitidas: concluir" in caught.value.message


def test_send_without_customer_email_is_refused(books, fin_user):
    invoice = books.draft(books.customer(email=""))
    services.invoice_complete(by=fin_user, number=invoice.number)
    with pytest.raises(RuleViolation, match="não tem e-mail"):
        services.invoice_send(by=fin_user, number=invoice.number)
    assert books.reload(invoice).status == "completed"


def test_operacao_cannot_create_invoices(books):
    with pytest.raises(Forbidden):
        services.invoice_create(
            by=operacao(), customer=books.customer(), kind="simple",
            issue_date=dt.date(2026, 5, 5), payment_terms="NET30",
            lines=[{"description": "x", "quantity": "1", "unit_price": "1"}],
        )  # fmt: skip


def test_bad_lines_are_reported_by_line_and_field(books):
    with pytest.raises(InvalidInput) as caught:
        services.invoice_create(
            by=books.user, customer=books.customer(), kind="simple",
            issue_date=dt.date(2026, 5, 5), payment_terms="NET30",
            lines=[
                {"description": "ok", "quantity": "1", "unit_price": "10"},
                {"description": "", "quantity": "-1", "unit_price": "abc"},
            ],
        )  # fmt: skip
    fields = {(e["line"], e["field"]) for e in caught.value.errors}
    assert fields == {(2, "description"), (2, "quantity"), (2, "unit_price")}


def test_due_date_passed_is_recorded_at_the_due_date_by_system(books, frozen_clock):
    invoice = books.sent()
    frozen_clock.advance(days=40)
    assert services.due_dates_passed() == 1
    assert services.due_dates_passed() == 0  # re-run: nothing twice
    invoice = books.reload(invoice)
    assert invoice.status == "overdue"
    passed = Event.objects.get(case_id=invoice.number, activity="Due Date Passed")
    assert passed.user == "system" and passed.is_automated
    assert passed.timestamp.date() >= invoice.due_date


def test_proforma_has_no_receivable_and_converts(books, fin_user):
    proforma = books.draft(kind="proforma", amount="300.00")
    assert proforma.number == "PRO-00000001" and proforma.balance == 0
    invoice = services.proforma_convert(by=fin_user, number=proforma.number)
    assert invoice.number == "FAT-00000001" and invoice.balance == Decimal("300.00")
    assert books.reload(proforma).status == "converted"
    with pytest.raises(RuleViolation):
        services.proforma_convert(by=fin_user, number=proforma.number)
    with pytest.raises(RuleViolation):
        services.proforma_convert(by=fin_user, number=invoice.number)  # not a proforma
