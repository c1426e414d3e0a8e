"""The receivables API: POST /invoices, the invoice actions, payments and the invoice timeline,
with the JSON each answers, the 409/422/403/404 of the rules, and the OpenAPI paths."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fatura.eventlog.models import Event
from fatura.receivables.models import (
    Adjustment,
    CollectionCall,
    CreditNote,
    Dispute,
    Invoice,
    Payment,
    RecurringTemplate,
)
from tests.factories import CustomerFactory

ISSUE = "2026-05-05"
ACTIONS = (
    "complete, submit, approve, reject, send, remind, call, dispute, resolve-dispute, "
    "credit-note, adjust, write-off, convert"
)


def invoice_body(customer, **overrides):
    body = {
        "customer_id": customer.pk,
        "kind": "simple",
        "issue_date": ISSUE,
        "payment_terms": "NET30",
        "lines": [{"description": "Consultoria", "quantity": "2", "unit_price": "617.28"}],
    }
    return {**body, **overrides}


def activities_of(number):
    return list(
        Event.objects.filter(case_id=number)
        .order_by("timestamp", "id")
        .values_list("activity", flat=True)
    )


def errors_of(response):
    return {(e.get("line"), e["field"]) for e in response.json()["errors"]}


def act(api, number, action, body=None):
    return api.post(f"/invoices/{number}/{action}", body)


@pytest.fixture
def customer(books):
    return books.customer(name="ACME Serviços")


@pytest.fixture
def approver_api(api_as, books):
    return api_as(books.approver)


# --- POST /invoices -----------------------------------------------------------------------


def test_create_answers_201_with_the_draft_invoice(fin_api, customer):
    response = fin_api.post("/invoices", invoice_body(customer, description="Projeto X"))
    assert response.status_code == 201
    assert response.json() == {
        "invoice_number": "FAT-00000001",
        "number": "FAT-00000001",
        "kind": "simple",
        "customer_id": customer.pk,
        "customer_name": "ACME Serviços",
        "month": "2026-05",
        "issue_date": "2026-05-05",
        "total_due": "1234.56",
        "total_charged": "1234.56",
        "total": "1234.56",
        "balance": "1234.56",
        "withholdings": [],
        "net_total": "1234.56",
        "status": "draft",
        "payment_status": "unpaid",
        "payment_terms": "NET30",
        "due_date": "2026-06-04",
        "discount_until": None,
        "amount_applied": "0.00",
        "amount_credited": "0.00",
        "amount_debited": "0.00",
        "amount_discounted": "0.00",
        "amount_written_off": "0.00",
        "amount_overpaid": "0.00",
        "amount_late_charged": "0.00",
        "due_if_paid_today": "1234.56",
        "delivery": {"status": "", "attempts": 0, "last_error": "", "retry_at": None},
        "dunning_level": 0,
        "open_disputes": 0,
        "allowed_actions": ["complete"],
        "converted_to": None,
        "result_center": "",
        "ticket": "",
        "lines": [
            {
                "billing_item_id": None,
                "item_name": "Consultoria",
                "product": "",
                "unit": "",
                "quantity": "2",
                "unit_price": "617.28",
                "price_version_id": None,
                "amount": "1234.56",
            }
        ],
        "installments": [
            {"number": 1, "due_date": "2026-06-04", "amount": "1234.56", "balance": "1234.56"}
        ],
        "pending_adjustment": None,
    }
    assert fin_api.get("/invoices/FAT-00000001").json() == response.json()
    assert activities_of("FAT-00000001") == ["Invoice Created"]


def test_create_takes_numbers_and_the_customers_terms(fin_api, books):
    customer = books.customer(payment_terms="NET60")
    body = invoice_body(
        customer,
        payment_terms=None,
        lines=[
            {"description": "Horas", "quantity": 3, "unit_price": 10.1},
            {"description": "Licença", "quantity": "1.5", "unit_price": "0.3333"},
        ],
    )
    response = fin_api.post("/invoices", body)
    assert response.status_code == 201
    got = response.json()
    # 05/05 + 60 = 04/07/2026, a Saturday: due on Monday 06/07
    assert (got["payment_terms"], got["due_date"]) == ("NET60", "2026-07-06")
    assert [(ln["quantity"], ln["unit_price"], ln["amount"]) for ln in got["lines"]] == [
        ("3", "10.10", "30.30"),
        ("1.5", "0.3333", "0.50"),
    ]
    assert got["total"] == got["balance"] == "30.80"
    assert Invoice.objects.get().total_charged == Decimal("30.80")


def test_create_discount_terms_give_the_discount_window(fin_api, customer):
    response = fin_api.post("/invoices", invoice_body(customer, payment_terms="2_10_NET30"))
    assert response.status_code == 201
    assert (response.json()["discount_until"], response.json()["due_date"]) == (
        "2026-05-15",
        "2026-06-04",
    )


def test_create_recurring_keeps_the_template(fin_api, customer):
    body = invoice_body(
        customer, kind="recurring", recurrence={"frequency": "monthly", "end": "2026-12-31"}
    )
    response = fin_api.post("/invoices", body)
    assert response.status_code == 201
    assert (response.json()["kind"], response.json()["status"]) == ("recurring", "draft")
    template = RecurringTemplate.objects.get()
    assert (template.frequency, template.start, template.end) == (
        "monthly",
        dt.date(2026, 5, 5),
        dt.date(2026, 12, 31),
    )
    assert Invoice.objects.get().recurring_template == template


def test_create_proforma_has_its_own_series_and_owes_nothing(fin_api, customer):
    response = fin_api.post("/invoices", invoice_body(customer, kind="proforma"))
    assert response.status_code == 201
    got = response.json()
    assert (got["number"], got["kind"], got["total"], got["balance"]) == (
        "PRO-00000001",
        "proforma",
        "1234.56",
        "0.00",
    )
    assert got["allowed_actions"] == ["complete", "convert"]


def test_create_reports_every_bad_line_field(fin_api, customer):
    lines = [
        {"description": "ok", "quantity": "1", "unit_price": "10"},
        {"description": "", "quantity": "-1", "unit_price": "abc"},
        {"description": "x", "quantity": "1", "unit_price": "0.00001"},
    ]
    response = fin_api.post("/invoices", invoice_body(customer, lines=lines))
    assert response.status_code == 422
    assert errors_of(response) == {
        (2, "description"),
        (2, "quantity"),
        (2, "unit_price"),
        (3, "unit_price"),
    }
    assert "linha 2" in response.json()["detail"]
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"issue_date": "05/05/2026"}, "issue_date"),
        ({"issue_date": None}, "issue_date"),
        ({"customer_id": "acme"}, "customer_id"),
        (
            {"lines": [{"description": "x", "quantity": True, "unit_price": "1"}]},
            "lines.0.quantity",
        ),
        ({"lines": [{"description": "x", "quantity": "1"}]}, "lines.0.unit_price"),
        ({"kind": "mensal"}, "kind"),
        ({"payment_terms": "NET45"}, "payment_terms"),
        ({"lines": []}, "lines"),
        ({"kind": "recurring"}, "recurrence"),
        ({"kind": "recurring", "recurrence": {"frequency": "weekly"}}, "recurrence.frequency"),
    ],
)
def test_create_bad_input_is_422_with_the_field(fin_api, customer, overrides, field):
    response = fin_api.post("/invoices", invoice_body(customer, **overrides))
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Invoice.objects.exists()


def test_create_for_an_unknown_customer_is_404(fin_api, books):
    response = fin_api.post("/invoices", {**invoice_body(books.customer()), "customer_id": 999999})
    assert response.status_code == 404
    assert response.json() == {"detail": "Cliente 999999 não encontrado."}


def test_operacao_cannot_create_invoices(ops_api, customer):
    response = ops_api.post("/invoices", invoice_body(customer))
    assert response.status_code == 403
    assert "Financeiro" in response.json()["detail"]
    assert not Invoice.objects.exists()


def test_the_api_needs_a_token(customer):
    response = Client().post(
        "/api/v1/invoices", data=invoice_body(customer), content_type="application/json"
    )
    assert response.status_code == 401


# --- POST /invoices/{number}/{action}: the document's lifecycle -----------------------------


def test_complete_then_send_emails_the_pdf(fin_api, books):
    number = books.draft(amount="500.00").number
    response = act(fin_api, number, "complete")
    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert response.json()["allowed_actions"] == ["submit", "send", "credit-note", "adjust"]
    response = act(fin_api, number, "send", {"ignored": True})  # a body is not needed
    assert response.status_code == 200
    got = response.json()
    assert (got["status"], got["payment_status"], got["balance"]) == ("sent", "unpaid", "500.00")
    [message] = mail.outbox
    assert message.attachments[0][0] == f"fatura-{number}.pdf"
    assert activities_of(number) == [
        "Invoice Created",
        "Invoice Completed",
        "Invoice Sent to Customer",
    ]


def test_approval_above_the_threshold_by_another_financeiro(fin_api, approver_api, books):
    number = books.draft(amount="20000.00").number
    act(fin_api, number, "complete")
    refused = act(fin_api, number, "send")
    assert refused.status_code == 409
    assert "precisa de aprovação" in refused.json()["detail"]
    assert act(fin_api, number, "submit").json()["status"] == "pending_approval"
    creator = act(fin_api, number, "approve")
    assert creator.status_code == 403
    assert "outro usuário do Financeiro" in creator.json()["detail"]
    response = act(approver_api, number, "approve")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert act(fin_api, number, "send").json()["status"] == "sent"


def test_reject_sends_back_to_draft_with_the_reason(fin_api, approver_api, books):
    number = books.draft(amount="20000.00").number
    act(fin_api, number, "complete")
    act(fin_api, number, "submit")
    missing = act(approver_api, number, "reject", {"reason": "  "})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"field": "reason", "message": "obrigatório"}]
    response = act(approver_api, number, "reject", {"reason": "Valor errado"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["allowed_actions"]) == (
        "draft",
        ["complete"],
    )
    assert books.reload(Invoice.objects.get(number=number)).rework_count == 1
    rejected = Event.objects.get(case_id=number, activity="Invoice Rejected")
    assert rejected.attributes["reason"] == "Valor errado"


def test_reject_without_a_body_is_422_naming_reason(approver_api, fin_api, books):
    number = books.draft(amount="20000.00").number
    act(fin_api, number, "complete")
    act(fin_api, number, "submit")
    response = act(approver_api, number, "reject")
    assert response.status_code == 422
    assert "reason" in {e["field"] for e in response.json()["errors"]}


@pytest.mark.parametrize("action", ["approve", "reject", "write-off", "complete", "credit-note"])
def test_operacao_cannot_change_the_document(ops_api, fin_api, books, action):
    number = books.draft(amount="20000.00").number
    act(fin_api, number, "complete")
    act(fin_api, number, "submit")
    response = act(ops_api, number, action, {"reason": "x", "amount": "1.00"})
    assert response.status_code == 403
    assert "Somente o perfil Financeiro" in response.json()["detail"]
    assert Invoice.objects.get(number=number).status == "pending_approval"


def test_an_action_the_state_does_not_allow_is_409_naming_state_and_actions(fin_api, books):
    number = books.sent(amount="500.00").number
    response = act(fin_api, number, "complete")
    assert response.status_code == 409
    assert response.json() == {
        "detail": (
            f"Não é possível concluir a fatura {number}: ela está “Enviada ao cliente”. "
            "Ações permitidas: enviar lembrete, registrar ligação, registrar disputa, "
            "emitir nota de crédito, ajustar, baixar como perda."
        )
    }
    assert activities_of(number)[-1] == "Invoice Sent to Customer"


def test_resolve_dispute_without_an_open_one_is_409(fin_api, books):
    number = books.sent(amount="500.00").number
    response = act(fin_api, number, "resolve-dispute", {"resolution": "rejected"})
    assert response.status_code == 409
    assert "“Enviada ao cliente”" in response.json()["detail"]


def test_unknown_action_is_404_listing_the_actions(fin_api, books):
    number = books.draft().number
    response = act(fin_api, number, "pay")
    assert response.status_code == 404
    assert response.json()["detail"] == f"Ação desconhecida: 'pay'. Ações de fatura: {ACTIONS}."


@pytest.mark.parametrize("action", ["complete", "send", "write-off", "convert"])
def test_an_action_on_an_unknown_invoice_is_404(fin_api, books, action):
    response = act(fin_api, "FAT-99999999", action, {"reason": "x"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Fatura FAT-99999999 não encontrada."}


# --- collections and corrections ----------------------------------------------------------


def test_remind_by_operacao_emails_the_customer(ops_api, books):
    number = books.sent(amount="500.00").number
    mail.outbox.clear()
    response = act(ops_api, number, "remind")
    assert response.status_code == 200
    assert response.json()["status"] == "sent"
    assert len(mail.outbox) == 1
    assert activities_of(number)[-1] == "Payment Reminder Issued"


def test_call_with_a_promise_to_pay(ops_api, books):
    number = books.sent(amount="500.00").number
    body = {"outcome": "promise_to_pay", "promise_date": "2026-05-20", "note": "Paga dia 20"}
    response = act(ops_api, number, "call", body)
    assert response.status_code == 200
    assert response.json()["number"] == number
    call = CollectionCall.objects.get()
    assert (call.outcome, call.promise_date, call.note) == (
        "promise_to_pay",
        dt.date(2026, 5, 20),
        "Paga dia 20",
    )
    made = Event.objects.get(case_id=number, activity="Collection Call Made")
    assert made.attributes["call_outcome"] == "promise_to_pay"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "promise_to_pay"}, "promise_date"),
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": "reached", "promise_date": "amanhã"}, "promise_date"),
        ({}, "outcome"),
    ],
)
def test_call_bad_input_is_422(ops_api, books, body, field):
    number = books.sent(amount="500.00").number
    response = act(ops_api, number, "call", body)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not CollectionCall.objects.exists()


def test_dispute_then_resolve_by_credit_note(fin_api, ops_api, books):
    number = books.sent(amount="500.00").number
    response = act(ops_api, number, "dispute", {"reason": "preco_incorreto", "amount": 120.5})
    assert response.status_code == 200
    got = response.json()
    assert (got["status"], got["open_disputes"], got["balance"]) == ("disputed", 1, "500.00")
    assert Dispute.objects.get().amount == Decimal("120.50")
    response = act(fin_api, number, "resolve-dispute", {"resolution": "credit_note"})
    assert response.status_code == 200
    got = response.json()
    assert (got["status"], got["open_disputes"], got["amount_credited"], got["balance"]) == (
        "sent",
        0,
        "120.50",
        "379.50",
    )
    assert CreditNote.objects.get().number == "NC-00000001"


def test_resolve_dispute_by_adjustment_of_another_amount_or_rejected(fin_api, books):
    number = books.sent(amount="500.00").number
    act(fin_api, number, "dispute", {"reason": "outro", "amount": "100.00"})
    second = act(fin_api, number, "dispute", {"reason": "fatura_duplicada", "amount": "50.00"})
    assert second.json()["open_disputes"] == 2
    first_id, second_id = Dispute.objects.order_by("id").values_list("id", flat=True)
    response = act(
        fin_api,
        number,
        "resolve-dispute",
        {"resolution": "adjustment", "dispute_id": second_id, "amount": "30.00", "note": "acordo"},
    )
    got = response.json()
    assert (got["status"], got["open_disputes"], got["balance"]) == ("disputed", 1, "470.00")
    assert Adjustment.objects.get().amount == Decimal("-30.00")
    response = act(
        fin_api, number, "resolve-dispute", {"resolution": "rejected", "dispute_id": first_id}
    )
    got = response.json()
    assert (got["status"], got["open_disputes"], got["balance"]) == ("sent", 0, "470.00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "caro", "amount": "10.00"}, "reason"),
        ({"reason": "outro", "amount": "500.01"}, "amount"),
        ({"reason": "outro", "amount": "1,234.5"}, "amount"),
        ({"reason": "outro", "amount": "10.001"}, "amount"),
        ({"reason": "outro"}, "amount"),
    ],
)
def test_dispute_bad_input_is_422(fin_api, books, body, field):
    number = books.sent(amount="500.00").number
    response = act(fin_api, number, "dispute", body)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Dispute.objects.exists()


def test_credit_note_and_signed_adjustments(fin_api, books):
    number = books.sent(amount="500.00").number
    response = act(fin_api, number, "credit-note", {"amount": "100.00", "reason": "desconto"})
    assert response.status_code == 200
    assert (response.json()["amount_credited"], response.json()["balance"]) == ("100.00", "400.00")
    response = act(fin_api, number, "adjust", {"amount": "25.50", "reason": "frete"})
    assert (response.json()["amount_debited"], response.json()["balance"]) == ("25.50", "425.50")
    response = act(fin_api, number, "adjust", {"amount": -0.5, "reason": "arredondamento"})
    assert (response.json()["amount_credited"], response.json()["balance"]) == ("100.50", "425.00")
    assert list(Adjustment.objects.values_list("number", "amount")) == [
        ("AJ-00000001", Decimal("25.50")),
        ("AJ-00000002", Decimal("-0.50")),
    ]


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("credit-note", {"amount": "500.01", "reason": "x"}, "amount"),
        ("credit-note", {"amount": "10.00", "reason": ""}, "reason"),
        ("credit-note", {"amount": "10.00"}, "reason"),
        ("adjust", {"amount": "0", "reason": "x"}, "amount"),
        ("adjust", {"amount": "-500.01", "reason": "x"}, "amount"),
        ("adjust", {"amount": "abc", "reason": "x"}, "amount"),
        ("adjust", {"amount": [1], "reason": "x"}, "amount"),
        ("write-off", {}, "reason"),
    ],
)
def test_correction_bad_input_is_422(fin_api, books, action, body, field):
    number = books.sent(amount="500.00").number
    response = act(fin_api, number, action, body)
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert Invoice.objects.get(number=number).balance == Decimal("500.00")


def test_write_off_closes_what_is_left(fin_api, books):
    invoice = books.sent(amount="500.00")
    books.pay(invoice, "200.00")
    response = act(fin_api, invoice.number, "write-off", {"reason": "Cliente falido"})
    assert response.status_code == 200
    got = response.json()
    assert (got["status"], got["balance"], got["amount_written_off"], got["allowed_actions"]) == (
        "written_off",
        "0.00",
        "300.00",
        [],
    )


def test_convert_a_proforma_answers_the_new_invoice(fin_api, books):
    proforma = books.draft(kind="proforma", amount="800.00")
    act(fin_api, proforma.number, "complete")
    response = act(fin_api, proforma.number, "convert")
    assert response.status_code == 200
    got = response.json()
    assert (got["number"], got["kind"], got["status"], got["total"], got["balance"]) == (
        "FAT-00000001",
        "simple",
        "draft",
        "800.00",
        "800.00",
    )
    old = fin_api.get(f"/invoices/{proforma.number}").json()
    assert (old["status"], old["converted_to"], old["allowed_actions"]) == (
        "converted",
        "FAT-00000001",
        [],
    )
    again = act(fin_api, proforma.number, "convert")
    assert again.status_code == 409
    assert "“Convertida em fatura”" in again.json()["detail"]


def test_convert_is_only_for_proformas(fin_api, books):
    number = books.draft().number
    response = act(fin_api, number, "convert")
    assert response.status_code == 409
    assert response.json()["detail"].endswith("Ações permitidas: concluir.")


# --- payments -----------------------------------------------------------------------------


def payment_body(invoice, amount="500.00", **overrides):
    body = {
        "customer_id": invoice.customer_id,
        "amount": amount,
        "received_at": ISSUE,
        "method": "pix",
        "reference": "E2E-123",
        "allocations": [{"invoice_number": invoice.number, "amount": amount}],
    }
    return {**body, **overrides}


def test_record_a_payment_answers_201_and_closes_the_invoice(fin_api, books):
    invoice = books.sent(amount="500.00")
    response = fin_api.post("/payments", payment_body(invoice))
    assert response.status_code == 201
    payment = Payment.objects.get()
    assert response.json() == {
        "id": payment.pk,
        "customer_id": invoice.customer_id,
        "amount": "500.00",
        "applied": "500.00",
        "unapplied": "0.00",
        "received_at": "2026-05-05",
        "posted_at": None,
        "method": "pix",
        "reference": "E2E-123",
        "reversed": False,
        "reversal_date": None,
        "allocations": [{"invoice_number": invoice.number, "amount": "500.00", "discount": "0.00"}],
    }
    got = fin_api.get(f"/invoices/{invoice.number}").json()
    assert (got["status"], got["payment_status"], got["balance"]) == ("closed", "paid", "0.00")


def test_payment_with_credit_left_and_an_early_discount(fin_api, books):
    customer = books.customer()
    first = books.sent(customer, amount="1000.00", terms="2_10_NET30")
    second = books.sent(customer, amount="300.00")
    body = {
        "customer_id": customer.pk,
        "amount": 1200,
        "received_at": "2026-05-10",
        "posted_at": "2026-05-12",
        "method": "boleto",
        "allocations": [
            {"invoice_number": first.number, "amount": 980},
            {"invoice_number": second.number, "amount": "100.00"},
        ],
    }
    response = fin_api.post("/payments", body)
    assert response.status_code == 201
    got = response.json()
    assert (got["amount"], got["applied"], got["unapplied"], got["posted_at"]) == (
        "1200.00",
        "1080.00",
        "120.00",
        "2026-05-12",
    )
    assert got["allocations"] == [
        {"invoice_number": first.number, "amount": "980.00", "discount": "20.00"},
        {"invoice_number": second.number, "amount": "100.00", "discount": "0.00"},
    ]
    assert fin_api.get(f"/invoices/{first.number}").json()["status"] == "closed"
    assert fin_api.get(f"/invoices/{second.number}").json()["payment_status"] == "partially_paid"


def test_a_repeated_idempotency_key_answers_200_with_the_first_payment(fin_api, books):
    invoice = books.sent(amount="500.00")
    body = payment_body(invoice, amount="200.00", idempotency_key="bank-42")
    first = fin_api.post("/payments", body)
    again = fin_api.post("/payments", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    # the same request written otherwise is the same request
    same = fin_api.post("/payments", {**body, "amount": "200"})
    assert (same.status_code, same.json()["id"]) == (200, first.json()["id"])
    assert Payment.objects.count() == 1
    assert Invoice.objects.get(pk=invoice.pk).balance == Decimal("300.00")
    assert activities_of(invoice.number).count("Payment Applied to Invoice") == 1


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"amount": "999.00"}, "amount"),
        ({"allocations": []}, "allocations"),
        ({"allocations": [], "customer_id": "another"}, "customer_id"),
        ({"method": "boleto"}, "method"),
    ],
)
def test_the_same_idempotency_key_with_another_body_is_409_naming_the_key(
    fin_api, books, change, named
):
    invoice = books.sent(amount="500.00")
    body = payment_body(invoice, amount="200.00", idempotency_key="bank-42")
    first = fin_api.post("/payments", body)
    assert first.status_code == 201
    if "customer_id" in change:
        change = {**change, "customer_id": CustomerFactory().pk}
    other = fin_api.post("/payments", {**body, **change})
    assert other.status_code == 409, other.content
    assert "bank-42" in other.json()["detail"]
    assert named in other.json()["detail"]
    assert [e["field"] for e in other.json()["errors"]] == ["idempotency_key"]
    assert Payment.objects.count() == 1
    assert Invoice.objects.get(pk=invoice.pk).balance == Decimal("300.00")
    assert fin_api.post("/payments", body).status_code == 200  # the first body still answers


def test_allocating_more_than_the_balance_is_422_and_records_nothing(fin_api, books):
    invoice = books.sent(amount="100.00")
    response = fin_api.post("/payments", payment_body(invoice, amount="100.01"))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"line": 1, "field": "amount", "message": "maior que o saldo"}
    ]
    assert "passa do saldo" in response.json()["detail"]
    assert not Payment.objects.exists()
    assert Invoice.objects.get(pk=invoice.pk).balance == Decimal("100.00")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"method": "dinheiro"}, "method"),
        ({"amount": "-5"}, "amount"),
        ({"amount": None}, "amount"),
        ({"received_at": "2026-02-30"}, "received_at"),
        ({"posted_at": "2026-05-04"}, "posted_at"),
        ({"allocations": [{"amount": "1.00"}]}, "allocations.0.invoice_number"),
        ({"idempotency_key": "k" * 81}, "idempotency_key"),
    ],
)
def test_payment_bad_input_is_422(fin_api, books, overrides, field):
    invoice = books.sent(amount="500.00")
    response = fin_api.post("/payments", payment_body(invoice, **overrides))
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Payment.objects.exists()


def test_payment_for_an_unknown_customer_or_invoice_is_404(fin_api, books):
    invoice = books.sent(amount="500.00")
    response = fin_api.post("/payments", payment_body(invoice, customer_id=999999))
    assert response.status_code == 404
    other = payment_body(invoice, allocations=[{"invoice_number": "FAT-99999999", "amount": "1"}])
    response = fin_api.post("/payments", other)
    assert response.status_code == 404
    assert "FAT-99999999" in response.json()["detail"]
    assert not Payment.objects.exists()


def test_operacao_cannot_record_apply_post_or_reverse_payments(ops_api, books):
    invoice = books.sent(amount="500.00")
    paid = books.pay(invoice, "100.00").payment
    for path, body in [
        ("/payments", payment_body(invoice)),
        (
            f"/payments/{paid.pk}/apply",
            {"allocations": [{"invoice_number": invoice.number, "amount": "1"}]},
        ),
        (f"/payments/{paid.pk}/post", {"posted_at": ISSUE}),
        (f"/payments/{paid.pk}/reverse", {"reason": "x"}),
    ]:
        response = ops_api.post(path, body)
        assert response.status_code == 403, path
        assert response.json()["detail"] == (
            "Somente o perfil Financeiro registra ou estorna pagamentos."
        )
    assert Payment.objects.get().applied == Decimal("100.00")
    assert ops_api.get(f"/payments/{paid.pk}").status_code == 200  # reading is fine


def test_list_and_get_payments(ops_api, books):
    acme, other = books.customer(), books.customer()
    first = books.pay(books.sent(acme, amount="100.00"), "100.00").payment
    second = books.pay(
        books.sent(acme, amount="50.00"), "50.00", received_at=dt.date(2026, 5, 6)
    ).payment
    books.pay(books.sent(other, amount="70.00"), "70.00")
    response = ops_api.get("/payments", {"customer_id": acme.pk})
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == [second.pk, first.pk]
    assert len(ops_api.get("/payments").json()) == 3
    assert ops_api.get("/payments", {"customer_id": 999999}).json() == []
    got = ops_api.get(f"/payments/{first.pk}")
    assert got.status_code == 200
    assert (got.json()["amount"], got.json()["allocations"][0]["amount"]) == ("100.00", "100.00")
    missing = ops_api.get("/payments/999999")
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": "Pagamento 999999 não encontrado."},
    )


def test_payment_list_queries_do_not_grow_with_the_rows(ops_api, books):
    customer = books.customer()
    books.pay(books.sent(customer, amount="10.00"), "10.00")
    with CaptureQueriesContext(connection) as one:
        assert len(ops_api.get("/payments").json()) == 1
    for _ in range(4):
        books.pay(books.sent(customer, amount="10.00"), "10.00")
    with CaptureQueriesContext(connection) as five:
        assert len(ops_api.get("/payments").json()) == 5
    assert len(five) == len(one)


def test_apply_the_credit_later(fin_api, books):
    customer = books.customer()
    invoice = books.sent(customer, amount="300.00")
    body = {
        "customer_id": customer.pk,
        "amount": "500.00",
        "received_at": ISSUE,
        "method": "transferencia",
    }
    created = fin_api.post("/payments", body).json()
    assert (created["applied"], created["unapplied"], created["allocations"]) == (
        "0.00",
        "500.00",
        [],
    )
    path = f"/payments/{created['id']}/apply"
    response = fin_api.post(
        path, {"allocations": [{"invoice_number": invoice.number, "amount": "300"}]}
    )
    assert response.status_code == 200
    assert (response.json()["applied"], response.json()["unapplied"]) == ("300.00", "200.00")
    assert fin_api.get(f"/invoices/{invoice.number}").json()["status"] == "closed"
    too_much = books.sent(customer, amount="1000.00")
    response = fin_api.post(
        path, {"allocations": [{"invoice_number": too_much.number, "amount": "200.01"}]}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "allocations", "message": "soma maior que o pagamento"}
    ]
    empty = fin_api.post(path, {"allocations": []})
    assert (empty.status_code, empty.json()["errors"][0]["field"]) == (422, "allocations")
    assert fin_api.post("/payments/999999/apply", {"allocations": []}).status_code == 422
    missing = fin_api.post(
        "/payments/999999/apply", {"allocations": [{"invoice_number": "X", "amount": "1"}]}
    )
    assert missing.status_code == 404


def test_post_a_payment_to_the_ledger_once(fin_api, books):
    invoice = books.sent(amount="500.00")
    payment = books.pay(invoice, "500.00", received_at=dt.date(2026, 5, 4)).payment
    early = fin_api.post(f"/payments/{payment.pk}/post", {"posted_at": "2026-05-03"})
    assert (early.status_code, early.json()["errors"][0]["field"]) == (422, "posted_at")
    response = fin_api.post(f"/payments/{payment.pk}/post", {"posted_at": "2026-05-06"})
    assert response.status_code == 200
    assert response.json()["posted_at"] == "2026-05-06"
    posted = Event.objects.get(case_id=invoice.number, activity="Payment Posted")
    assert posted.attributes["posting_lag_days"] == 2
    again = fin_api.post(f"/payments/{payment.pk}/post", {"posted_at": "2026-05-07"})
    assert again.status_code == 409
    assert "já foi contabilizado em 06/05/2026" in again.json()["detail"]
    missing = fin_api.post(f"/payments/{payment.pk}/post", {})
    assert (missing.status_code, missing.json()["errors"][0]["field"]) == (422, "posted_at")


def test_reverse_a_bounced_payment_reopens_the_invoice(fin_api, books):
    invoice = books.sent(amount="500.00")
    payment = books.pay(invoice, "500.00").payment
    response = fin_api.post(f"/payments/{payment.pk}/reverse", {"reason": "cheque devolvido"})
    assert response.status_code == 200
    got = response.json()
    assert (got["reversed"], got["applied"], got["unapplied"], got["allocations"]) == (
        True,
        "0.00",
        "0.00",
        [],
    )
    reopened = fin_api.get(f"/invoices/{invoice.number}").json()
    assert (reopened["status"], reopened["payment_status"], reopened["balance"]) == (
        "sent",
        "unpaid",
        "500.00",
    )
    again = fin_api.post(f"/payments/{payment.pk}/reverse")  # no body: the reason is optional
    assert again.status_code == 409
    assert again.json() == {"detail": f"O pagamento {payment.pk} já foi estornado."}
    applying = fin_api.post(
        f"/payments/{payment.pk}/apply",
        {"allocations": [{"invoice_number": invoice.number, "amount": "1"}]},
    )
    assert applying.status_code == 409
    assert fin_api.post("/payments/999999/reverse").status_code == 404


# --- GET /invoices/{number}/timeline ------------------------------------------------------


def test_timeline_has_the_events_and_the_documents(fin_api, ops_api, books):
    invoice = books.sent(amount="500.00")
    number = invoice.number
    paid = books.pay(invoice, "100.00").payment
    act(ops_api, number, "dispute", {"reason": "produto_danificado", "amount": "50.00"})
    act(fin_api, number, "resolve-dispute", {"resolution": "credit_note", "note": "acordo"})
    act(fin_api, number, "adjust", {"amount": "10.00", "reason": "juros"})
    books.clock.advance(hours=1)
    fin_api.post(f"/payments/{paid.pk}/reverse", {"reason": "devolvido"})

    response = ops_api.get(f"/invoices/{number}/timeline")
    assert response.status_code == 200
    got = response.json()
    events = got.pop("events")
    assert events == ops_api.get("/events", {"case_id": number}).json()
    assert [e["activity"] for e in events] == [
        "Invoice Created",
        "Invoice Completed",
        "Invoice Sent to Customer",
        "Payment Received",
        "Payment Applied to Invoice",
        "Dispute Registered",
        "Credit Note Issued",
        "Dispute Resolved",
        "Invoice Adjusted",
        "Payment Reversed",
    ]
    dispute = Dispute.objects.get()
    at = "2026-05-05T14:30:00Z"
    assert got == {
        "number": number,
        "status": "sent",
        "payment_status": "unpaid",
        "balance": "460.00",
        "credit_notes": [
            {
                "number": "NC-00000001",
                "amount": "50.00",
                "excess": "0.00",
                "reason": "acordo",
                "dispute_id": dispute.pk,
                "date": "2026-05-05",
                "created_at": at,
                "created_by": "fin",
            }
        ],
        "adjustments": [
            {
                "number": "AJ-00000001",
                "amount": "10.00",
                "reason": "juros",
                "kind": "manual",
                "dispute_id": None,
                "date": "2026-05-05",
                "created_at": at,
                "created_by": "fin",
            }
        ],
        "disputes": [
            {
                "id": dispute.pk,
                "reason": "produto_danificado",
                "amount": "50.00",
                "note": "",
                "is_open": False,
                "opened_at": at,
                "opened_by": "ops",
                "resolution": "credit_note",
                "resolved_at": at,
                "resolved_by": "fin",
            }
        ],
        "payments": [
            {
                "payment_id": paid.pk,
                "method": "pix",
                "reference": "",
                "received_at": "2026-05-05",
                "amount": "100.00",
                "discount": "0.00",
                "applied_at": at,
                "reversed_at": "2026-05-05T15:30:00Z",
            }
        ],
    }


def test_timeline_of_an_unknown_invoice_is_404(ops_api, books):
    response = ops_api.get("/invoices/FAT-99999999/timeline")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "Fatura FAT-99999999 não encontrada."},
    )


# --- OpenAPI ------------------------------------------------------------------------------


def test_openapi_lists_the_receivables_paths(db):
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/invoices": {"get", "post"},
        "/api/v1/invoices/{number}/timeline": {"get"},
        "/api/v1/payments": {"get", "post"},
        "/api/v1/payments/{payment_id}": {"get"},
        "/api/v1/payments/{payment_id}/apply": {"post"},
        "/api/v1/payments/{payment_id}/post": {"post"},
        "/api/v1/payments/{payment_id}/reverse": {"post"},
        **{f"/api/v1/invoices/{{number}}/{a}": {"post"} for a in ACTIONS.split(", ")},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    created = paths["/api/v1/invoices"]["post"]
    assert {status for status in created["responses"] if status.startswith("2")} == {"201"}
    assert "/api/v1/invoices/{number}/{action}" not in paths  # the 404 for unknown actions
    recorded = paths["/api/v1/payments"]["post"]["responses"]
    assert {"200", "201"} <= set(recorded)
    amount = schema["components"]["schemas"]["PaymentIn"]["properties"]["amount"]
    # text with its pattern or a number with its bounds (core.schemas.decimal_in)
    assert [branch["type"] for branch in amount["anyOf"]] == ["string", "number"]
    assert amount["anyOf"][1]["exclusiveMinimum"] == 0
