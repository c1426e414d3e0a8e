"""A large volume file is imported by the worker (issue 10), through the API (202, then
GET /consumptions/imports/{id}) and the page (the result box polls the import)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fatura.usage.jobs import volume_job_execute
from fatura.usage.models import Consumption, VolumeFileJob
from tests.factories import CustomerFactory

HEADER = "customer_document,month,item,product,unit,unit_price,quantity\n"
QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
HTMX = {"HX-Request": "true"}


def _file(content: str) -> dict[str, SimpleUploadedFile]:
    upload = SimpleUploadedFile("volumetria.csv", content.encode(), content_type="text/csv")
    return {"file": upload}


def _big(document: str, *, bad: bool = False) -> str:
    """Over 1 KB (the tests' background threshold); ``bad``: one row in error."""
    rows = [f"{document},2026-04,Armazenamento,Cloud,GB,0.35,{n}\n" for n in range(1, 40)]
    if bad:
        rows.append(f"{document},2026-13,Armazenamento,Cloud,GB,0.35,1\n")
    return HEADER + "".join(rows)


def _setup(settings: Any, tmp_path: Path, tasks: dict[str, Any]) -> None:
    settings.TASKS, settings.DATA_DIR = tasks, tmp_path
    settings.FATURA_VOLUME_BACKGROUND_KB = 1


def test_the_api_queues_a_large_file(fin_api: Any, settings: Any, tmp_path: Path) -> None:
    _setup(settings, tmp_path, QUEUE)
    customer = CustomerFactory()
    response = fin_api.upload("/consumptions/import", _file(_big(customer.document)))
    assert response.status_code == 202, response.content
    queued = response.json()
    state = fin_api.get(f"/consumptions/imports/{queued['import_id']}").json()
    assert (state["status"], state["task"], state["result"]) == ("queued", queued["task"], None)
    assert Consumption.objects.count() == 0
    volume_job_execute(queued["import_id"])  # what the worker does
    state = fin_api.get(f"/consumptions/imports/{queued['import_id']}").json()
    assert state["status"] == "done" and state["result"]["created"] == 39
    assert Consumption.objects.count() == 39
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    small = fin_api.upload("/consumptions/import", _file(HEADER))  # small: in the request
    assert small.status_code == 422


def test_a_failed_job_keeps_every_bad_row_and_writes_nothing(
    fin_api: Any, settings: Any, tmp_path: Path
) -> None:
    _setup(settings, tmp_path, IMMEDIATE)
    customer = CustomerFactory()
    response = fin_api.upload("/consumptions/import", _file(_big(customer.document, bad=True)))
    state = fin_api.get(f"/consumptions/imports/{response.json()['import_id']}").json()
    assert state["status"] == "failed"
    assert [(e["row"], e["field"]) for e in state["errors"]] == [(41, "month")]
    assert Consumption.objects.count() == 0
    assert fin_api.get("/consumptions/imports/999999").status_code == 404


def test_the_page_follows_a_large_file(fin_client: Client, settings: Any, tmp_path: Path) -> None:
    _setup(settings, tmp_path, QUEUE)
    customer = CustomerFactory()
    response = fin_client.post("/consumo/importar/", _file(_big(customer.document)), headers=HTMX)
    assert response.status_code == 202
    job = VolumeFileJob.objects.get()
    box = response.content.decode()
    assert 'data-status="queued"' in box and f"/consumo/importacoes/{job.pk}/" in box
    volume_job_execute(job.pk)
    box = fin_client.get(f"/consumo/importacoes/{job.pk}/", headers=HTMX).content.decode()
    assert 'data-status="done"' in box and 'id="import-success"' in box
    assert "hx-trigger" not in box
    again = fin_client.post("/consumo/importar/", _file(_big(customer.document, bad=True)))
    assert again.status_code == 302  # without htmx: the import's own page
    page = fin_client.get(again["Location"]).content.decode()
    assert 'data-status="queued"' in page and "<html" in page
