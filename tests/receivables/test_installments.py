"""Invoices in installments (docs/decisions/0023): one due date per installment, payments and
credits settle the oldest open installment first, and aging, the statement, "Due Date Passed",
dunning, the PDF and the API work per installment. The issue's worked check runs through the
API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pypdf import PdfReader

from fatura.eventlog.models import Event
from fatura.receivables import collections, corrections, ledger, services
from fatura.receivables.installments import (
    covered,
    installment_balances,
    installments_covered,
    installments_open,
    spread,
)
from fatura.receivables.models import DunningNotice, Invoice, InvoiceInstallment
from fatura.receivables.pdf import invoice_pdf

D = Decimal
THIRDS = [D("333.33"), D("333.33"), D("333.34")]
ISSUED = dt.date(2026, 3, 2)
DUES = [dt.date(2026, 4, 1), dt.date(2026, 5, 4), dt.date(2026, 6, 1)]


def owed(invoice):
    return [i.balance for i in installment_balances(invoice)]


@pytest.fixture
def thirds(books):
    """1,000.00 in 30/60/90 issued 2026-03-02 and sent (today is 2026-05-05)."""
    return books.sent(books.customer(), amount="1000.00", terms="30/60/90", issue_date=ISSUED)


# --- the pure split -------------------------------------------------------------------------


def test_spread_fills_the_schedule_from_its_end():
    assert spread(D("1000.00"), THIRDS) == THIRDS
    assert spread(D("666.67"), THIRDS) == [D("0.00"), D("333.33"), D("333.34")]
    assert spread(D("500.00"), THIRDS) == [D("0.00"), D("166.66"), D("333.34")]
    assert spread(D("0.00"), THIRDS) == [D("0.00")] * 3
    # above the total (debits beyond what was paid): the last installment holds it
    assert spread(D("1030.00"), THIRDS) == [D("333.33"), D("333.33"), D("363.34")]


def test_covered_is_oldest_first():
    assert covered(THIRDS, balance_before=D("1000.00"), balance_after=D("500.00")) == [
        D("333.33"),
        D("166.67"),
        D("0.00"),
    ]


# --- the worked check through the API ------------------------------------------------------


def test_the_issue_worked_check_through_the_api(fin_api, books):
    customer = books.customer()
    body = {
        "customer_id": customer.pk,
        "kind": "simple",
        "issue_date": "2026-03-02",
        "payment_terms": "30/60/90",
        "lines": [{"description": "Projeto", "quantity": "1", "unit_price": "1000.00"}],
    }
    response = fin_api.post("/invoices", body)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["installments"] == [
        {"number": 1, "due_date": "2026-04-01", "amount": "333.33", "balance": "333.33"},
        {"number": 2, "due_date": "2026-05-04", "amount": "333.33", "balance": "333.33"},
        {"number": 3, "due_date": "2026-06-01", "amount": "333.34", "balance": "333.34"},
    ]
    assert answer["due_date"] == "2026-04-01"
    assert answer["payment_terms"] == "30/60/90"
    listed = fin_api.get("/invoices").json()
    assert listed[0]["installments"] == answer["installments"]


def test_every_invoice_has_at_least_one_installment(books):
    invoice = books.sent(amount="250.00", terms="NET30")
    rows = list(
        InvoiceInstallment.objects.filter(invoice=invoice).values_list(
            "number", "due_date", "amount"
        )
    )
    assert rows == [(1, invoice.due_date, D("250.00"))]
    assert invoice.installment_count == 1


# --- payments, credits, write-off ----------------------------------------------------------


def test_payments_settle_the_oldest_installment_first(books, thirds):
    books.pay(thirds, "500.00")
    invoice = books.reload(thirds)
    assert owed(invoice) == [D("0.00"), D("166.66"), D("333.34")]
    assert [i.number for i in installments_open(invoice)] == [2, 3]
    assert invoice.due_date == DUES[1]  # the next due date: the oldest open installment's
    parts = installments_covered(invoice, balance_before=D("1000.00"), balance_after=D("500.00"))
    assert [(p.number, p.due_date, p.balance) for p in parts] == [
        (1, DUES[0], D("333.33")),
        (2, DUES[1], D("166.67")),
    ]


def test_paying_the_overdue_installments_makes_the_invoice_sent_again(books, thirds):
    services.due_dates_passed(today=dt.date(2026, 5, 5))
    invoice = books.reload(thirds)
    assert invoice.status == "overdue"
    passed = Event.objects.get(case_id=invoice.number, activity="Due Date Passed")
    assert passed.attributes["installment"] == 1
    assert passed.attributes["installments"] == 3
    books.pay(invoice, "666.66")
    invoice = books.reload(thirds)
    assert invoice.status == "sent"  # only the third (due 2026-06-01) is left
    assert invoice.due_date == DUES[2]
    assert invoice.dunning_level == 0
    # when the third's due date passes, it goes overdue again, for that installment
    services.due_dates_passed(today=dt.date(2026, 6, 2))
    invoice = books.reload(thirds)
    assert invoice.status == "overdue"
    installments = sorted(
        e.attributes.get("installment")
        for e in Event.objects.filter(case_id=invoice.number, activity="Due Date Passed")
    )
    assert installments == [1, 3]


def test_credit_notes_and_write_off_spread_over_the_installments(books, thirds):
    corrections.credit_note_issue(
        by=books.user, number=thirds.number, amount="100.00", reason="desconto comercial"
    )
    invoice = books.reload(thirds)
    assert owed(invoice) == [D("233.33"), D("333.33"), D("333.34")]
    corrections.invoice_write_off(by=books.user, number=thirds.number, reason="perda")
    invoice = books.reload(thirds)
    assert owed(invoice) == [D("0.00")] * 3
    assert sum(owed(invoice)) == invoice.balance == 0


# --- aging, statement, dunning, PDF --------------------------------------------------------


def test_aging_ages_each_installment_by_its_own_due_date(thirds):
    report = ledger.aging(as_of=dt.date(2026, 5, 15))
    assert report.total.buckets == {
        "current": D("333.34"),
        "1-30": D("333.33"),
        "31-60": D("333.33"),
        "61-90": D("0.00"),
        "90+": D("0.00"),
    }


def test_aging_of_a_part_paid_invoice_in_installments(books, thirds):
    books.pay(thirds, "400.00", received_at=dt.date(2026, 4, 20))
    report = ledger.aging(as_of=dt.date(2026, 5, 15))
    # 400 settled the first (333.33) and 66.67 of the second
    assert report.total.buckets["31-60"] == D("0.00")
    assert report.total.buckets["1-30"] == D("266.66")
    assert report.total.buckets["current"] == D("333.34")


def test_the_statement_lists_each_open_installment(thirds):
    statement = ledger.customer_statement(thirds.customer_id, as_of=dt.date(2026, 5, 5))
    assert [(i.installment, i.due_date, i.balance, i.days_overdue) for i in statement.items] == [
        ("1/3", DUES[0], D("333.33"), 34),
        ("2/3", DUES[1], D("333.33"), 1),
        ("3/3", DUES[2], D("333.34"), 0),
    ]
    assert statement.open_total == D("1000.00")
    assert statement.overdue_total == D("666.66")


def test_dunning_runs_per_installment(books, thirds):
    collections.dunning_run(today=dt.date(2026, 5, 5))
    notice = DunningNotice.objects.get(invoice=thirds, level=1)
    assert notice.installment == 1
    books.pay(books.reload(thirds), "666.66")
    collections.dunning_run(today=dt.date(2026, 6, 3))
    assert list(
        DunningNotice.objects.filter(invoice=thirds)
        .order_by("installment", "level")
        .values_list("installment", "level")
    ) == [(1, 1), (1, 2), (1, 3), (3, 1)]  # 34 days late: three levels; then the third


def test_the_pdf_lists_the_installments(thirds):
    import io

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(invoice_pdf(thirds))).pages)
    assert "Parcelas" in text
    assert "01/04/2026" in text and "04/05/2026" in text and "01/06/2026" in text
    assert "R$ 333,34" in text


def test_the_invoice_page_shows_the_installments(books, thirds):
    from django.test import Client

    client = Client()
    client.force_login(books.user)
    page = client.get(f"/faturas/{thirds.number}/")
    assert page.status_code == 200
    assert 'id="invoice-installments"' in page.content.decode()


def test_invoices_without_a_stored_schedule_still_answer(books):
    invoice = books.sent(amount="10.00")
    InvoiceInstallment.objects.filter(invoice=invoice).delete()
    fresh = Invoice.objects.get(pk=invoice.pk)
    assert owed(fresh) == [D("10.00")]


def test_the_statement_api_names_the_installment(fin_api, thirds):
    response = fin_api.get(f"/customers/{thirds.customer_id}/statement", {"as_of": "2026-05-05"})
    assert response.status_code == 200, response.content
    assert [i["installment"] for i in response.json()["items"]] == ["1/3", "2/3", "3/3"]
    csv = fin_api.get(
        f"/customers/{thirds.customer_id}/statement", {"as_of": "2026-05-05", "format": "csv"}
    )
    assert f"{thirds.number} (2/3)" in b"".join(csv.streaming_content).decode()
