"""/consumptions: record, list, delete, and import a volume file."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from fatura.usage.models import Consumption
from tests.factories import CustomerFactory
from tests.scenarios import MAY, VOLUME_HEADER, billing_item, finalize, record


def _file(text: str) -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile("volumes.csv", text.encode(), content_type="text/csv")}


def test_record_answers_201(ops_api):
    customer = CustomerFactory()
    item = billing_item()
    response = ops_api.post(
        "/consumptions",
        {
            "customer_id": customer.pk,
            "month": "2026-04",
            "billing_item_id": item.pk,
            "quantity": "1500.50",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "customer_id": customer.pk,
        "month": "2026-04",
        "billing_item_id": item.pk,
        "billing_item_name": "Armazenamento",
        "quantity": "1500.5",
        "source": "manual",
    }


def test_record_errors(ops_api, fin_user):
    customer = CustomerFactory()
    item = billing_item(since="2026-03")
    body = {"customer_id": customer.pk, "month": "2026-04", "billing_item_id": item.pk}
    no_price = ops_api.post("/consumptions", {**body, "month": "2026-02", "quantity": "1"})
    assert no_price.status_code == 422
    assert "não tem preço vigente em fevereiro/2026" in no_price.json()["detail"]
    bad = ops_api.post("/consumptions", {**body, "quantity": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "quantity"
    bad_month = ops_api.post("/consumptions", {**body, "month": "2026-4", "quantity": "1"})
    assert bad_month.status_code == 422
    missing = ops_api.post("/consumptions", {**body, "customer_id": 999999, "quantity": "1"})
    assert missing.status_code == 404
    record(fin_user, customer, item, "1")
    finalize(fin_user, customer)
    closed = ops_api.post("/consumptions", {**body, "quantity": "1"})
    assert closed.status_code == 409
    assert "já foi finalizada" in closed.json()["detail"]
    assert Consumption.objects.count() == 1


def test_list_filters_and_shows_the_source(ops_api, fin_user):
    customer = CustomerFactory()
    other = CustomerFactory()
    item = billing_item()
    record(fin_user, customer, item, "1")
    record(fin_user, other, item, "2")
    ops_api.upload(
        "/consumptions/import",
        _file(VOLUME_HEADER + f"{customer.document},2026-05,Armazenamento,Cloud,GB,,3\n"),
    )
    rows = ops_api.get("/consumptions", {"customer_id": customer.pk}).json()
    assert [(r["month"], r["quantity"], r["source"]) for r in rows] == [
        ("2026-05", "3", "volumetria"),
        ("2026-04", "1", "manual"),
    ]
    april = ops_api.get("/consumptions", {"month": "2026-04"}).json()
    assert sorted(r["customer_id"] for r in april) == sorted([customer.pk, other.pk])
    assert ops_api.get("/consumptions", {"month": "abril"}).status_code == 422


def test_delete_answers_204_and_refuses_volumetria_and_closed_months(ops_api, fin_user):
    customer = CustomerFactory()
    item = billing_item()
    manual = record(fin_user, customer, item, "1", MAY)
    response = ops_api.delete(f"/consumptions/{manual.pk}")
    assert response.status_code == 204
    assert not Consumption.objects.filter(pk=manual.pk).exists()
    ops_api.upload(
        "/consumptions/import",
        _file(VOLUME_HEADER + f"{customer.document},2026-05,Armazenamento,Cloud,GB,,3\n"),
    )
    from_file = Consumption.objects.get()
    refused = ops_api.delete(f"/consumptions/{from_file.pk}")
    assert refused.status_code == 409 and "volumetria" in refused.json()["detail"]
    closed = record(fin_user, customer, item, "1")
    finalize(fin_user, customer)
    assert ops_api.delete(f"/consumptions/{closed.pk}").status_code == 409
    assert ops_api.delete("/consumptions/999999").status_code == 404


def test_import_answers_201_with_the_count(ops_api):
    customer = CustomerFactory()
    billing_item()
    text = VOLUME_HEADER + "".join(
        f"{customer.document},2026-04,Armazenamento,Cloud,GB,,{n}\n" for n in range(1, 4)
    )
    response = ops_api.upload("/consumptions/import", _file(text))
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "filename": "volumes.csv",
        "created": 3,
        "items_created": 0,
    }


def test_import_bad_rows_are_422_listing_row_and_field(fin_api):
    customer = CustomerFactory()
    billing_item()
    text = (
        VOLUME_HEADER
        + f"{customer.document},2026-04,Armazenamento,Cloud,GB,,1\n"
        + f"{customer.document},2026-04,Armazenamento,Cloud,GB,,-1\n"
        + "00000000000191,2026-04,Armazenamento,Cloud,GB,,1\n"
    )
    response = fin_api.upload("/consumptions/import", _file(text))
    assert response.status_code == 422
    body = response.json()
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "quantity")]
    assert "nada foi importado" in body["detail"]
    assert not Consumption.objects.exists()


def test_import_without_a_file_is_422(fin_api):
    response = fin_api.upload("/consumptions/import", {})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
