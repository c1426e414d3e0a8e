"""/charges, /charges/finalize, /invoices and /billing-runs."""

from __future__ import annotations

import pytest

from fatura.billing.models import BillingRun
from fatura.billing.services import billing_run_execute
from fatura.receivables.models import Invoice
from tests.factories import CustomerFactory
from tests.scenarios import billing_item, finalize, record


@pytest.fixture
def acme(fin_user):
    """ACME in April: 1.500,5 GB x R$ 0,3333 (R$ 500,12) + 10 h x R$ 180,00 (R$ 1.800,00)."""
    customer = CustomerFactory(name="ACME")
    record(fin_user, customer, billing_item("Armazenamento", price="0.3333"), "1500.5")
    record(fin_user, customer, billing_item("Suporte", price="180", unit="hora"), "10")
    return customer


FINALIZE = {"month": "2026-04", "result_center": "CR-100", "ticket": "CH-1"}


def test_charges_of_the_month(ops_api, acme):
    response = ops_api.get("/charges", {"month": "2026-04"})
    assert response.status_code == 200
    [charge] = response.json()
    lines = charge.pop("lines")
    assert charge == {
        "customer_id": acme.pk,
        "customer_name": "ACME",
        "month": "2026-04",
        "total_due": "2300.12",
        "status": "pending",
        "problems": [],
        "issue_date": None,
        "total_charged": None,
        "invoice_number": None,
    }
    assert [(ln["item_name"], ln["quantity"], ln["unit_price"], ln["amount"]) for ln in lines] == [
        ("Armazenamento", "1500.5", "0.3333", "500.12"),
        ("Suporte", "10", "180.00", "1800.00"),
    ]
    assert ops_api.get("/charges", {"month": "2026-05"}).json() == []
    assert ops_api.get("/charges", {"month": "2026-04", "customer_id": 999999}).json() == []


@pytest.mark.parametrize("query", [{}, {"month": "04/2026"}, {"month": "2026-13"}])
def test_charges_need_a_month(ops_api, query):
    response = ops_api.get("/charges", query)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "month"


def test_finalize_answers_201_with_the_invoice(fin_api, acme):
    response = fin_api.post(
        "/charges/finalize", {**FINALIZE, "customer_id": acme.pk, "total_charged": "2300"}
    )
    assert response.status_code == 201
    body = response.json()
    lines = body.pop("lines")
    receivable = {k: body.pop(k) for k in RECEIVABLE_KEYS}
    assert body.pop("pending_adjustment") is None
    assert receivable["status"] == "finalized"  # the charge's; the invoice is "completed"
    assert receivable["balance"] == receivable["total"] == "2300.00"
    assert receivable["payment_status"] == "unpaid"
    assert receivable["kind"] == "usage"
    assert body == {
        "invoice_number": "FAT-00000001",
        "customer_id": acme.pk,
        "customer_name": "ACME",
        "month": "2026-04",
        "issue_date": "2026-05-05",
        "total_due": "2300.12",
        "total_charged": "2300.00",
        "result_center": "CR-100",
        "ticket": "CH-1",
    }
    stored = Invoice.objects.get().lines.order_by("position")
    assert [ln["price_version_id"] for ln in lines] == [ln.price_version_id for ln in stored]
    assert [ln["amount"] for ln in lines] == ["500.12", "1800.00"]
    got = fin_api.get("/invoices/FAT-00000001").json()
    assert got.pop("pending_adjustment") is None
    assert got == {**body, **receivable, "status": "completed", "lines": lines}


RECEIVABLE_KEYS = (
    "number",
    "kind",
    "total",
    "balance",
    "withholdings",
    "net_total",
    "status",
    "payment_status",
    "payment_terms",
    "due_date",
    "discount_until",
    "amount_applied",
    "amount_credited",
    "amount_debited",
    "amount_discounted",
    "amount_written_off",
    "amount_overpaid",
    "amount_late_charged",
    "due_if_paid_today",
    "dunning_level",
    "open_disputes",
    "allowed_actions",
    "converted_to",
    "delivery",
    "installments",
)


def test_finalize_errors(fin_api, acme):
    def post(**body):
        return fin_api.post("/charges/finalize", {**FINALIZE, "customer_id": acme.pk, **body})

    bad_total = post(total_charged="12.345")
    assert bad_total.status_code == 422
    assert bad_total.json()["errors"] == [
        {
            "field": "total_charged",
            "message": "use no máximo 12 dígitos antes da vírgula e 2 casas decimais",
        }
    ]
    no_ticket = post(total_charged="1", ticket=" ")
    assert no_ticket.status_code == 422
    assert no_ticket.json()["errors"] == [{"field": "ticket", "message": "obrigatório"}]
    assert post(total_charged="1", customer_id=999999).status_code == 404
    nothing = post(total_charged="1", month="2026-05")
    assert nothing.status_code == 409 and "não tem consumo pendente" in nothing.json()["detail"]
    assert post(total_charged="1").status_code == 201
    again = post(total_charged="1")
    assert again.status_code == 409
    assert "FAT-00000001" in again.json()["detail"]
    assert Invoice.objects.count() == 1


