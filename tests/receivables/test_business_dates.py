"""Issue 11 §1: reports "as of" a day read business dates (a payment's receipt, a correction's
document date), never when the entries were keyed in; correction documents take a date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fatura.eventlog.models import Event
from fatura.receivables import corrections, ledger, payments
from fatura.receivables.models import Adjustment, CreditNote, Invoice, Payment
from tests.receivables.builders import ISSUE

DECEMBER = dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC)  # "today": when it is all keyed in


def _invoice(api, customer, amount: str, issued: str) -> str:
    created = api.post(
        "/invoices",
        {
            "customer_id": customer.pk,
            "kind": "simple",
            "issue_date": issued,
            "payment_terms": "NET30",
            "lines": [{"description": "Consultoria", "quantity": "1", "unit_price": amount}],
        },
    )
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    for action in ("complete", "send"):
        done = api.post(f"/invoices/{number}/{action}")
        assert done.status_code == 200, done.content
    return str(number)


def _pay(api, customer, number: str, amount: str, received: str) -> dict:
    paid = api.post(
        "/payments",
        {
            "customer_id": customer.pk,
            "amount": amount,
            "received_at": received,
            "method": "pix",
            "allocations": [{"invoice_number": number, "amount": amount}],
        },
    )
    assert paid.status_code == 201, paid.content
    return dict(paid.json())


def _aging(api, as_of: str) -> dict:
    got = api.get("/reports/aging", {"as_of": as_of})
    assert got.status_code == 200, got.content
    return dict(got.json()["total"]["buckets"])


def test_worked_check_aging_as_of_may_reads_business_dates(books, api_as, fin_user):
    """Invoices of March, a payment received on 20 April, a credit note and a write-off dated
    today, all keyed in in December: the aging as of 15 May has B's 600.00 still owed then
    (1,000.00 − 400.00) and C's 300.00 in 31–60 days, A (paid on 10 March) nowhere."""
    books.clock.now = DECEMBER
    api = api_as(fin_user)
    customer = books.customer(name="Cliente do exemplo")
    a = _invoice(api, customer, "500.00", "2026-03-02")
    b = _invoice(api, customer, "1000.00", "2026-03-04")
    c = _invoice(api, customer, "300.00", "2026-03-02")
    assert api.get(f"/invoices/{b}").json()["due_date"] == "2026-04-06"  # Good Friday rolled
    assert api.get(f"/invoices/{c}").json()["due_date"] == "2026-04-01"
    _pay(api, customer, a, "500.00", "2026-03-10")
    _pay(api, customer, b, "400.00", "2026-04-20")
    credited = api.post(f"/invoices/{b}/credit-note", {"amount": "100.00", "reason": "acordo"})
    assert credited.status_code == 200, credited.content
    written = api.post(f"/invoices/{b}/write-off", {"reason": "incobrável"})
    assert written.status_code == 200, written.content

    # as of 15 May: B due 6 April (39 days late) owes 600.00, C due 1 April (44 days) 300.00
    assert _aging(api, "2026-05-15") == {
        "current": "0.00",
        "1-30": "0.00",
        "31-60": "900.00",
        "61-90": "0.00",
        "90+": "0.00",
    }
    # as of 15 April, before B's payment: B 1,000.00 and C 300.00 are 1–30 days late; A paid
    assert _aging(api, "2026-04-15")["1-30"] == "1300.00"
    # as of 9 March, before A's payment: all three are current
    assert _aging(api, "2026-03-09")["current"] == "1800.00"
    # today B is written off, C still owed (more than 90 days late)
    assert _aging(api, "2026-12-07") == {
        "current": "0.00",
        "1-30": "0.00",
        "31-60": "0.00",
        "61-90": "0.00",
        "90+": "300.00",
    }
    statement = api.get(f"/customers/{customer.pk}/statement", {"as_of": "2026-05-15"})
    assert statement.status_code == 200, statement.content
    items = {i["number"]: i["balance"] for i in statement.json()["items"]}
    assert items == {b: "600.00", c: "300.00"}


