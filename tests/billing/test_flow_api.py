"""The module's main path through the API: item, consumption, charge, invoice, events."""

from __future__ import annotations

from tests.factories import CustomerFactory


def test_consumption_to_invoice(fin_api):
    customer = CustomerFactory()
    item = fin_api.post(
        "/billing-items",
        {
            "name": "Armazenamento",
            "product": "Cloud",
            "unit": "GB",
            "unit_price": "0.3333",
            "valid_from": "2026-01",
        },
    )
    assert item.status_code == 201, item.json()
    item_id = item.json()["id"]
    assert item.json()["prices"][0] == {
        "id": item.json()["prices"][0]["id"],
        "unit_price": "0.3333",
        "valid_from": "2026-01",
        "used": False,
    }
    r = fin_api.post(
        "/consumptions",
        {
            "customer_id": customer.pk,
            "month": "2026-04",
            "billing_item_id": item_id,
            "quantity": "1500.5",
        },
    )
    assert r.status_code == 201, r.json()
    charges = fin_api.get("/charges", {"month": "2026-04"}).json()
    assert [c["total_due"] for c in charges] == ["500.12"]  # 1500.5 x 0.3333 = 500.11665
    r = fin_api.post(
        "/charges/finalize",
        {
            "customer_id": customer.pk,
            "month": "2026-04",
            "result_center": "CR-100",
            "ticket": "CH-1",
            "total_charged": "480.00",
        },
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["invoice_number"] == "FAT-00000001"
    assert body["status"] == "finalized"
    assert body["total_due"] == "500.12"
    assert body["total_charged"] == "480.00"
    assert fin_api.get("/charges", {"month": "2026-04", "status": "pending"}).json() == []
    [row] = fin_api.get("/charges", {"month": "2026-04"}).json()
    assert (row["status"], row["invoice_number"], row["total_charged"]) == (
        "finalized",
        "FAT-00000001",
        "480.00",
    )
    again = fin_api.post(
        "/charges/finalize",
        {
            "customer_id": customer.pk,
            "month": "2026-04",
            "result_center": "CR-100",
            "ticket": "CH-1",
            "total_charged": "480.00",
        },
    )
    assert again.status_code == 409
    pdf = fin_api.get(f"/invoices/{body['invoice_number']}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    events = fin_api.get("/events", {"case_id": "FAT-00000001"}).json()
    assert [e["activity"] for e in events] == ["Invoice Created", "Invoice Completed"]
    assert events[0]["attributes"]["total_charged"] == "480.00"
