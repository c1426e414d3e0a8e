"""/service-orders: create, complete, bill, list with filters and pages, import a CSV."""

from __future__ import annotations

from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.fiscal.models import ServiceOrder
from tests.factories import CustomerFactory
from tests.fiscal import dps_builders
from tests.fiscal.api_helpers import csv_file, fields
from tests.fiscal.kpi_builders import march
from tests.scenarios import frozen_clock

__all__ = ["frozen_clock"]  # autouse: NOW is 2026-05-05 14:30 UTC (11:30 in São Paulo)


# --- service orders -----------------------------------------------------------------------


def test_service_order_create_complete_and_bill(ops_api, fin_user):
    customer = CustomerFactory(name="Gama Ltda")
    created = ops_api.post(
        "/service-orders",
        {
            "number": "OS-10",
            "customer_id": customer.pk,
            "service_type": "Instalação",
            "team": "Norte",
            "value": 1234.5,
        },
    )
    assert created.status_code == 201
    assert created.json() == {
        "number": "OS-10",
        "customer_id": customer.pk,
        "customer_name": "Gama Ltda",
        "service_type": "Instalação",
        "team": "Norte",
        "value": "1234.50",
        "status": "open",
        "completed_at": None,
        "billed_at": None,
        "invoice_number": None,
        "source": "fatura",
        "covered_value": "0.00",
        "nfse": [],
        "delay_reason": None,
        "delay_note": "",
    }
    # without an offset a date-time is São Paulo's: 09:00 local is 12:00 UTC
    done = ops_api.post("/service-orders/OS-10/complete", {"completed_at": "2026-05-04T09:00"})
    assert (done.status_code, done.json()["status"]) == (200, "completed")
    assert done.json()["completed_at"] == "2026-05-04T12:00:00Z"
    bill = dps_builders.invoice(fin_user, customer, amount="1234.50")
    billed = ops_api.post(
        "/service-orders/OS-10/bill",
        {"invoice_number": bill.number, "billed_at": "2026-05-05T10:00:00-03:00"},
    )
    assert billed.status_code == 200
    assert (billed.json()["status"], billed.json()["invoice_number"]) == ("billed", bill.number)
    assert billed.json()["billed_at"] == "2026-05-05T13:00:00Z"
    # the order's events: its completion under its own number, the billing under the invoice's
    trace = Event.objects.filter(attributes__service_order="OS-10").order_by("timestamp")
    assert [(e.activity, e.case_id) for e in trace] == [
        (activities.SERVICE_ORDER_COMPLETED, "OS-10"),
        (activities.SERVICE_ORDER_BILLED, bill.number),
    ]
    assert ops_api.get("/service-orders/OS-10").json() == billed.json()


def test_service_order_errors(ops_api, fin_user):
    customer = CustomerFactory()
    body = {
        "number": "OS-1",
        "customer_id": customer.pk,
        "service_type": "Suporte",
        "team": "Sul",
        "value": "10.00",
    }
    bad = ops_api.post("/service-orders", {**body, "value": "10.001", "team": " "})
    assert (bad.status_code, fields(bad)) == (422, ["team", "value"])
    assert fields(ops_api.post("/service-orders", {**body, "value": "dez"})) == ["value"]
    too_long = ops_api.post("/service-orders", {**body, "number": "X" * 61})
    assert (too_long.status_code, fields(too_long)) == (422, ["number"])
    assert ops_api.post("/service-orders", {**body, "customer_id": 999999}).status_code == 404
    future = ops_api.post("/service-orders", {**body, "completed_at": "2026-05-06T00:00:00Z"})
    assert (future.status_code, fields(future)) == (422, ["completed_at"])
    assert ops_api.post("/service-orders", body).status_code == 201
    again = ops_api.post("/service-orders", body)
    assert (again.status_code, again.json()["detail"]) == (
        409,
        "A ordem de serviço OS-1 já existe.",
    )
    not_done = ops_api.post("/service-orders/OS-1/bill")
    assert not_done.status_code == 409 and "só uma ordem concluída" in not_done.json()["detail"]
    assert ops_api.post("/service-orders/OS-1/complete").status_code == 200
    other = dps_builders.invoice(fin_user, CustomerFactory(), amount="10.00")
    wrong = ops_api.post("/service-orders/OS-1/bill", {"invoice_number": other.number})
    assert wrong.status_code == 409 and "outro cliente" in wrong.json()["detail"]
    missing = ops_api.post("/service-orders/OS-1/bill", {"invoice_number": "FAT-99999999"})
    assert missing.status_code == 404
    assert ops_api.post("/service-orders", {**body, "number": "OS-2"}).status_code == 201
    cancelled = ops_api.post("/service-orders/OS-2/cancel")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert ops_api.post("/service-orders/OS-2/cancel").status_code == 409
    assert ops_api.get("/service-orders/OS-404").status_code == 404
    assert ops_api.post("/service-orders/OS-404/complete").status_code == 404
    assert ServiceOrder.objects.count() == 2