def test_a_credit_note_counts_from_its_date(books, api_as, fin_user):
    books.clock.now = DECEMBER
    api = api_as(fin_user)
    customer = books.customer()
    number = _invoice(api, customer, "1000.00", "2026-03-04")
    back = api.post(
        f"/invoices/{number}/credit-note",
        {"amount": "250.00", "reason": "desconto comercial", "date": "2026-05-10"},
    )
    assert back.status_code == 200, back.content
    assert _aging(api, "2026-05-09")["31-60"] == "1000.00"
    assert _aging(api, "2026-05-10")["31-60"] == "750.00"
    note = CreditNote.objects.get()
    assert note.date == dt.date(2026, 5, 10)
    assert note.created_at == DECEMBER  # when it was keyed in stays recorded


def test_adjustment_and_write_off_count_from_their_dates(books):
    invoice = books.sent(amount="1000.00", issue_date=dt.date(2026, 3, 2))
    books.clock.now = DECEMBER
    corrections.invoice_adjust(
        by=books.user,
        number=invoice.number,
        amount="50.00",
        reason="juros",
        date=dt.date(2026, 6, 1),
    )
    corrections.invoice_write_off(
        by=books.user, number=invoice.number, reason="perda", date=dt.date(2026, 8, 1)
    )
    assert Adjustment.objects.get().date == dt.date(2026, 6, 1)

    def owed(day: dt.date) -> Decimal:
        found = ledger.receivables_as_of(day).filter(pk=invoice.pk).first()
        return Decimal("0.00") if found is None else found.open_balance

    assert owed(dt.date(2026, 5, 31)) == Decimal("1000.00")
    assert owed(dt.date(2026, 6, 1)) == Decimal("1050.00")
    assert owed(dt.date(2026, 7, 31)) == Decimal("1050.00")
    assert owed(dt.date(2026, 8, 1)) == Decimal("0.00")
    written = Invoice.objects.get(pk=invoice.pk)
    assert written.written_off_on == dt.date(2026, 8, 1)
    assert written.closed_at == DECEMBER


def test_a_reversal_counts_from_its_date(books):
    invoice = books.sent(amount="800.00", issue_date=dt.date(2026, 3, 2))
    books.clock.now = DECEMBER
    paid = books.pay(invoice, "800.00", received_at=dt.date(2026, 4, 10)).payment
    payments.payment_reverse(
        by=books.user, payment_id=paid.pk, reason="devolvido", date=dt.date(2026, 6, 15)
    )

    def owed(day: dt.date) -> Decimal:
        found = ledger.receivables_as_of(day).filter(pk=invoice.pk).first()
        return Decimal("0.00") if found is None else found.open_balance

    assert owed(dt.date(2026, 4, 9)) == Decimal("800.00")
    assert owed(dt.date(2026, 4, 10)) == Decimal("0.00")
    assert owed(dt.date(2026, 6, 14)) == Decimal("0.00")
    assert owed(dt.date(2026, 6, 15)) == Decimal("800.00")
    payment = Payment.objects.get()
    assert payment.reversal_date == dt.date(2026, 6, 15)
    assert payment.reversed_at == DECEMBER
    statement = ledger.customer_statement(invoice.customer_id, dt.date(2026, 5, 1))
    assert [(p.applied, p.reversed) for p in statement.payments] == [(Decimal("800.00"), False)]
    statement = ledger.customer_statement(invoice.customer_id, dt.date(2026, 6, 15))
    assert [(p.applied, p.reversed) for p in statement.payments] == [(Decimal("0.00"), True)]


