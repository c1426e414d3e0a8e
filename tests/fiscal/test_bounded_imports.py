"""Bounded fiscal imports (issue 10): a CSV cell over 128 KB or a quote never closed is a 422
naming the line; a zip expanding past FATURA_MAX_UNPACKED_MB is refused before it is read."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from fatura.fiscal.nfse_rows import NFSE_COLUMNS
from tests.fiscal.api_helpers import csv_file

ORDERS = "number,customer_document,service_type,team,completed_at,billed_at,value\n"
NFSE = "/nfse/import"
HEADERS = {"/service-orders/import": ORDERS, NFSE: ",".join(NFSE_COLUMNS) + "\n"}


@pytest.mark.parametrize("path", ["/service-orders/import", NFSE])
def test_a_cell_over_128_kb_is_422_with_its_line(fin_api: Any, path: str) -> None:
    text = HEADERS[path] + "OS-1,11222333000181,x,y,,,1\n" + "OS-2," + "9" * 140_000 + ",x\n"
    response = fin_api.upload(path, csv_file("grande.csv", text))
    assert response.status_code == 422, response.content[:300]
    errors = response.json()["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [(3, "file")]
    assert "128 KB" in errors[0]["message"]


@pytest.mark.parametrize("path", ["/service-orders/import", NFSE])
def test_an_unclosed_quote_is_422_with_the_line_it_opens(fin_api: Any, path: str) -> None:
    text = HEADERS[path] + "OS-1,1,x,y,,,1\n" + 'OS-2,"1,x,y,,,1\nOS-3,1,x,y,,,1\n'
    response = fin_api.upload(path, csv_file("aspas.csv", text))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [(3, "file")]
    assert "Aspas" in errors[0]["message"]


def test_a_zip_expanding_past_the_cap_is_refused(
    fin_api: Any, settings: Any, tmp_path: Any
) -> None:
    settings.FATURA_MAX_UNPACKED_MB = 1
    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number in range(3):
            archive.writestr(f"{number}.xml", b"<a>" + b" " * 600_000 + b"</a>")
    files = {"file": io.BytesIO(buffer.getvalue())}
    files["file"].name = "notas.zip"  # type: ignore[attr-defined]
    response = fin_api.upload(NFSE, files)
    assert response.status_code == 202  # a zip is imported by the worker
    state = fin_api.get(f"/nfse/imports/{response.json()['import_id']}").json()
    assert state["status"] == "failed"
    assert "passa de 1 MB" in state["errors"][0]["message"]
