"""Receivables reports: aging as of today and as of past dates (part-paid, reversed, credited,
written-off invoices), the customer statement, DSO worked out by hand, the collector's
worklist, their API (JSON, CSV, PDF) and its 422s. Frozen clock: today is 2026-05-05."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from fatura.core.errors import InvalidInput
from fatura.receivables import (
    collections,
    corrections,
    domain,
    ledger,
    payments,
    services,
)
from fatura.receivables.models import CollectionTask, Invoice
from tests.factories import UserFactory

D = dt.date
TODAY = D(2026, 5, 5)


def money(text: str) -> Decimal:
    return Decimal(text)


def at(books, day: dt.date, hour: int = 15, minute: int = 0) -> None:
    """Move the frozen clock (15:00 UTC is noon in São Paulo)."""
    books.clock.now = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def due_on(books, customer, amount: str, day: dt.date) -> Invoice:
    """An invoice sent to the customer, due on ``day`` (a business day: due on receipt)."""
    return books.sent(customer, amount=amount, terms="DUE_ON_RECEIPT", issue_date=day)


def buckets(row) -> dict[str, str]:
    return {k: str(v) for k, v in row.buckets.items() if v}


def csv_text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


# --- data -----------------------------------------------------------------------------------


@pytest.fixture
def ana(db):
    return UserFactory(username="ana", first_name="Ana", last_name="Souza")


@pytest.fixture
def aging_book(books, ana):
    """Alfa (Varejo, Cloud, collector Ana) and Beta (Indústria, Telecom, no collector), with
    invoices in every bucket and the ones aging must leave out."""
    alfa = books.customer(name="Alfa Comércio", segment="Varejo", business_unit="Cloud",
                          collector=ana)  # fmt: skip
    beta = books.customer(name="Beta Indústria", segment="Indústria", business_unit="Telecom")
    due_on(books, alfa, "1000.00", TODAY)  # current
    part_paid = due_on(books, alfa, "500.00", D(2026, 4, 27))  # 8 days
    books.pay(part_paid, "200.00")  # 300.00 still owed
    due_on(books, beta, "750.00", D(2026, 3, 23))  # 43 days
    credited = due_on(books, beta, "400.00", D(2026, 2, 24))  # 70 days
    corrections.credit_note_issue(
        by=books.user, number=credited.number, amount="100.00", reason="desconto comercial"
    )
    disputed = due_on(books, beta, "2000.00", D(2026, 1, 2))  # 123 days, disputed: still owed
    corrections.dispute_register(
        by=books.user, number=disputed.number, reason="preco_incorreto", amount="100.00"
    )
    # left out: paid, written off, proforma, draft, awaiting approval
    books.pay(due_on(books, alfa, "100.00", D(2026, 4, 1)), "100.00")
    written = due_on(books, beta, "250.00", D(2026, 1, 5))
    corrections.invoice_write_off(by=books.user, number=written.number, reason="falência")
    proforma = books.draft(beta, amount="300.00", kind="proforma")
    services.invoice_complete(by=books.user, number=proforma.number)
    books.draft(alfa, amount="999.00")
    waiting = books.draft(alfa, amount="12000.00")
    services.invoice_complete(by=books.user, number=waiting.number)
    services.invoice_submit(by=books.user, number=waiting.number)
    return alfa, beta


# --- aging ----------------------------------------------------------------------------------


def test_aging_by_customer_counts_only_what_is_owed(aging_book):
    alfa, beta = aging_book
    report = ledger.aging(as_of=TODAY)
    assert [(r.key, r.label, r.invoices) for r in report.rows] == [
        (str(alfa.pk), "Alfa Comércio", 2),
        (str(beta.pk), "Beta Indústria", 3),
    ]
    assert buckets(report.rows[0]) == {"current": "1000.00", "1-30": "300.00"}
    assert buckets(report.rows[1]) == {"31-60": "750.00", "61-90": "300.00", "90+": "2000.00"}
    assert report.rows[0].total == money("1300.00")
    assert report.rows[1].total == money("3050.00")
    assert (report.total.total, report.total.invoices) == (money("4350.00"), 5)


def test_aging_today_equals_the_stored_balances(aging_book):
    stored = sum(
        Invoice.objects.filter(status__in=domain.RECEIVABLE)
        .exclude(kind="proforma")
        .values_list("balance", flat=True),
        Decimal(0),
    )
    assert ledger.aging(as_of=TODAY).total.total == stored == money("4350.00")


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        ("segment", [("Indústria", "3050.00"), ("Varejo", "1300.00")]),
        ("business_unit", [("Cloud", "1300.00"), ("Telecom", "3050.00")]),
        ("collector", [("Ana Souza", "1300.00"), ("Sem cobrador", "3050.00")]),
    ],
)
def test_aging_grouped(aging_book, group_by, expected):
    report = ledger.aging(as_of=TODAY, group_by=group_by)
    assert [(r.label, str(r.total)) for r in report.rows] == expected
    assert report.total.total == money("4350.00")


def test_aging_filters(aging_book, ana):
    alfa, beta = aging_book
    assert [r.label for r in ledger.aging(as_of=TODAY, segment="Varejo").rows] == ["Alfa Comércio"]
    assert [r.key for r in ledger.aging(as_of=TODAY, collector_id=ana.pk).rows] == [str(alfa.pk)]
    only_beta = ledger.aging(as_of=TODAY, customer_id=beta.pk, group_by="segment")
    assert [(r.key, str(r.total)) for r in only_beta.rows] == [("Indústria", "3050.00")]


def test_aging_refuses_an_unknown_grouping(db):
    with pytest.raises(InvalidInput) as exc:
        ledger.aging(as_of=TODAY, group_by="region")
    assert exc.value.errors == [{"field": "group_by", "message": "inválido"}]


@pytest.fixture
def history(books):
    """One invoice's life: issued 02/02 (NET30, due 04/03), 400 paid 09/03 late evening,
    300 paid 15/03 and reversed 20/03, credit note 100 on 25/03, 200 paid 10/04, the rest
    (300) written off 20/04."""
    customer = books.customer(name="Gama Serviços")
    at(books, D(2026, 2, 2))
    invoice = books.sent(customer, amount="1000.00", issue_date=D(2026, 2, 2))
    assert invoice.due_date == D(2026, 3, 4)
    at(books, D(2026, 3, 10), hour=2, minute=30)  # 23:30 of 09/03 in São Paulo
    books.pay(invoice, "400.00", received_at=D(2026, 3, 9))
    at(books, D(2026, 3, 15))
    bounced = books.pay(invoice, "300.00", received_at=D(2026, 3, 15))
    at(books, D(2026, 3, 20))
    payments.payment_reverse(by=books.user, payment_id=bounced.payment.pk, reason="sem fundos")
    at(books, D(2026, 3, 25))
    corrections.credit_note_issue(
        by=books.user, number=invoice.number, amount="100.00", reason="desconto"
    )
    at(books, D(2026, 4, 10))
    books.pay(invoice, "200.00", received_at=D(2026, 4, 10))
    at(books, D(2026, 4, 20))
    corrections.invoice_write_off(by=books.user, number=invoice.number, reason="acordo")
    at(books, TODAY, hour=14, minute=30)
    return invoice


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2026, 1, 31), {}),  # not issued yet
        (D(2026, 3, 4), {"current": "1000.00"}),  # due that day
        (D(2026, 3, 5), {"1-30": "1000.00"}),
        (D(2026, 3, 9), {"1-30": "600.00"}),  # paid at 23:30 local time
        (D(2026, 3, 17), {"1-30": "300.00"}),  # the second payment, not reversed yet
        (D(2026, 3, 20), {"1-30": "600.00"}),  # reversed that day
        (D(2026, 3, 25), {"1-30": "500.00"}),  # credit note
        (D(2026, 4, 5), {"31-60": "500.00"}),  # 32 days past due
        (D(2026, 4, 10), {"31-60": "300.00"}),
        (D(2026, 4, 19), {"31-60": "300.00"}),
        (D(2026, 4, 20), {}),  # written off
        (TODAY, {}),
    ],
)
def test_aging_as_of_a_past_date(history, as_of, expected):
    report = ledger.aging(as_of=as_of)
    assert (buckets(report.total) if report.rows else {}) == expected


def test_reconstructed_balance_matches_every_stored_balance(books):
    """Discounts, debit and credit adjustments, credit-note excess, reversals: the balance
    rebuilt from the documents equals the one the services keep."""
    customer = books.customer()
    discounted = books.sent(customer, amount="1000.00", terms="2_10_NET30")
    books.pay(discounted, "500.00", received_at=TODAY)
    books.pay(discounted, "480.00", received_at=TODAY)  # 2 % discount settles it
    adjusted = due_on(books, customer, "300.00", D(2026, 4, 1))
    corrections.invoice_adjust(by=books.user, number=adjusted.number, amount="45.50", reason="j")
    corrections.invoice_adjust(by=books.user, number=adjusted.number, amount="-20.25", reason="d")
    overpaid = due_on(books, customer, "200.00", D(2026, 4, 1))
    books.pay(overpaid, "150.00")
    corrections.credit_note_issue(by=books.user, number=overpaid.number, amount="80", reason="x")
    reversed_ = due_on(books, customer, "90.10", D(2026, 4, 1))
    paid = books.pay(reversed_, "90.10")
    payments.payment_reverse(by=books.user, payment_id=paid.payment.pk, reason="devolvido")
    rebuilt = dict(
        Invoice.objects.annotate(then=ledger.balance_as_of(TODAY)).values_list("number", "then")
    )
    stored = dict(Invoice.objects.values_list("number", "balance"))
    assert rebuilt == stored
    assert stored[adjusted.number] == money("325.25")
    assert stored[discounted.number] == 0 and stored[overpaid.number] == 0


def test_aging_takes_the_same_queries_whatever_the_number_of_invoices(aging_book, books):
    with CaptureQueriesContext(connection) as few:
        ledger.aging(as_of=TODAY)
    for day in (D(2026, 4, 1), D(2026, 3, 2), D(2026, 2, 2)):
        books.pay(due_on(books, aging_book[0], "10.00", day), "5.00")
    with CaptureQueriesContext(connection) as more:
        report = ledger.aging(as_of=TODAY)
    assert report.total.invoices == 8
    assert len(more.captured_queries) == len(few.captured_queries) == 1


# --- customer statement ---------------------------------------------------------------------


@pytest.fixture
def statement_book(books):
    customer = books.customer(name="Delta Logística")
    old = due_on(books, customer, "1000.00", D(2026, 4, 6))
    books.sent(customer, amount="500.00", issue_date=TODAY)  # NET30: due 04/06
    settled = due_on(books, customer, "200.00", D(2026, 4, 6))
    payments.payment_record(
        by=books.user,
        customer=customer,
        amount="700.00",
        received_at=TODAY,
        method="boleto",
        reference="BOL-1",
        allocations=[{"invoice_number": old.number, "amount": "400.00"}],
    )
    books.pay(settled, "200.00")
    corrections.credit_note_issue(
        by=books.user, number=settled.number, amount="50.00", reason="devolução"
    )  # after full payment: 50.00 becomes customer credit
    bounced = payments.payment_record(
        by=books.user, customer=customer, amount="150.00", received_at=TODAY, method="cheque"
    )
    payments.payment_reverse(by=books.user, payment_id=bounced.payment.pk, reason="sem fundos")
    return customer, old


def test_customer_statement(statement_book):
    customer, old = statement_book
    statement = ledger.customer_statement(customer.pk, TODAY)
    assert [
        (i.number, str(i.total), str(i.balance), i.days_overdue, i.due_date)
        for i in statement.items
    ] == [
        (old.number, "1000.00", "600.00", 29, D(2026, 4, 6)),
        ("FAT-00000002", "500.00", "500.00", 0, D(2026, 6, 4)),
    ]
    assert [(str(p.amount), p.method, str(p.applied), str(p.unapplied), p.reversed)
            for p in statement.payments] == [
        ("700.00", "boleto", "400.00", "300.00", False),
        ("200.00", "pix", "200.00", "0.00", False),
        ("150.00", "cheque", "0.00", "0.00", True),
    ]  # fmt: skip
    assert (statement.unapplied_payments, statement.credit_note_excess) == (
        money("300.00"),
        money("50.00"),
    )
    assert statement.credit_available == money("350.00")
    assert (statement.open_total, statement.overdue_total, statement.net_due) == (
        money("1100.00"),
        money("600.00"),
        money("750.00"),
    )


def test_customer_statement_as_of_the_day_before(statement_book):
    customer, old = statement_book
    statement = ledger.customer_statement(customer.pk, D(2026, 5, 4))
    assert [(i.number, str(i.balance), i.days_overdue) for i in statement.items] == [
        (old.number, "1000.00", 28),
        ("FAT-00000003", "200.00", 28),
    ]
    assert statement.payments == [] and statement.credit_available == 0


# --- DSO ------------------------------------------------------------------------------------


@pytest.fixture
def dso_book(books):
    """April 2026 (30 days): sales 3000 + 1000; open at 30/04: 1000 + 1000 + 600 (March's)."""
    customer = books.customer(name="Épsilon", segment="Saúde")
    older = books.sent(customer, amount="600.00", issue_date=D(2026, 2, 2))  # no sale in April
    at(books, D(2026, 3, 10))
    paid_in_april = books.sent(customer, amount="500.00", issue_date=D(2026, 3, 10))
    at(books, D(2026, 4, 6))
    big = books.sent(customer, amount="3000.00", issue_date=D(2026, 4, 6))
    at(books, D(2026, 4, 15))
    later_paid = books.sent(customer, amount="1000.00", issue_date=D(2026, 4, 15))
    books.draft(customer, amount="700.00", issue_date=D(2026, 4, 15))  # a draft is no sale
    books.draft(customer, amount="800.00", issue_date=D(2026, 4, 16), kind="proforma")
    at(books, D(2026, 4, 20))
    books.pay(big, "2000.00", received_at=D(2026, 4, 20))
    at(books, D(2026, 4, 25))
    books.pay(paid_in_april, "500.00", received_at=D(2026, 4, 25))
    at(books, TODAY, hour=14, minute=30)
    books.pay(later_paid, "1000.00")  # after the period: still open at 30/04
    books.sent(customer, amount="800.00", issue_date=D(2026, 5, 2))  # after the period
    return customer, older


def test_dso_worked_out_by_hand(dso_book):
    report = ledger.days_sales_outstanding(start=D(2026, 4, 1), end=D(2026, 4, 30))
    assert (report.days, report.receivables, report.credit_sales) == (
        30,
        money("2600.00"),
        money("4000.00"),
    )
    assert report.dso == Decimal("19.5")  # 2600 / 4000 × 30


def test_dso_filters_and_no_sales(dso_book):
    assert ledger.days_sales_outstanding(
        start=D(2026, 4, 1), end=D(2026, 4, 30), segment="Saúde"
    ).dso == Decimal("19.5")
    empty = ledger.days_sales_outstanding(start=D(2026, 4, 1), end=D(2026, 4, 30), segment="Varejo")
    assert (empty.receivables, empty.credit_sales, empty.dso) == (0, 0, None)


def test_aging_rows_without_a_database():
    as_of = D(2026, 5, 5)

    def late(days, amount, key="k"):
        return domain.OpenAmount(key, key.upper(), as_of - dt.timedelta(days=days), money(amount))

    rows = domain.aging_rows(
        [late(0, "1.00"), late(1, "2.00"), late(30, "4.00"), late(31, "8.00"), late(60, "16.00"),
         late(61, "32.00"), late(90, "64.00"), late(91, "128.00"), late(5, "0.00"),
         domain.OpenAmount("a", "a", None, money("0.50"))],
        as_of,
    )  # fmt: skip
    assert [r.key for r in rows] == ["a", "k"]
    assert buckets(rows[0]) == {"current": "0.50"}
    assert buckets(rows[1]) == {
        "current": "1.00",
        "1-30": "6.00",
        "31-60": "24.00",
        "61-90": "96.00",
        "90+": "128.00",
    }
    assert rows[1].invoices == 8  # the one owing nothing is left out
    assert domain.aging_total(rows).total == money("255.50")
    assert domain.collection_priority(money("123.45"), 7) == money("864.15")


def test_dso_arithmetic():
    assert domain.days_sales_outstanding(money("1000.00"), money("3000.00"), 31) == Decimal("10.3")
    assert domain.days_sales_outstanding(money("1.00"), money("4.00"), 90) == Decimal("22.5")
    assert domain.days_sales_outstanding(money("5.00"), money("0.00"), 30) is None


def test_dso_refuses_an_end_before_the_start(db):
    with pytest.raises(InvalidInput) as exc:
        ledger.days_sales_outstanding(start=D(2026, 4, 2), end=D(2026, 4, 1))
    assert exc.value.errors[0]["field"] == "end"


# --- worklist -------------------------------------------------------------------------------


@pytest.fixture
def worklist_book(books, ana):
    bia = UserFactory(username="bia")
    a1 = books.customer(name="Alfa 1", collector=ana)
    a2 = books.customer(name="Alfa 2", collector=ana)
    b1 = books.customer(name="Bravo", collector=bia)
    n = {
        "i1": due_on(books, a1, "1000.00", D(2026, 4, 27)),  # 8 days: 8000
        "i2": due_on(books, a1, "300.00", D(2026, 3, 23)),  # 43 days: 12900
        "i3": due_on(books, a2, "500.00", D(2026, 4, 30)),  # 5 days: 2500, call task
        "i4": due_on(books, a2, "900.00", D(2026, 2, 4)),  # disputed: left out
        "i5": due_on(books, a1, "700.00", TODAY),  # due today: not late yet
        "i6": due_on(books, b1, "2000.00", D(2026, 4, 6)),  # 29 days: 58000, Bia's
        "i7": due_on(books, a1, "1000.00", D(2026, 4, 6)),  # 100 owed × 29 days: 2900
    }
    books.pay(n["i7"], "900.00")
    books.pay(due_on(books, a1, "50.00", D(2026, 4, 6)), "50.00")  # closed: left out
    corrections.dispute_register(
        by=books.user, number=n["i4"].number, reason="fatura_duplicada", amount="900.00"
    )
    CollectionTask.objects.create(invoice=n["i3"], collector=ana, due_on=D(2026, 5, 4))
    CollectionTask.objects.create(invoice=n["i1"], collector=ana, due_on=D(2026, 5, 10))
    at(books, D(2026, 5, 4))
    collections.invoice_call(by=books.user, number=n["i2"].number, outcome="no_answer")
    at(books, D(2026, 5, 5), hour=13)
    collections.invoice_call(
        by=books.user, number=n["i2"].number, outcome="promise_to_pay",
        promise_date=D(2026, 5, 12),
    )  # fmt: skip
    at(books, TODAY, hour=14, minute=30)
    return {k: v.number for k, v in n.items()}


def test_worklist_of_a_collector(worklist_book, ana):
    n = worklist_book
    items = ledger.collector_worklist(collector_id=ana.pk, today=TODAY)
    assert [(i.number, str(i.priority), i.days_overdue, str(i.balance)) for i in items] == [
        (n["i3"], "2500.00", 5, "500.00"),  # an open call task goes first
        (n["i2"], "12900.00", 43, "300.00"),
        (n["i1"], "8000.00", 8, "1000.00"),  # its task is due on 10/05: not yet
        (n["i7"], "2900.00", 29, "100.00"),
    ]
    first, second = items[0], items[1]
    assert (first.has_call_task, first.call_task_due) == (True, D(2026, 5, 4))
    assert (second.last_call_outcome, second.promise_date) == ("promise_to_pay", D(2026, 5, 12))
    assert second.last_call_at is not None and second.last_call_at.date() == TODAY
    assert not items[2].has_call_task and items[2].last_call_outcome == ""


def test_worklist_of_everyone(worklist_book):
    n = worklist_book
    numbers = [i.number for i in ledger.collector_worklist(today=TODAY)]
    assert numbers == [n["i3"], n["i6"], n["i2"], n["i1"], n["i7"]]


# --- API ------------------------------------------------------------------------------------


def test_api_aging_json(aging_book, fin_api):
    response = fin_api.get("/reports/aging")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["as_of"], body["group_by"]) == ("2026-05-05", "customer")
    assert [b["key"] for b in body["buckets"]] == ["current", "1-30", "31-60", "61-90", "90+"]
    alfa = body["rows"][0]
    assert (alfa["label"], alfa["invoices"], alfa["total"]) == ("Alfa Comércio", 2, "1300.00")
    assert alfa["buckets"] == {
        "current": "1000.00",
        "1-30": "300.00",
        "31-60": "0.00",
        "61-90": "0.00",
        "90+": "0.00",
    }
    assert body["total"]["total"] == "4350.00"
    past = fin_api.get("/reports/aging", {"as_of": "2026-01-01", "group_by": "segment"}).json()
    assert (past["rows"], past["total"]["total"]) == ([], "0.00")


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/reports/aging", {"as_of": "2026-13-01"}, "as_of"),
        ("/reports/aging", {"as_of": "ontem"}, "as_of"),
        ("/reports/aging", {"group_by": "region"}, "group_by"),
        ("/reports/aging", {"format": "xlsx"}, "format"),
        ("/reports/aging", {"collector": "ninguem"}, "collector"),
        ("/reports/aging", {"customer_id": "x"}, "customer_id"),
        ("/reports/dso", {"start": "2026-05-01", "end": "2026-04-01"}, "end"),
        ("/reports/dso", {"start": "01/04/2026"}, "start"),
        ("/collections/worklist", {"collector": "ninguem"}, "collector"),
        ("/customers/1/statement", {"as_of": "2026-02-30"}, "as_of"),
    ],
)
def test_api_bad_parameters_are_422_naming_the_field(books, fin_api, path, params, field):
    books.customer()
    response = fin_api.get(path, params)
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in response.json()["errors"]}


