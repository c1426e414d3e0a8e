"""An NFS-e zip uploaded from the page is imported by the worker (issue 10): the result box
polls the import until it is done (the counts) or failed (every error, nothing imported)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fatura.fiscal.imports import nfse_import_execute
from fatura.fiscal.models import Nfse, NfseImport
from tests.factories import CustomerFactory
from tests.fiscal.kpi_builders import order

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nfse"
QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
HTMX = {"HX-Request": "true"}


def _zip_upload(data: bytes) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("lote.zip", data, content_type="application/zip")}


def test_a_zip_is_followed_until_imported(
    fin_client: Client, settings: Any, tmp_path: Path
) -> None:
    settings.TASKS, settings.DATA_DIR = QUEUE, tmp_path
    acme = CustomerFactory(document="11222333000181")
    for number, value in (("OS-1001", "600.00"), ("OS-1002", "400.00"), ("OS-1003", "250.00")):
        order(number, acme, "Suporte", "Sul", value, "2026-03-02 10:00", None)
    lot = (FIXTURES / "nfse-lote.zip").read_bytes()
    response = fin_client.post("/fiscal/nfse/importar/", _zip_upload(lot), headers=HTMX)
    assert response.status_code == 202
    job = NfseImport.objects.get()
    box = response.content.decode()
    assert 'data-status="queued"' in box and f"/fiscal/nfse/importacoes/{job.pk}/" in box
    assert 'hx-trigger="every 1s"' in box
    nfse_import_execute(job.pk)  # what the worker does
    box = fin_client.get(f"/fiscal/nfse/importacoes/{job.pk}/", headers=HTMX).content.decode()
    assert 'data-status="done"' in box and "hx-trigger" not in box
    assert 'id="import-success"' in box and "3 NFS-e novas" in box
    page = fin_client.get(f"/fiscal/nfse/importacoes/{job.pk}/")
    assert page.status_code == 200 and 'id="import-success"' in page.content.decode()
    assert Nfse.objects.count() == 3


def test_a_bad_zip_shows_every_error_and_imports_nothing(
    fin_client: Client, settings: Any, tmp_path: Path
) -> None:
    settings.TASKS, settings.DATA_DIR = IMMEDIATE, tmp_path
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("notas/a.xml", b"<NFSe><infNFSe></NFSe>")
    response = fin_client.post("/fiscal/nfse/importar/", _zip_upload(archive.getvalue()))
    job = NfseImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/fiscal/nfse/importacoes/{job.pk}/"
    page = fin_client.get(response["Location"]).content.decode()
    assert 'data-status="failed"' in page and 'id="import-errors"' in page
    assert "notas/a.xml" in page
    assert Nfse.objects.count() == 0
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