def test_dso_reads_business_dates(books):
    invoice = books.sent(amount="1000.00", issue_date=dt.date(2026, 3, 2))
    books.clock.now = DECEMBER
    books.pay(invoice, "1000.00", received_at=dt.date(2026, 3, 20))
    report = ledger.days_sales_outstanding(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    assert report.receivables == Decimal("0.00")
    assert report.credit_sales == Decimal("1000.00")


def test_cash_in_delays_read_the_receipt_not_the_keying(books):
    from fatura.receivables.cash_in import customer_mean_delays

    customer = books.customer()
    invoice = books.sent(customer, amount="100.00", issue_date=dt.date(2026, 3, 2))  # due 1 Apr
    books.clock.now = DECEMBER
    books.pay(invoice, "100.00", received_at=dt.date(2026, 4, 11))
    assert customer_mean_delays({customer.pk}) == {customer.pk: 10.0}


# --- the document date: default, bounds, the events -------------------------------------------


def test_the_date_defaults_to_today_in_the_business_time_zone(books):
    invoice = books.sent(amount="100.00")
    books.clock.now = dt.datetime(2026, 5, 6, 2, 0, tzinfo=dt.UTC)  # 23:00 of 5 May in São Paulo
    note = corrections.credit_note_issue(
        by=books.user, number=invoice.number, amount="10.00", reason="acordo"
    )
    assert note.date == dt.date(2026, 5, 5)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("credit-note", {"amount": "10.00", "reason": "x"}),
        ("adjust", {"amount": "10.00", "reason": "x"}),
        ("write-off", {"reason": "x"}),
    ],
)
def test_a_correction_date_in_the_future_or_before_the_issue_is_a_422(books, fin_api, path, body):
    invoice = books.sent(amount="100.00", issue_date=dt.date(2026, 5, 4))
    future = fin_api.post(f"/invoices/{invoice.number}/{path}", {**body, "date": "2026-05-06"})
    assert future.status_code == 422, future.content
    assert future.json()["errors"] == [{"field": "date", "message": "no futuro"}]
    early = fin_api.post(f"/invoices/{invoice.number}/{path}", {**body, "date": "2026-05-03"})
    assert early.status_code == 422, early.content
    assert early.json()["errors"][0]["field"] == "date"
    assert "04/05/2026" in early.json()["detail"]
    bad = fin_api.post(f"/invoices/{invoice.number}/{path}", {**body, "date": "05/05/2026"})
    assert bad.status_code == 422
    assert books.reload(invoice).balance == Decimal("100.00")


def test_a_reversal_date_before_the_receipt_or_in_the_future_is_a_422(books, fin_api):
    invoice = books.sent(amount="100.00", issue_date=dt.date(2026, 5, 1))
    paid = books.pay(invoice, "100.00", received_at=dt.date(2026, 5, 4)).payment
    early = fin_api.post(f"/payments/{paid.pk}/reverse", {"date": "2026-05-03"})
    assert early.status_code == 422, early.content
    assert early.json()["errors"] == [{"field": "date", "message": "anterior à data mínima"}]
    future = fin_api.post(f"/payments/{paid.pk}/reverse", {"date": "2026-05-06"})
    assert future.status_code == 422
    done = fin_api.post(f"/payments/{paid.pk}/reverse", {"date": "2026-05-04"})
    assert done.status_code == 200, done.content
    assert done.json()["reversal_date"] == "2026-05-04"


def test_events_are_stamped_with_the_business_date_and_keep_when_they_were_entered(books):
    invoice = books.sent(amount="1000.00", issue_date=dt.date(2026, 3, 2))
    paid = books.pay(invoice, "100.00", received_at=dt.date(2026, 3, 20)).payment
    now = books.clock.now
    corrections.credit_note_issue(
        by=books.user, number=invoice.number, amount="10.00", reason="a", date=dt.date(2026, 4, 1)
    )
    corrections.invoice_adjust(by=books.user, number=invoice.number, amount="5.00", reason="b")
    payments.payment_reverse(
        by=books.user, payment_id=paid.pk, reason="c", date=dt.date(2026, 4, 2)
    )
    corrections.invoice_write_off(
        by=books.user, number=invoice.number, reason="d", date=dt.date(2026, 4, 3)
    )
    stamped = {
        e.activity: (e.timestamp, e.attributes["entered_at"])
        for e in Event.objects.filter(
            case_id=invoice.number,
            activity__in=[
                "Credit Note Issued",
                "Invoice Adjusted",
                "Payment Reversed",
                "Invoice Written Off",
            ],
        )
    }
    midnight = dt.timedelta(hours=3)  # 00:00 in São Paulo (UTC−3)
    entered = now.isoformat()
    assert stamped == {
        "Credit Note Issued": (dt.datetime(2026, 4, 1, tzinfo=dt.UTC) + midnight, entered),
        "Invoice Adjusted": (now, entered),  # dated today: the instant it was entered
        "Payment Reversed": (dt.datetime(2026, 4, 2, tzinfo=dt.UTC) + midnight, entered),
        "Invoice Written Off": (dt.datetime(2026, 4, 3, tzinfo=dt.UTC) + midnight, entered),
    }
    assert dt.date(2026, 5, 5) == ISSUE
