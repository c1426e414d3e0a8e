"""/nfse: list and detail, the backlog, the import (CSV, XML, ZIP) and the DPS XML of an
NFS-e or of an invoice."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from lxml import etree

from fatura.fiscal.dps import NAMESPACE, validate_dps
from fatura.fiscal.imports import nfse_import_execute
from fatura.fiscal.models import Nfse
from tests.factories import CustomerFactory
from tests.fiscal import dps_builders
from tests.fiscal.api_helpers import csv_file, fields
from tests.fiscal.kpi_builders import march, order
from tests.scenarios import frozen_clock

__all__ = ["frozen_clock"]  # autouse: NOW is 2026-05-05 14:30 UTC (11:30 in São Paulo)


# --- NFS-e --------------------------------------------------------------------------------


def test_nfse_list_and_detail(ops_api):
    month = march()
    listed = ops_api.get("/nfse", {"issued_from": "2026-03-01", "issued_to": "2026-03-11"})
    assert [n["number"] for n in listed.json()] == ["N-4", "N-3", "N-2", "N-1"]
    assert listed.headers["X-Total-Count"] == "4"
    cancelled = ops_api.get("/nfse", {"status": "cancelled"}).json()
    assert [n["number"] for n in cancelled] == ["N-6"]
    of_b = ops_api.get("/nfse", {"customer_id": month.b.pk}).json()
    assert [n["number"] for n in of_b] == ["N-4", "N-5"]
    assert ops_api.get("/nfse", {"limit": 2, "offset": 1}).headers["X-Total-Count"] == "6"
    assert ops_api.get("/nfse/N-1").json() == {
        "number": "N-1",
        "access_key": None,
        "verification_code": "",
        "issued_at": "2026-03-04T13:00:00Z",
        "value": "1300.00",
        "iss_rate": None,
        "iss_amount": None,
        "net_value": None,
        "service_code": "",
        "customer_id": month.a.pk,
        "customer_name": "Alfa Serviços",
        "status": "issued",
        "cancelled_at": None,
        "replaced_by": None,
        "invoice_number": None,
        "source": "import",
        "coverages": [
            {"service_order": "OS-1", "value": "1000.00"},
            {"service_order": "OS-3", "value": "300.00"},
        ],
    }
    assert ops_api.get("/nfse/N-404").status_code == 404
    assert fields(ops_api.get("/nfse", {"status": "emitida"})) == ["status"]
    assert fields(ops_api.get("/nfse", {"issued_from": "março"})) == ["issued_from"]


def test_backlog_lists_the_orders_past_their_expected_lag(ops_api):
    month = march()
    response = ops_api.get("/nfse/backlog", {"as_of": "2026-04-05T12:00"})
    assert response.status_code == 200
    order_fields = {
        "customer_id": month.a.pk,
        "customer": "Alfa Serviços",
        "customer_document": month.a.document,
        "service_type": "Manutenção",
        "team": "Norte",
        "covered_value": "0.00",
        "expected_days": 10.0,
        "delay_reason": None,
        "delay_kind": "none",
    }
    # OS-5: completed 20/03 10:00, 16 days and 2 hours before; OS-7's NFS-e was cancelled
    assert response.json() == {
        "as_of": "2026-04-05T15:00:00Z",
        "count": 2,
        "value_at_risk": "650.00",
        "by_delay_kind": [  # (6.08 + 1.08) / 2 late on average, no reasons yet
            {"kind": "internal", "count": 0, "value_at_risk": "0.00", "avg_days_late": None},
            {"kind": "customer", "count": 0, "value_at_risk": "0.00", "avg_days_late": None},
            {"kind": "none", "count": 2, "value_at_risk": "650.00", "avg_days_late": 3.58},
        ],
        "orders": [
            {
                **order_fields,
                "order_number": "OS-5",
                "completed_at": "2026-03-20T13:00:00Z",
                "billed_at": "2026-03-21T13:00:00Z",
                "value": "400.00",
                "uncovered_value": "400.00",
                "days_waiting": 16.08,
                "days_late": 6.08,
            },
            {
                **order_fields,
                "order_number": "OS-7",
                "completed_at": "2026-03-25T13:00:00Z",
                "billed_at": "2026-03-25T15:00:00Z",
                "value": "250.00",
                "uncovered_value": "250.00",
                "days_waiting": 11.08,
                "days_late": 1.08,
            },
        ],
    }
    paged = ops_api.get("/nfse/backlog", {"as_of": "2026-04-05T12:00", "offset": 1}).json()
    assert (paged["count"], [o["order_number"] for o in paged["orders"]]) == (2, ["OS-7"])
    other = ops_api.get("/nfse/backlog", {"as_of": "2026-04-05T12:00", "team": "Sul"}).json()
    assert (other["count"], other["value_at_risk"], other["orders"]) == (0, "0.00", [])
    assert fields(ops_api.get("/nfse/backlog", {"as_of": "amanhã"})) == ["as_of"]


NFSE_CSV = "number,issued_at,value,customer_document,service_order_numbers,status\n"


def _billed_orders() -> Any:
    customer = CustomerFactory()
    for number, value in (("OS-1", "600.00"), ("OS-2", "400.00")):
        order(number, customer, "Suporte", "Sul", value, "2026-04-01 10:00", "2026-04-02 10:00")
    return customer


def test_nfse_import_csv(fin_api):
    doc = _billed_orders().document
    text = NFSE_CSV + f"101,2026-04-03 10:00,1000.00,{doc},OS-1;OS-2,emitida\n"
    created = fin_api.upload("/nfse/import", csv_file("notas.csv", text))
    assert (created.status_code, created.json()) == (
        201,
        {"created": 1, "updated": 0, "unchanged": 0, "cancelled": 0, "ignored": 0},
    )
    assert fin_api.get("/nfse/101").json()["coverages"] == [
        {"service_order": "OS-1", "value": "600.00"},
        {"service_order": "OS-2", "value": "400.00"},
    ]
    again = fin_api.upload("/nfse/import", csv_file("notas.csv", text))
    assert again.json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 1,
        "cancelled": 0,
        "ignored": 0,
    }


def test_nfse_import_refuses_bad_rows_and_operacao(fin_api, ops_api):
    doc = _billed_orders().document
    text = NFSE_CSV + (
        f"101,2026-04-03 10:00,1000.00,{doc},OS-1;OS-2,emitida\n"
        f"102,03/04/2026,abc,{doc},OS-1,emitida\n"
        f"103,2026-04-03,10.00,{doc},OS-2,rascunho\n"
    )
    refused = fin_api.upload("/nfse/import", csv_file("notas.csv", text))
    assert refused.status_code == 422
    assert [(e["line"], e["field"]) for e in refused.json()["errors"]] == [
        (3, "value"),
        (4, "status"),
    ]
    assert Nfse.objects.count() == 0
    assert ops_api.upload("/nfse/import", csv_file("notas.csv", text)).status_code == 403


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nfse"


def _upload(name: str, data: bytes, kind: str) -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile(name, data, content_type=kind)}


IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_nfse_import_reads_a_zip_of_xml_and_an_xml_alone(fin_api, settings, tmp_path):
    settings.TASKS, settings.DATA_DIR = QUEUE, tmp_path
    acme = CustomerFactory(document="11222333000181")  # the samples' tomador
    for number, value in (("OS-1001", "600.00"), ("OS-1002", "400.00"), ("OS-1003", "250.00")):
        order(number, acme, "Suporte", "Sul", value, "2026-03-02 10:00", None)
    lot = (FIXTURES / "nfse-lote.zip").read_bytes()
    response = fin_api.upload("/nfse/import", _upload("lote.zip", lot, "application/zip"))
    assert response.status_code == 202  # a zip is imported by the worker
    queued = response.json()
    state = fin_api.get(f"/nfse/imports/{queued['import_id']}").json()
    assert (state["status"], state["task"], state["filename"]) == (
        "queued",
        queued["task"],
        "lote.zip",
    )
    assert Nfse.objects.count() == 0
    nfse_import_execute(queued["import_id"])  # what the worker does
    state = fin_api.get(f"/nfse/imports/{queued['import_id']}").json()
    assert (state["status"], state["result"]) == (
        "done",
        {"created": 3, "updated": 0, "unchanged": 0, "cancelled": 2, "ignored": 0},
    )
    assert list(tmp_path.rglob("*.zip")) == []  # the upload is gone
    replaced = fin_api.get("/nfse/101").json()
    assert (replaced["status"], replaced["replaced_by"]) == ("replaced", "102")
    assert fin_api.get("/nfse/103").json()["status"] == "cancelled"
    assert fin_api.get("/nfse/102").json()["coverages"] == [
        {"service_order": "OS-1001", "value": "600.00"},
        {"service_order": "OS-1002", "value": "400.00"},
    ]
    alone = (FIXTURES / "nfse-103.xml").read_bytes()
    again = fin_api.upload("/nfse/import", _upload("nfse-103.xml", alone, "application/xml"))
    assert (again.status_code, again.json()["unchanged"]) == (201, 1)


def test_nfse_import_names_the_zip_member_in_errors_and_imports_nothing(
    fin_api, settings, tmp_path
):
    settings.TASKS, settings.DATA_DIR = IMMEDIATE, tmp_path
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("notas/a.xml", b"<NFSe><infNFSe></NFSe>")
    response = fin_api.upload(
        "/nfse/import", _upload("notas.zip", archive.getvalue(), "application/zip")
    )
    assert response.status_code == 202
    state = fin_api.get(f"/nfse/imports/{response.json()['import_id']}").json()
    assert state["status"] == "failed" and "nada foi importado" in state["error"]
    assert [(e["file"], e["field"]) for e in state["errors"]] == [("notas/a.xml", "file")]
    assert Nfse.objects.count() == 0
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert fin_api.get("/nfse/imports/999999").status_code == 404


def test_only_financeiro_queues_a_zip(ops_api, settings, tmp_path):
    settings.TASKS, settings.DATA_DIR = QUEUE, tmp_path
    lot = (FIXTURES / "nfse-lote.zip").read_bytes()
    response = ops_api.upload("/nfse/import", _upload("lote.zip", lot, "application/zip"))
    assert response.status_code == 403
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


# --- the DPS ------------------------------------------------------------------------------


@pytest.fixture
def company(settings: Any) -> None:
    settings.FATURA_COMPANY = {
        **settings.FATURA_COMPANY,
        "document": "11.222.333/0001-81",
        "municipality_code": "3550308",
        "municipal_registration": "1.234.567-8",
        "simples_nacional": "1",
        "simples_regime": "",
        "special_regime": "0",
    }
    settings.FATURA_NFSE = {
        **settings.FATURA_NFSE,
        "environment": "2",
        "series": "1",
        "national_code": "010101",
        "iss_rate": "5.00",
        "approximate_taxes": "",
        "approximate_taxes_simples": "",
    }


def _dps_text(xml: bytes, path: str) -> str | None:
    found = etree.fromstring(xml).find(
        "n:infDPS/" + "/".join(f"n:{p}" for p in path.split("/")), {"n": NAMESPACE}
    )
    return None if found is None else str(found.text)


def test_dps_of_an_nfse_and_of_an_invoice(company, fin_api, fin_user):
    customer = CustomerFactory()
    dps_builders.service_type("Suporte", national="010701", rate="2.00")
    first = dps_builders.billed_order("OS-1", customer, "Suporte", "700.00")
    dps_builders.nfse("123", customer, {first: "700.00"}, service_code="010701")

    response = fin_api.get("/nfse/123/dps.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="dps-123.xml"'
    validate_dps(response.content)
    assert [
        _dps_text(response.content, p) for p in ("nDPS", "serie", "valores/vServPrest/vServ")
    ] == [
        "123",
        "1",
        "700.00",
    ]
    numbered = fin_api.get("/nfse/123/dps.xml", {"series": "7", "dps_number": 9}).content
    assert (_dps_text(numbered, "serie"), _dps_text(numbered, "nDPS")) == ("7", "9")

    bill = dps_builders.invoice(fin_user, customer, amount="1500.00")
    of_invoice = fin_api.get(f"/nfse/{bill.number}/dps.xml")
    assert of_invoice.status_code == 200
    assert of_invoice["Content-Disposition"] == f'attachment; filename="dps-{bill.number}.xml"'
    validate_dps(of_invoice.content)
    assert _dps_text(of_invoice.content, "serv/infoCompl") is None  # no orders on it
    assert _dps_text(of_invoice.content, "nDPS") == str(bill.sequence)
    assert _dps_text(of_invoice.content, "valores/vServPrest/vServ") == "1500.00"
    assert _dps_text(of_invoice.content, "dhEmi") == "2026-05-05T11:30:00-03:00"  # now


def test_dps_errors_and_role(company, fin_api, ops_api):
    customer = CustomerFactory()
    first = dps_builders.billed_order("OS-1", customer, "Suporte", "700.00")
    dps_builders.nfse("N-7", customer, {first: "700.00"})
    missing = fin_api.get("/nfse/FAT-404/dps.xml")
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "Nenhuma NFS-e ou fatura com o número FAT-404.",
    )
    not_a_number = fin_api.get("/nfse/N-7/dps.xml")  # the NFS-e number is no DPS number
    assert not_a_number.status_code == 422
    assert fin_api.get("/nfse/N-7/dps.xml", {"dps_number": 7}).status_code == 200
    for field, bad in (("dps_number", 0), ("dps_number", 10**15), ("series", "123456")):
        refused = fin_api.get("/nfse/N-7/dps.xml", {"dps_number": 7, field: bad})
        assert (refused.status_code, fields(refused)) == (422, [field])
    assert ops_api.get("/nfse/N-7/dps.xml").status_code == 403