def test_invoices_per_customer_and_month(ops_api, fin_user, acme):
    other = CustomerFactory(name="Outro")
    record(fin_user, other, billing_item("Outro item"), "1")
    finalize(fin_user, acme)
    finalize(fin_user, other)
    mine = ops_api.get("/invoices", {"customer_id": acme.pk}).json()
    assert [(i["invoice_number"], i["customer_name"]) for i in mine] == [("FAT-00000001", "ACME")]
    assert len(mine[0]["lines"]) == 2
    april = ops_api.get("/invoices", {"month": "2026-04"}).json()
    assert [i["invoice_number"] for i in april] == ["FAT-00000002", "FAT-00000001"]
    assert ops_api.get("/invoices", {"month": "2026-05"}).json() == []
    assert ops_api.get("/invoices", {"month": "maio"}).status_code == 422


def test_billing_run_through_the_api(fin_api, acme):
    response = fin_api.post(
        "/billing-runs", {"month": "2026-04", "result_center": "CR", "ticket": "T"}
    )
    assert response.status_code == 202
    queued = response.json()
    assert (queued["status"], queued["month"], queued["charges_finalized"]) == (
        "queued",
        "2026-04",
        0,
    )
    assert queued["total_charged"] == "0.00"
    billing_run_execute(queued["id"])  # what the worker does
    done = fin_api.get(f"/billing-runs/{queued['id']}").json()
    assert (done["status"], done["charges_finalized"], done["total_charged"]) == (
        "done",
        1,
        "2300.12",
    )
    assert (done["first_invoice"], done["last_invoice"]) == ("FAT-00000001", "FAT-00000001")
    assert BillingRun.objects.count() == 1


def test_a_charge_with_a_line_without_price_shows_the_problem(ops_api, fin_user, acme):
    from fatura.usage.models import Consumption
    from tests.scenarios import APRIL, NOW

    Consumption.objects.create(  # written around the service (migrated data)
        customer=acme,
        month=APRIL.first_day,
        billing_item=billing_item("Novo", since="2026-06"),
        quantity=1,
        recorded_by=fin_user,
        recorded_at=NOW,
    )
    [charge] = ops_api.get("/charges", {"month": "2026-04"}).json()
    assert charge["problems"] == ["O item Novo não tem preço vigente em abril/2026."]
    assert [ln["item_name"] for ln in charge["lines"]] == ["Armazenamento", "Suporte"]
    assert charge["total_due"] == "2300.12"


def test_charges_list_finalized_rows_too_and_filter_by_status(ops_api, fin_user, acme):
    beta = CustomerFactory(name="Beta")
    record(fin_user, beta, billing_item("Rede", price="2"), "5")
    invoice = finalize(fin_user, acme, total_charged="2250.00")
    rows = ops_api.get("/charges", {"month": "2026-04"}).json()
    assert [(r["customer_name"], r["status"]) for r in rows] == [
        ("ACME", "finalized"),
        ("Beta", "pending"),
    ]
    done = rows[0]
    assert done["issue_date"] == invoice.issue_date.isoformat()
    assert (done["total_due"], done["total_charged"]) == ("2300.12", "2250.00")
    assert done["invoice_number"] == invoice.number and done["problems"] == []
    assert [ln["item_name"] for ln in done["lines"]] == ["Armazenamento", "Suporte"]
    assert all(ln["price_version_id"] for ln in done["lines"])
    assert rows[1]["issue_date"] is None and rows[1]["invoice_number"] is None
    for status, names in (("finalized", ["ACME"]), ("pending", ["Beta"])):
        listed = ops_api.get("/charges", {"month": "2026-04", "status": status}).json()
        assert [r["customer_name"] for r in listed] == names
    assert (
        ops_api.get("/charges", {"month": "2026-04", "customer_id": beta.pk}).json()[0]["status"]
        == "pending"
    )
    response = ops_api.get("/charges", {"month": "2026-04", "status": "done"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


def test_charge_status_enum_is_the_models_vocabulary():
    from typing import get_args

    from fatura.billing.models import ChargeSituation
    from fatura.billing.schemas import ChargeSituationCode

    assert set(get_args(ChargeSituationCode)) == set(ChargeSituation.values)


def test_charges_query_count_does_not_grow_with_rows(
    ops_api, fin_user, django_assert_max_num_queries
):
    items = [billing_item(f"Item {n}", price="1.5") for n in range(3)]
    for n in range(6):
        customer = CustomerFactory()
        for item in items:
            record(fin_user, customer, item, "2")
        if n % 2:
            finalize(fin_user, customer)
    # 2 (auth) + 4 (pending: sums, items, prices, customers) + 2 (finalized charges, lines)
    with django_assert_max_num_queries(8):
        rows = ops_api.get("/charges", {"month": "2026-04"}).json()
    assert sorted(r["status"] for r in rows) == ["finalized"] * 3 + ["pending"] * 3