def test_service_order_list_filters_and_pages(fin_api):
    month = march()
    page = fin_api.get("/service-orders", {"limit": 3})
    assert page.headers["X-Total-Count"] == "8"
    # the latest completed first, the open OS-8 last
    numbers = [o["number"] for o in page.json()]
    assert numbers == ["OS-7", "OS-5", "OS-4"]
    rest = fin_api.get("/service-orders", {"limit": 3, "offset": 6}).json()
    assert [o["number"] for o in rest] == ["OS-6", "OS-8"]
    os2 = next(o for o in fin_api.get("/service-orders").json() if o["number"] == "OS-2")
    issued = {"status": "issued"}
    assert (os2["covered_value"], os2["nfse"]) == (
        "500.00",
        [
            {"number": "N-2", **issued, "issued_at": "2026-03-06T15:00:00Z", "value": "300.00"},
            {"number": "N-3", **issued, "issued_at": "2026-03-09T15:00:00Z", "value": "200.00"},
        ],
    )
    os7 = fin_api.get("/service-orders/OS-7").json()
    assert (os7["covered_value"], os7["nfse"][0]["status"]) == ("0.00", "cancelled")
    filtered = fin_api.get(
        "/service-orders",
        {
            "status": "billed",
            "customer_id": month.a.pk,
            "completed_from": "2026-03-02",
            "completed_to": "2026-03-20",
        },
    )
    assert [o["number"] for o in filtered.json()] == ["OS-5", "OS-2", "OS-1"]
    assert filtered.headers["X-Total-Count"] == "3"
    open_ = fin_api.get("/service-orders", {"status": "open"}).json()
    assert [o["number"] for o in open_] == ["OS-8"]
    bad = fin_api.get("/service-orders", {"status": "done"})
    assert (bad.status_code, fields(bad)) == (422, ["status"])
    assert "open, completed, billed, cancelled" in bad.json()["errors"][0]["message"]
    reversed_ = fin_api.get(
        "/service-orders", {"completed_from": "2026-03-20", "completed_to": "2026-03-02"}
    )
    assert fields(reversed_) == ["completed_to"]
    assert fields(fin_api.get("/service-orders", {"limit": 0})) == ["limit"]
    assert fields(fin_api.get("/service-orders", {"limit": 1001})) == ["limit"]
    assert fields(fin_api.get("/service-orders", {"offset": -1})) == ["offset"]


ORDER_CSV = "number,customer_document,service_type,team,completed_at,billed_at,value\n"


def test_service_order_import_by_operacao(ops_api):
    customer = CustomerFactory()
    doc = customer.document
    rows = f"OS-1,{doc},Instalação,Norte,2026-04-01 10:00,,100.00\nOS-2,{doc},Suporte,Sul,,,50,00\n"
    first = ops_api.upload("/service-orders/import", csv_file("ordens.csv", ORDER_CSV + rows))
    assert (first.status_code, first.json()) == (201, {"created": 2, "updated": 0, "unchanged": 0})
    moved = rows.replace("10:00,,", "10:00,2026-04-02 10:00,")
    second = ops_api.upload("/service-orders/import", csv_file("ordens.csv", ORDER_CSV + moved))
    assert second.json() == {"created": 0, "updated": 1, "unchanged": 1}
    os1 = ops_api.get("/service-orders/OS-1").json()
    assert (os1["status"], os1["source"], os1["billed_at"]) == (
        "billed",
        "import",
        "2026-04-02T13:00:00Z",
    )


def test_service_order_import_refuses_bad_rows_and_imports_nothing(ops_api):
    doc = CustomerFactory().document
    rows = (
        f"OS-1,{doc},Instalação,Norte,2026-04-01 10:00,,100.00\n"
        f"OS-2,{doc},Suporte,Sul,ontem,,50\n"
        f"OS-3,00000000000191,Suporte,Sul,,,x\n"
    )
    response = ops_api.upload("/service-orders/import", csv_file("ordens.csv", ORDER_CSV + rows))
    assert response.status_code == 422
    assert [(e["line"], e["field"]) for e in response.json()["errors"]] == [
        (3, "completed_at"),
        (4, "value"),
    ]
    assert ServiceOrder.objects.count() == 0
