"""billing.services.charge_finalize: one customer's charge becomes an invoice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from fatura.billing.models import Charge, ChargeStatus
from fatura.billing.selectors import pending_charges
from fatura.billing.services import ChargeAlreadyFinalized, charge_finalize
from fatura.catalog.services import price_version_add
from fatura.core.errors import Forbidden, InvalidInput, RuleViolation
from fatura.core.models import Counter
from fatura.core.months import Month
from fatura.eventlog.selectors import event_list, typed_attributes
from fatura.receivables.models import Invoice, InvoiceStatus
from fatura.usage.models import Consumption
from tests.factories import CustomerFactory
from tests.scenarios import APRIL, MAY, NOW, billing_item, finalize, record


@pytest.fixture
def acme(fin_user):
    """ACME in April: 1.500,5 GB x R$ 0,3333 + 10 h x R$ 180,00 = R$ 2.300,12."""
    customer = CustomerFactory(name="ACME", document="11222333000181", region="Sul")
    storage = billing_item("Armazenamento", price="0.3333")
    support = billing_item("Suporte", price="180.00", product="Serviços", unit="hora")
    record(fin_user, customer, storage, "1000.5")
    record(fin_user, customer, storage, "500")
    record(fin_user, customer, support, "10")
    return customer


def _finalize(by, customer, month=APRIL, **overrides):
    fields = {"result_center": "CR-100", "ticket": "CH-1", "total_charged": "2300.12"}
    return charge_finalize(by=by, customer=customer, month=month, **{**fields, **overrides})


def test_finalize_issues_the_invoice(fin_user, acme):
    invoice = _finalize(fin_user, acme, total_charged="2000.00")
    invoice = Invoice.objects.select_related("charge").get(pk=invoice.pk)
    assert invoice.number == "FAT-00000001" and invoice.sequence == 1
    assert (invoice.customer, invoice.month) == (acme, dt.date(2026, 4, 1))
    assert invoice.issue_date == dt.date(2026, 5, 5)  # NOW in São Paulo
    assert invoice.total_due == Decimal("2300.12")
    assert invoice.total_charged == Decimal("2000.00")  # may differ from the total due
    assert invoice.status == InvoiceStatus.COMPLETED
    assert (invoice.created_by, invoice.created_at) == (fin_user, NOW)
    charge = invoice.charge
    assert charge is not None and charge.status == ChargeStatus.FINALIZED
    assert (charge.result_center, charge.ticket) == ("CR-100", "CH-1")
    assert (charge.total_due, charge.total_charged) == (Decimal("2300.12"), Decimal("2000.00"))
    assert (charge.finalized_by, charge.finalized_at) == (fin_user, NOW)


def test_each_line_records_the_price_version_it_used(fin_user, acme):
    storage_april = acme.consumptions.get(quantity=500).billing_item.prices.get()
    invoice = _finalize(fin_user, acme)
    lines = list(invoice.lines.order_by("position"))
    assert [
        (ln.position, ln.item_name, ln.product, ln.unit, ln.quantity, ln.unit_price, ln.amount)
        for ln in lines
    ] == [
        (
            1,
            "Armazenamento",
            "Cloud",
            "GB",
            Decimal("1500.5"),
            Decimal("0.3333"),
            Decimal("500.12"),
        ),
        (2, "Suporte", "Serviços", "hora", Decimal("10"), Decimal("180"), Decimal("1800.00")),
    ]
    assert lines[0].price_version == storage_april
    assert sum(ln.amount for ln in lines) == invoice.total_due


def test_a_later_price_version_does_not_change_the_month_before(fin_user):
    customer = CustomerFactory()
    item = billing_item(price="10.00", since="2026-01")
    price_version_add(by=fin_user, item=item, unit_price="20.00", valid_from=MAY)
    record(fin_user, customer, item, "1", APRIL)
    record(fin_user, customer, item, "1", MAY)
    april = finalize(fin_user, customer, APRIL)
    may = finalize(fin_user, customer, MAY)
    assert (april.total_due, may.total_due) == (Decimal("10.00"), Decimal("20.00"))
    assert april.lines.get().price_version != may.lines.get().price_version


def test_numbers_are_consecutive_across_customers(fin_user, acme):
    other = CustomerFactory()
    record(fin_user, other, billing_item("Outro"), "1")
    first = _finalize(fin_user, acme)
    second = finalize(fin_user, other)
    assert (first.number, second.number) == ("FAT-00000001", "FAT-00000002")
    assert Counter.objects.get(name="invoice").last_value == 2


def test_a_refused_finalization_takes_no_number(fin_user, acme):
    with pytest.raises(InvalidInput):
        _finalize(fin_user, acme, total_charged="-1")
    with pytest.raises(RuleViolation):
        _finalize(fin_user, CustomerFactory())  # nothing pending
    assert _finalize(fin_user, acme).number == "FAT-00000001"


def test_the_month_closes_for_that_customer(fin_user, acme):
    invoice = _finalize(fin_user, acme)
    with pytest.raises(ChargeAlreadyFinalized) as raised:
        _finalize(fin_user, acme)
    assert raised.value.status == 409
    assert invoice.number in raised.value.message
    assert Invoice.objects.count() == 1
    assert pending_charges(APRIL) == []


def test_finalizing_needs_pending_consumption(fin_user):
    with pytest.raises(RuleViolation, match="não tem consumo pendente em abril/2026"):
        _finalize(fin_user, CustomerFactory(name="Vazio"))


def test_a_line_without_a_price_is_422_and_nothing_is_finalized(fin_user, ops_user):
    customer = CustomerFactory()
    item = billing_item("Suporte", since="2026-05")
    # written around the service (e.g. migrated data): April has no price in force
    Consumption.objects.create(
        customer=customer,
        month=APRIL.first_day,
        billing_item=item,
        quantity=1,
        recorded_by=ops_user,
        recorded_at=NOW,
    )
    with pytest.raises(InvalidInput, match="Suporte não tem preço vigente em abril/2026"):
        finalize(fin_user, customer, total_charged="1.00")
    assert not Invoice.objects.exists() and not Charge.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"result_center": " "}, "result_center"),
        ({"ticket": ""}, "ticket"),
        ({"ticket": "x" * 61}, "ticket"),
        ({"total_charged": "abc"}, "total_charged"),
        ({"total_charged": "-0.01"}, "total_charged"),
        ({"total_charged": "1.001"}, "total_charged"),
        ({"total_charged": None}, "total_charged"),
    ],
)
def test_bad_input_is_422(fin_user, acme, overrides, field):
    with pytest.raises(InvalidInput) as raised:
        _finalize(fin_user, acme, **overrides)
    assert [e["field"] for e in raised.value.errors] == [field]
    assert not Invoice.objects.exists()


def test_total_charged_may_be_zero_or_written_with_a_comma(fin_user, acme):
    assert _finalize(fin_user, acme, total_charged="2300,12").total_charged == Decimal("2300.12")
    other = CustomerFactory()
    record(fin_user, other, billing_item("Outro"), "1")
    assert finalize(fin_user, other, total_charged="0").total_charged == Decimal("0")


def test_operacao_cannot_finalize(ops_user, acme):
    with pytest.raises(Forbidden, match="Somente o perfil Financeiro finaliza"):
        _finalize(ops_user, acme)
    assert not Invoice.objects.exists()


def test_finalizing_writes_its_events(fin_user, acme):
    invoice = _finalize(fin_user, acme, total_charged="2000.00")
    created, completed = event_list(case_id=invoice.number)
    assert created.activity == "Invoice Created"
    assert completed.activity == "Invoice Completed"
    assert typed_attributes(completed)["due_date"] == invoice.due_date
    assert (created.timestamp, created.user, created.is_automated) == (NOW, "fin", False)
    assert created.source_system == "Fatura"
    attributes = typed_attributes(created)
    assert attributes["total_due"] == Decimal("2300.12")
    assert attributes["total_charged"] == Decimal("2000.00")
    assert attributes["adjusted"] is True
    assert attributes["issue_date"] == dt.date(2026, 5, 5)
    assert (attributes["result_center"], attributes["ticket"]) == ("CR-100", "CH-1")
    assert attributes["region"] == "Sul"
    charge_case = event_list(case_id="charge:11222333000181:2026-04")
    assert [e.activity for e in charge_case] == [
        "Consumption Recorded",
        "Consumption Recorded",
        "Consumption Recorded",
        "Charge Finalized",
    ]
    assert charge_case.last().attributes["invoice_number"] == invoice.number


def _bare_invoice(by, customer, sequence):
    return Invoice.objects.create(
        number=f"TST-{sequence:08d}",
        sequence=sequence,
        customer=customer,
        month=APRIL.first_day,
        issue_date=NOW.date(),
        total_due=1,
        total_charged=1,
        status=InvoiceStatus.COMPLETED,
        created_by=by,
        created_at=NOW,
    )


def test_one_finalized_charge_per_customer_and_month_is_a_database_constraint(fin_user, acme):
    _finalize(fin_user, acme)
    sequences = iter(range(900, 1000))

    def charge(**fields):
        invoice = _bare_invoice(fin_user, fields["customer"], next(sequences))
        return Charge.objects.create(invoice=invoice, **fields)

    duplicate = {
        "customer": acme,
        "month": APRIL.first_day,
        "status": ChargeStatus.FINALIZED,
        "result_center": "CR",
        "ticket": "T",
        "total_due": 1,
        "total_charged": 1,
        "finalized_by": fin_user,
        "finalized_at": NOW,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        charge(**duplicate)
    charge(**{**duplicate, "month": Month(2026, 3).first_day})  # other month
    charge(**{**duplicate, "customer": CustomerFactory()})  # other customer
    with pytest.raises(IntegrityError), transaction.atomic():
        charge(**{**duplicate, "month": MAY.first_day, "total_charged": -1})


def test_the_database_constraint_is_turned_into_a_409(fin_user, acme, monkeypatch):
    """Two finalizations that both pass the check (no row locks): the loser gets a 409."""
    from fatura.billing import services

    stale_pending = pending_charges(APRIL, customer_id=acme.pk)
    winner = _finalize(fin_user, acme)
    real_check = services.charge_finalized
    calls: list[int] = []

    def check_that_missed_the_winner(customer_id: int, month: Month) -> Charge | None:
        calls.append(customer_id)
        return None if len(calls) == 1 else real_check(customer_id, month)

    monkeypatch.setattr(services, "charge_finalized", check_that_missed_the_winner)
    monkeypatch.setattr(services, "pending_charges", lambda month, customer_id: stale_pending)
    with pytest.raises(ChargeAlreadyFinalized) as raised:
        _finalize(fin_user, acme)
    assert winner.number in raised.value.message
    assert Invoice.objects.count() == 1
    assert Counter.objects.get(name="invoice").last_value == 1


def test_the_issue_date_is_the_sao_paulo_calendar_date(fin_user, acme):
    late_night = dt.datetime(2026, 5, 6, 1, 30, tzinfo=dt.UTC)  # 22:30 of 05/05 in São Paulo
    invoice = charge_finalize(
        by=fin_user,
        customer=acme,
        month=APRIL,
        result_center="CR",
        ticket="T",
        total_charged="1",
        now=late_night,
    )
    assert invoice.issue_date == dt.date(2026, 5, 5)
    assert invoice.created_at == late_night
