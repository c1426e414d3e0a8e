"""Issue 11 §1: Financeiro closes a month; no entry dated in it is accepted (409 naming the
lock) until it is reopened, an audited event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from fatura.core.errors import Forbidden, RuleViolation
from fatura.core.months import Month
from fatura.eventlog.models import Event
from fatura.receivables import corrections, payments, periods
from fatura.receivables.models import Period

MARCH = Month(2026, 3)


@pytest.fixture
def march_invoice(books):
    invoice = books.sent(amount="1000.00", issue_date=dt.date(2026, 3, 2))
    return invoice


@pytest.fixture
def closed_march(books, march_invoice):
    books.user.first_name, books.user.last_name = "Fernanda", "Lima"
    books.user.save()
    return periods.period_close(by=books.user, month=MARCH)


def _lock_named(response) -> None:
    assert response.status_code == 409, response.content
    detail = response.json()["detail"]
    assert "03/2026" in detail
    assert "Fernanda Lima" in detail
    assert "05/05/2026 11:30" in detail  # when it was closed (São Paulo time)


def test_close_and_reopen_through_the_api(fin_api, ops_api, books, march_invoice):
    closed = fin_api.post("/periods/2026-03/close")
    assert closed.status_code == 200, closed.content
    assert closed.json() == {
        "month": "2026-03",
        "status": "closed",
        "closed_by": "fin",
        "closed_at": "2026-05-05T14:30:00Z",
    }
    again = fin_api.post("/periods/2026-03/close")
    assert again.status_code == 409
    assert "já está fechado" in again.json()["detail"]
    listed = fin_api.get("/periods")
    assert listed.status_code == 200
    assert listed["X-Total-Count"] == "3"  # May (current), April, March
    assert [(p["month"], p["status"]) for p in listed.json()] == [
        ("2026-05", "open"),
        ("2026-04", "open"),
        ("2026-03", "closed"),
    ]
    assert ops_api.post("/periods/2026-03/reopen").status_code == 403
    reopened = fin_api.post("/periods/2026-03/reopen")
    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["status"] == "open"
    assert fin_api.post("/periods/2026-03/reopen").status_code == 409
    assert not Period.objects.exists()
    audit = Event.objects.get(case_id="period:2026-03", activity="Period Reopened")
    assert audit.user == "fin"
    assert audit.attributes["closed_by"] == "fin"
    assert Event.objects.filter(case_id="period:2026-03", activity="Period Closed").count() == 1


def test_period_endpoints_refuse_bad_input(fin_api, ops_api, books):
    assert ops_api.post("/periods/2026-03/close").status_code == 403
    assert fin_api.post("/periods/2026-13/close").status_code == 422
    assert fin_api.post("/periods/março/close").status_code == 422
    current = fin_api.post("/periods/2026-05/close")  # May has not ended (today is 5 May)
    assert current.status_code == 409
    assert current.json()["errors"] == [{"field": "month", "message": "mês não encerrado"}]
    assert fin_api.get("/periods", {"limit": 0}).status_code == 422
    assert Client().get("/api/v1/periods").status_code == 401
    assert Client().post("/api/v1/periods/2026-03/close").status_code == 401


def test_only_financeiro_closes_or_reopens(books, ops_user):
    with pytest.raises(Forbidden):
        periods.period_close(by=ops_user, month=MARCH)
    periods.period_close(by=books.user, month=MARCH)
    with pytest.raises(Forbidden):
        periods.period_reopen(by=ops_user, month=MARCH)


def test_a_payment_received_in_a_closed_month_is_a_409_naming_the_lock(
    fin_api, books, march_invoice, closed_march
):
    body = {
        "customer_id": march_invoice.customer_id,
        "amount": "100.00",
        "received_at": "2026-03-20",
        "method": "pix",
        "allocations": [{"invoice_number": march_invoice.number, "amount": "100.00"}],
    }
    refused = fin_api.post("/payments", body)
    _lock_named(refused)
    assert refused.json()["errors"] == [{"field": "received_at", "message": "mês 03/2026 fechado"}]
    posted_late = fin_api.post(
        "/payments", {**body, "received_at": "2026-04-01", "posted_at": "2026-04-02"}
    )
    assert posted_late.status_code == 201  # April is open
    assert books.reload(march_invoice).balance == Decimal("900.00")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("credit-note", {"amount": "10.00", "reason": "x", "date": "2026-03-31"}),
        ("adjust", {"amount": "10.00", "reason": "x", "date": "2026-03-15"}),
        ("write-off", {"reason": "x", "date": "2026-03-02"}),
    ],
)
def test_a_correction_dated_in_a_closed_month_is_a_409(
    fin_api, books, march_invoice, closed_march, path, body
):
    refused = fin_api.post(f"/invoices/{march_invoice.number}/{path}", body)
    _lock_named(refused)
    assert refused.json()["errors"][0]["field"] == "date"
    assert books.reload(march_invoice).balance == Decimal("1000.00")
    today = fin_api.post(f"/invoices/{march_invoice.number}/{path}", {**body, "date": None})
    assert today.status_code == 200, today.content  # dated today (May): accepted


def test_a_reversal_dated_in_a_closed_month_is_a_409(fin_api, books, march_invoice):
    paid = books.pay(march_invoice, "100.00", received_at=dt.date(2026, 3, 10)).payment
    books.user.first_name, books.user.last_name = "Fernanda", "Lima"
    books.user.save()
    periods.period_close(by=books.user, month=MARCH)
    refused = fin_api.post(f"/payments/{paid.pk}/reverse", {"date": "2026-03-11"})
    _lock_named(refused)
    assert refused.json()["errors"][0]["field"] == "date"
    assert fin_api.post(f"/payments/{paid.pk}/reverse", {}).status_code == 200


def test_an_invoice_issued_in_a_closed_month_is_a_409(fin_api, books, march_invoice):
    periods.period_close(by=books.user, month=MARCH)
    refused = fin_api.post(
        "/invoices",
        {
            "customer_id": march_invoice.customer_id,
            "kind": "simple",
            "issue_date": "2026-03-31",
            "lines": [{"description": "x", "quantity": "1", "unit_price": "10.00"}],
        },
    )
    assert refused.status_code == 409, refused.content
    assert refused.json()["errors"] == [{"field": "issue_date", "message": "mês 03/2026 fechado"}]


def test_reopening_lets_the_entry_in_and_is_audited(books, march_invoice):
    periods.period_close(by=books.user, month=MARCH)
    with pytest.raises(RuleViolation, match="03/2026"):
        corrections.credit_note_issue(
            by=books.user,
            number=march_invoice.number,
            amount="10.00",
            reason="x",
            date=dt.date(2026, 3, 5),
        )
    periods.period_reopen(by=books.user, month=MARCH)
    corrections.credit_note_issue(
        by=books.user,
        number=march_invoice.number,
        amount="10.00",
        reason="x",
        date=dt.date(2026, 3, 5),
    )
    assert books.reload(march_invoice).balance == Decimal("990.00")


def test_applying_old_credit_checks_the_later_invoice_issue_month(books, march_invoice):
    """Credit received in March applied to an April invoice counts from April: allowed while
    April is open, even with March closed."""
    customer = march_invoice.customer
    credit = payments.payment_record(
        by=books.user,
        customer=customer,
        amount="50.00",
        received_at=dt.date(2026, 3, 10),
        method="pix",
    ).payment
    april = books.sent(customer, amount="50.00", issue_date=dt.date(2026, 4, 2))
    periods.period_close(by=books.user, month=MARCH)
    payments.payment_apply(
        by=books.user,
        payment_id=credit.pk,
        allocations=[{"invoice_number": april.number, "amount": "50.00"}],
    )
    assert books.reload(april).balance == Decimal("0.00")
    with pytest.raises(RuleViolation, match="03/2026") as refused:
        periods.period_check(received_at=dt.date(2026, 4, 1), allocations=[dt.date(2026, 3, 31)])
    assert refused.value.errors == [{"field": "allocations", "message": "mês 03/2026 fechado"}]
    periods.period_check(received_at=None, allocations=[])  # nothing dated: nothing to check
