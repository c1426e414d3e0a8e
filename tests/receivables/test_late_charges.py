"""Late charges (multa e juros de mora, issue 11 §4): the arithmetic, the debit a late payment
books, its waiver and reversal, "due if paid today", and the worked check through the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fatura.core.errors import Forbidden, InvalidInput, RuleViolation
from fatura.eventlog.models import Event
from fatura.receivables import domain, late_charges, payments
from fatura.receivables.domain import LatePortion
from fatura.receivables.models import Adjustment, Invoice
from tests.factories import CustomerFactory

D = Decimal
DUE = dt.date(2026, 4, 6)  # NET30 from 2026-03-04, Good Friday (3 April) rolled to Monday
PAID = dt.date(2026, 5, 6)  # 30 days late


def charges(amount: str, paid_on: dt.date, fine: str = "2", interest: str = "1", due=DUE):
    return domain.late_charges(
        [LatePortion(D(amount), due)],
        paid_on=paid_on,
        fine_percent=D(fine),
        interest_monthly_percent=D(interest),
    )


# --- the arithmetic (pure) ----------------------------------------------------------------


def test_worked_check_arithmetic():
    result = charges("1000.00", PAID)
    assert (result.fine, result.interest, result.total, result.days_late) == (
        D("20.00"),
        D("10.00"),
        D("30.00"),
        30,
    )
    assert result.base == D("1000.00")


def test_interest_is_simple_and_pro_rata_die_over_30_day_months():
    # 45 days: 1.5 months of 1 % on 1,000.00
    assert charges("1000.00", DUE + dt.timedelta(days=45)).interest == D("15.00")
    # one day: 1000 × 1 % / 30 = 0.333… → 0.33; 61 days → 20.333… → 20.33
    assert charges("1000.00", DUE + dt.timedelta(days=1)).interest == D("0.33")
    assert charges("1000.00", DUE + dt.timedelta(days=61)).interest == D("20.33")


def test_rounding_is_half_up_to_the_cent():
    # fine 2 % of 0.25 = 0.005 → 0.01 (half-up, never banker's 0.00)
    assert charges("0.25", PAID).fine == D("0.01")
    # interest 1 % × 15/30 of 1.00 = 0.005 → 0.01
    assert charges("1.00", DUE + dt.timedelta(days=15), fine="0").interest == D("0.01")


def test_on_time_or_without_rates_costs_nothing():
    assert charges("1000.00", DUE) == domain.NO_LATE_CHARGES
    assert charges("1000.00", DUE - dt.timedelta(days=3)) == domain.NO_LATE_CHARGES
    assert charges("1000.00", PAID, fine="0", interest="0") == domain.NO_LATE_CHARGES


def test_each_portion_by_its_own_due_date():
    result = domain.late_charges(
        [LatePortion(D("500.00"), DUE), LatePortion(D("500.00"), PAID - dt.timedelta(days=6))],
        paid_on=PAID,
        fine_percent=D("2"),
        interest_monthly_percent=D("1"),
    )
    # 10.00 + 10.00 fine; 5.00 (30 days) + 1.00 (6 days) interest
    assert (result.fine, result.interest, result.days_late) == (D("20.00"), D("6.00"), 30)


def test_late_split_principal_first():
    assert domain.late_split(balance=D("1030.00"), late_net=D("30.00")) == (
        D("1000.00"),
        D("30.00"),
    )
    assert domain.late_split(balance=D("12.00"), late_net=D("30.00")) == (D("0.00"), D("12.00"))
    assert domain.late_split(balance=D("50.00"), late_net=D("0.00")) == (D("50.00"), D("0.00"))


def test_due_if_paid_adds_the_charges_on_the_open_principal_only():
    due = domain.due_if_paid(
        balance=D("430.00"),
        late_net=D("30.00"),
        due_dates=[LatePortion(D("400.00"), DUE)],
        on=PAID,
        fine_percent=D("2"),
        interest_monthly_percent=D("1"),
    )
    assert due == D("430.00") + D("8.00") + D("4.00")


# --- the service ----------------------------------------------------------------------------


@pytest.fixture
def late_customer(books):
    return CustomerFactory(
        name="Atrasada Ltda", late_fine_percent=D("2.00"), late_interest_monthly_percent=D("1.00")
    )


@pytest.fixture
def overdue(books, late_customer):
    """1,000.00 issued 2026-03-04, NET30: due 2026-04-06; the clock is 2026-05-06."""
    invoice = books.sent(late_customer, issue_date=dt.date(2026, 3, 4))
    assert invoice.due_date == DUE
    books.clock.advance(days=1)
    return invoice


def late_adjustments(invoice):
    return list(
        Adjustment.objects.filter(invoice=invoice).order_by("pk").values_list("kind", "amount")
    )


def test_a_late_payment_books_one_late_charge_debit(books, overdue):
    books.pay(overdue, "1000.00", received_at=PAID)
    invoice = books.reload(overdue)
    assert invoice.balance == D("30.00")
    assert invoice.status in {"sent", "overdue"}  # still owed: not closed
    assert (invoice.amount_debited, invoice.amount_late_charged) == (D("30.00"), D("30.00"))
    adjustment = Adjustment.objects.get(invoice=invoice)
    assert (adjustment.kind, adjustment.amount, adjustment.date) == (
        "late_charge",
        D("30.00"),
        PAID,
    )
    assert adjustment.allocation.payment.received_at == PAID
    event = Event.objects.get(case_id=invoice.number, activity="Late Charges Applied")
    attributes = event.attributes
    assert (attributes["late_fine"], attributes["late_interest"], attributes["days_late"]) == (
        "20.00",
        "10.00",
        30,
    )
    assert attributes["late_base"] == "1000.00"
    assert attributes["adjustment"] == adjustment.number
    assert attributes["balance"] == "30.00"


def test_paying_the_late_charges_bears_no_interest_on_interest(books, overdue):
    books.pay(overdue, "1000.00", received_at=PAID)
    books.clock.advance(days=20)
    books.pay(overdue, "30.00", received_at=PAID + dt.timedelta(days=20))
    invoice = books.reload(overdue)
    assert invoice.balance == 0 and invoice.status == "closed"
    assert late_adjustments(invoice) == [("late_charge", D("30.00"))]


def test_a_partial_late_payment_is_charged_on_what_it_covered(books, overdue):
    books.pay(overdue, "400.00", received_at=PAID)
    invoice = books.reload(overdue)
    assert late_adjustments(invoice) == [("late_charge", D("12.00"))]  # 8.00 + 4.00
    assert invoice.balance == D("612.00")
    # then the rest of the principal, 15 days later: on 600.00, 45 days late
    books.clock.advance(days=15)
    books.pay(overdue, "612.00", received_at=PAID + dt.timedelta(days=15))
    invoice = books.reload(overdue)
    # 612.00 covered 600.00 of principal and 12.00 of late charges
    assert late_adjustments(invoice)[-1] == ("late_charge", D("21.00"))  # 12.00 + 9.00
    assert invoice.balance == D("21.00")


def test_on_time_payments_and_customers_without_rates_book_nothing(books, overdue):
    on_time = books.sent(overdue.customer)  # issued 2026-05-05, due in June
    books.pay(on_time, "1000.00", received_at=PAID)
    assert late_adjustments(on_time) == []
    plain = books.sent(CustomerFactory(), issue_date=dt.date(2026, 3, 4))
    books.pay(plain, "1000.00", received_at=PAID)
    assert books.reload(plain).status == "closed"
    assert late_adjustments(plain) == []


def test_settings_defaults_apply_to_customers_without_their_own(books, settings):
    settings.FATURA_LATE_FINE_PERCENT = "2"
    settings.FATURA_LATE_INTEREST_MONTHLY_PERCENT = "0.5"
    own = CustomerFactory(late_fine_percent=D("0"), late_interest_monthly_percent=D("0"))
    default = CustomerFactory()
    a = books.sent(own, issue_date=dt.date(2026, 3, 4))
    b = books.sent(default, issue_date=dt.date(2026, 3, 4))
    books.clock.advance(days=1)
    books.pay(a, "1000.00", received_at=PAID)
    books.pay(b, "1000.00", received_at=PAID)
    assert late_adjustments(a) == []
    assert late_adjustments(b) == [("late_charge", D("25.00"))]  # 20.00 + 5.00


def test_credit_received_on_time_and_applied_late_bears_nothing(books, overdue):
    result = payments.payment_record(
        by=books.user,
        customer=overdue.customer,
        amount="1000.00",
        received_at=DUE,
        method="pix",
    )
    payments.payment_apply(
        by=books.user,
        payment_id=result.payment.pk,
        allocations=[{"invoice_number": overdue.number, "amount": "1000.00"}],
    )
    assert books.reload(overdue).status == "closed"
    assert late_adjustments(overdue) == []


def test_a_reversal_reverses_the_late_charges_its_payment_booked(books, overdue):
    result = books.pay(overdue, "1000.00", received_at=PAID)
    payments.payment_reverse(by=books.user, payment_id=result.payment.pk, reason="devolvido")
    invoice = books.reload(overdue)
    assert invoice.balance == D("1000.00")
    assert invoice.amount_late_charged == 0
    assert late_adjustments(invoice) == [
        ("late_charge", D("30.00")),
        ("late_charge_reversal", D("-30.00")),
    ]
    reversed_ = Event.objects.get(case_id=invoice.number, activity="Late Charges Reversed")
    assert reversed_.attributes["late_charges"] == "-30.00"


def test_a_reversal_after_a_waiver_reverses_only_what_is_left(books, overdue):
    result = books.pay(overdue, "1000.00", received_at=PAID)
    late_charges.late_charges_waive(
        by=books.user, number=overdue.number, amount="20.00", reason="Cliente antigo"
    )
    payments.payment_reverse(by=books.user, payment_id=result.payment.pk, reason="devolvido")
    invoice = books.reload(overdue)
    assert invoice.balance == D("1000.00") and invoice.amount_late_charged == 0
    assert late_adjustments(invoice)[-1] == ("late_charge_reversal", D("-10.00"))


def test_waive_all_closes_the_invoice(books, overdue):
    books.pay(overdue, "1000.00", received_at=PAID)
    waiver = late_charges.late_charges_waive(
        by=books.user, number=overdue.number, reason="Negociação com o cliente"
    )
    invoice = books.reload(overdue)
    assert (waiver.kind, waiver.amount, waiver.reason) == (
        "late_charge_waiver",
        D("-30.00"),
        "Negociação com o cliente",
    )
    assert invoice.balance == 0 and invoice.status == "closed"
    assert invoice.amount_credited == D("30.00") and invoice.amount_late_charged == 0
    event = Event.objects.get(case_id=invoice.number, activity="Late Charges Waived")
    assert event.attributes["reason"] == "Negociação com o cliente"
    assert event.attributes["waived_amount"] == "30.00"
    assert event.user == books.user.get_username()


def test_waive_refusals(books, overdue, ops_user):
    with pytest.raises(RuleViolation, match="não tem encargos por atraso"):
        late_charges.late_charges_waive(by=books.user, number=overdue.number, reason="x")
    books.pay(overdue, "1000.00", received_at=PAID)
    with pytest.raises(InvalidInput, match="passa dos encargos"):
        late_charges.late_charges_waive(
            by=books.user, number=overdue.number, amount="30.01", reason="x"
        )
    with pytest.raises(InvalidInput, match="motivo"):
        late_charges.late_charges_waive(by=books.user, number=overdue.number, reason=" ")
    with pytest.raises(Forbidden):
        late_charges.late_charges_waive(by=ops_user, number=overdue.number, reason="x")
    assert books.reload(overdue).balance == D("30.00")


def test_due_if_paid_today(books, overdue):
    # today 2026-05-06: 1,000.00 thirty days late
    assert late_charges.due_if_paid_today(books.reload(overdue)) == D("1030.00")
    books.pay(overdue, "400.00", received_at=PAID)
    invoice = books.reload(overdue)  # 612.00 owed: 600.00 principal + 12.00 late charges
    assert late_charges.due_if_paid_today(invoice) == D("612.00") + D("12.00") + D("6.00")
    books.clock.advance(days=15)
    assert late_charges.due_if_paid_today(books.reload(overdue)) == D("612.00") + D("12.00") + D(
        "9.00"
    )


def test_due_if_paid_today_is_the_balance_when_not_late(books, late_customer):
    invoice = books.sent(late_customer)
    assert late_charges.due_if_paid_today(invoice) == invoice.balance == D("1000.00")


# --- the API --------------------------------------------------------------------------------


def test_worked_check_through_the_api(api_as, books):
    books.clock.advance(days=1)  # today 2026-05-06 (tokens are made at the clock's time)
    fin_api = api_as(books.user)
    created = fin_api.post(
        "/customers",
        {
            "name": "Multa e Juros S.A.",
            "document": "11.444.777/0001-61",
            "email": "financeiro@multa.example",
            "late_fine_percent": "2",
            "late_interest_monthly_percent": "1.00",
        },
    )
    assert created.status_code == 201, created.json()
    assert created.json()["late_fine_percent"] == "2.00"
    customer_id = created.json()["id"]
    number = fin_api.post(
        "/invoices",
        {
            "customer_id": customer_id,
            "kind": "simple",
            "issue_date": "2026-03-04",
            "payment_terms": "NET30",
            "lines": [{"description": "Consultoria", "quantity": "1", "unit_price": "1000.00"}],
        },
    ).json()["number"]
    completed = fin_api.post(f"/invoices/{number}/complete").json()
    if completed["status"] != "sent":  # automatic delivery sends it at once
        assert fin_api.post(f"/invoices/{number}/send").status_code == 200
    invoice = fin_api.get(f"/invoices/{number}").json()
    assert invoice["due_date"] == "2026-04-06"
    assert invoice["due_if_paid_today"] == "1030.00"
    paid = fin_api.post(
        "/payments",
        {
            "customer_id": customer_id,
            "amount": "1000.00",
            "received_at": "2026-05-06",
            "method": "boleto",
            "allocations": [{"invoice_number": number, "amount": "1000.00"}],
        },
    )
    assert paid.status_code == 201
    invoice = fin_api.get(f"/invoices/{number}").json()
    assert (invoice["balance"], invoice["amount_late_charged"], invoice["amount_debited"]) == (
        "30.00",
        "30.00",
        "30.00",
    )
    assert invoice["due_if_paid_today"] == "30.00"  # no interest on interest
    assert invoice["status"] in {"sent", "overdue"}
    timeline = fin_api.get(f"/invoices/{number}/timeline").json()
    assert [a["kind"] for a in timeline["adjustments"]] == ["late_charge"]
    applied = [e for e in timeline["events"] if e["activity"] == "Late Charges Applied"]
    assert len(applied) == 1
    assert applied[0]["attributes"]["late_fine"] == "20.00"
    assert applied[0]["attributes"]["late_interest"] == "10.00"
    assert applied[0]["attributes"]["days_late"] == 30

    waived = fin_api.post(
        f"/invoices/{number}/late-charges/waive", {"amount": "10.00", "reason": "Acordo"}
    )
    assert waived.status_code == 200
    assert (waived.json()["balance"], waived.json()["amount_late_charged"]) == ("20.00", "20.00")


def test_waive_api_errors(api_as, ops_user, books, overdue):
    fin_api, ops_api = api_as(books.user), api_as(ops_user)  # tokens of the advanced clock
    path = f"/invoices/{overdue.number}/late-charges/waive"
    nothing = fin_api.post(path, {"reason": "Acordo"})
    assert nothing.status_code == 409
    assert "não tem encargos por atraso" in nothing.json()["detail"]
    books.pay(overdue, "1000.00", received_at=PAID)
    over = fin_api.post(path, {"amount": "31.00", "reason": "Acordo"})
    assert over.status_code == 422
    assert over.json()["errors"][0]["field"] == "amount"
    assert fin_api.post(path, {"amount": "0", "reason": "Acordo"}).status_code == 422
    assert fin_api.post(path, {}).status_code == 422  # the reason is required
    assert ops_api.post(path, {"reason": "Acordo"}).status_code == 403
    missing = fin_api.post("/invoices/FAT-09999999/late-charges/waive", {"reason": "Acordo"})
    assert missing.status_code == 404
    assert fin_api.post(path, {"reason": "Acordo"}).json()["balance"] == "0.00"
    assert Invoice.objects.get(pk=overdue.pk).status == "closed"


def test_openapi_states_the_waive_body_and_the_new_fields(fin_api):
    schema = fin_api.get("/openapi.json").json()
    assert "/api/v1/invoices/{number}/late-charges/waive" in schema["paths"]
    invoice = schema["components"]["schemas"]["InvoiceOut"]["properties"]
    assert {"due_if_paid_today", "amount_late_charged"} <= set(invoice)


def test_a_waiver_takes_a_document_date(books, overdue):
    books.pay(overdue, "1000.00", received_at=PAID)
    books.clock.advance(days=3)
    waiver = late_charges.late_charges_waive(
        by=books.user,
        number=overdue.number,
        reason="Acordo",
        amount="10.00",
        date=PAID + dt.timedelta(days=1),
    )
    assert waiver.date == PAID + dt.timedelta(days=1)
    event = Event.objects.get(case_id=overdue.number, activity="Late Charges Waived")
    assert event.timestamp.date() == PAID + dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as future:
        late_charges.late_charges_waive(
            by=books.user, number=overdue.number, reason="x", date=dt.date(2027, 1, 1)
        )
    assert future.value.errors[0]["field"] == "date"


def test_installments_each_late_by_its_own_due_date(books, late_customer):
    """30/60/90 on 1,000.00 issued 2026-03-02: 333.33 due 2026-04-01, 333.33 due 2026-05-04,
    333.34 due 2026-06-01. 666.66 received 2026-05-06 covers the first two, 35 and 2 days
    late: fine 6.67 + 6.67, interest 3.89 (35 days) + 0.22 (2 days)."""
    invoice = books.sent(late_customer, terms="30/60/90", issue_date=dt.date(2026, 3, 2))
    books.clock.advance(days=1)
    assert late_charges.due_if_paid_today(books.reload(invoice)) == D("1000.00") + D("17.45")
    books.pay(invoice, "666.66", received_at=PAID)
    invoice = books.reload(invoice)
    assert late_adjustments(invoice) == [("late_charge", D("17.45"))]
    applied = Event.objects.get(case_id=invoice.number, activity="Late Charges Applied")
    assert applied.attributes["late_fine"] == "13.34"
    assert applied.attributes["late_interest"] == "4.11"
    assert applied.attributes["days_late"] == 35
    # the third installment is not due yet: paying today adds nothing to what is owed
    assert late_charges.due_if_paid_today(invoice) == invoice.balance == D("333.34") + D("17.45")


def test_due_if_paid_today_adds_no_query_per_invoice_to_the_list(api_as, books, late_customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(n):
        while Invoice.objects.count() < n:
            books.sent(late_customer, issue_date=dt.date(2026, 3, 4), terms="30/60/90")
        api = api_as(books.user)
        with CaptureQueriesContext(connection) as queries:
            body = api.get("/invoices").json()
        assert all(D(i["due_if_paid_today"]) > D(i["balance"]) for i in body)
        return len(queries)

    assert count(2) == count(5)


def test_late_charges_move_no_installment_due_date_back(books, late_customer):
    """30/60/90 issued 2026-03-20: installment 1 due 2026-04-20, 2 due 2026-05-19. Paying
    installment 1 today (2026-05-05, 15 days late) books 6.67 + 1.67; the invoice's next due
    date is installment 2's and it is no longer overdue (the late charges sit on no
    installment), so dunning does not start over on installment 1."""
    invoice = books.sent(late_customer, terms="30/60/90", issue_date=dt.date(2026, 3, 20))
    first = invoice.due_date
    assert first == dt.date(2026, 4, 20)
    books.pay(invoice, "333.33", received_at=dt.date(2026, 5, 5))
    invoice = books.reload(invoice)
    assert late_adjustments(invoice) == [("late_charge", D("8.34"))]
    assert invoice.due_date == dt.date(2026, 5, 19)
    assert invoice.status == "sent"