def test_api_aging_csv(aging_book, fin_api):
    response = fin_api.get("/reports/aging", {"format": "csv", "group_by": "segment"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="aging-2026-05-05-segment.csv"' in response["Content-Disposition"]
    text = csv_text(response)
    assert text.startswith("\ufeff")
    assert text.lstrip("\ufeff").splitlines() == [
        "Segmento;Faturas;A vencer;1–30 dias;31–60 dias;61–90 dias;Mais de 90 dias;Total",
        "Indústria;3;0,00;0,00;750,00;300,00;2000,00;3050,00",
        "Varejo;2;1000,00;300,00;0,00;0,00;0,00;1300,00",
        "Total;5;1000,00;300,00;750,00;300,00;2000,00;4350,00",
    ]


def test_api_aging_pdf(aging_book, fin_api):
    text = pdf_text(fin_api.get("/reports/aging", {"format": "pdf", "group_by": "collector"}))
    for expected in (
        "Fatura Serviços Digitais Ltda.",
        "CNPJ 11.222.333/0001-81",
        "Aging de contas a receber",
        "Posição em 05/05/2026",
        "Agrupado por: Cobrador",
        "Ana Souza",
        "Sem cobrador",
        "R$ 1.300,00",
        "R$ 4.350,00",
        "Mais de 90 dias",
    ):
        assert expected in text, expected


def test_api_statement(statement_book, fin_api):
    customer, old = statement_book
    body = fin_api.get(f"/customers/{customer.pk}/statement").json()
    assert body["customer_name"] == "Delta Logística"
    assert [(i["number"], i["balance"], i["days_overdue"]) for i in body["items"]] == [
        (old.number, "600.00", 29),
        ("FAT-00000002", "500.00", 0),
    ]
    assert body["payments"][0] == {
        "id": body["payments"][0]["id"],
        "received_at": "2026-05-05",
        "amount": "700.00",
        "method": "boleto",
        "reference": "BOL-1",
        "applied": "400.00",
        "unapplied": "300.00",
        "reversed": False,
    }
    assert (body["credit_available"], body["open_total"], body["net_due"]) == (
        "350.00",
        "1100.00",
        "750.00",
    )
    assert fin_api.get("/customers/999999/statement").status_code == 404


def test_api_statement_csv_and_pdf(statement_book, fin_api):
    customer, old = statement_book
    text = csv_text(fin_api.get(f"/customers/{customer.pk}/statement", {"format": "csv"}))
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "Fatura;Emissão;Vencimento;Total;Saldo;Dias em atraso;Situação"
    assert lines[1] == f"{old.number};06/04/2026;06/04/2026;1000,00;600,00;29;Enviada ao cliente"
    assert "05/05/2026;700,00;Boleto;BOL-1;400,00;300,00;não" in lines
    assert "05/05/2026;150,00;Cheque;;0,00;0,00;sim" in lines
    assert "Crédito disponível;350,00" in lines and "Saldo líquido;750,00" in lines
    pdf = pdf_text(fin_api.get(f"/customers/{customer.pk}/statement", {"format": "pdf"}))
    for expected in (
        "Extrato do cliente",
        "Delta Logística",
        "Posição em 05/05/2026",
        old.number,
        "R$ 600,00",
        "Crédito disponível",
        "R$ 350,00",
        "R$ 750,00",
    ):
        assert expected in pdf, expected  # fmt: skip


def test_api_dso(dso_book, fin_api):
    params = {"start": "2026-04-01", "end": "2026-04-30"}
    body = fin_api.get("/reports/dso", params).json()
    assert body == {
        "start": "2026-04-01",
        "end": "2026-04-30",
        "days": 30,
        "receivables": "2600.00",
        "credit_sales": "4000.00",
        "dso": "19.5",
        "formula": "receivables / credit_sales * days",
    }
    text = csv_text(fin_api.get("/reports/dso", {**params, "format": "csv"}))
    assert text.lstrip("\ufeff").splitlines()[1] == "01/04/2026;30/04/2026;30;2600,00;4000,00;19,5"
    pdf = pdf_text(fin_api.get("/reports/dso", {**params, "format": "pdf"}))
    assert "Período de 01/04/2026 a 30/04/2026" in pdf and "19,5 dias" in pdf
    assert "R$ 2.600,00" in pdf and "R$ 4.000,00" in pdf


def test_api_dso_defaults_to_the_last_90_days(db, fin_api):
    body = fin_api.get("/reports/dso").json()
    assert (body["start"], body["end"], body["days"], body["dso"]) == (
        "2026-02-05",
        "2026-05-05",
        90,
        None,
    )


def test_api_worklist(worklist_book, fin_api):
    n = worklist_book
    body = fin_api.get("/collections/worklist", {"collector": "ana"}).json()
    assert (body["today"], body["collector"]) == ("2026-05-05", "ana")
    assert [i["number"] for i in body["items"]] == [n["i3"], n["i2"], n["i1"], n["i7"]]
    second = body["items"][1]
    assert (second["priority"], second["balance"], second["last_call_outcome"]) == (
        "12900.00",
        "300.00",
        "promise_to_pay",
    )
    assert (second["promise_date"], second["has_call_task"]) == ("2026-05-12", False)
    everyone = fin_api.get("/collections/worklist").json()
    assert [i["number"] for i in everyone["items"]][:2] == [n["i3"], n["i6"]]


def test_api_worklist_csv_and_pdf(worklist_book, fin_api):
    n = worklist_book
    text = csv_text(fin_api.get("/collections/worklist", {"collector": "ana", "format": "csv"}))
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].split(";")[:7] == [
        "Fatura", "Cliente", "Cobrador", "Vencimento", "Dias em atraso", "Saldo", "Prioridade"
    ]  # fmt: skip
    assert lines[1].startswith(f"{n['i3']};Alfa 2;ana;30/04/2026;5;500,00;2500,00;04/05/2026;")
    assert lines[2].endswith(";Promessa de pagamento;12/05/2026")
    pdf = pdf_text(fin_api.get("/collections/worklist", {"collector": "ana", "format": "pdf"}))
    for expected in (
        "Lista de cobrança",
        "Ligações de 05/05/2026",
        "Cobrador: ana",
        n["i3"],
        n["i2"],
        "R$ 1.900,00",
    ):
        assert expected in pdf, expected  # fmt: skip
    assert n["i6"] not in pdf


def test_openapi_lists_the_report_paths(db, client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/reports/aging",
        "/api/v1/reports/dso",
        "/api/v1/customers/{customer_id}/statement",
        "/api/v1/collections/worklist",
    ):
        assert "get" in paths[path], path
        assert "format" in {p["name"] for p in paths[path]["get"]["parameters"]}, path


def test_api_reports_are_open_to_operacao_and_closed_to_strangers(aging_book, ops_api, client):
    assert ops_api.get("/reports/aging").status_code == 200
    assert ops_api.get("/collections/worklist").status_code == 200
    assert client.get("/api/v1/reports/aging").status_code == 401
