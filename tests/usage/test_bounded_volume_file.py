"""Bounded volume files (issue 10): a CSV cell over 128 KB or a quote never closed is a 422
naming the row it starts on, through the API and the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

HEADER = "customer_document,month,item,product,unit,unit_price,quantity\n"
ROW = "11222333000181,2026-04,Armazenamento,Cloud,GB,0.35,10\n"


def _file(text: str) -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile("volumetria.csv", text.encode(), content_type="text/csv")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEADER + ROW + "11222333000181,2026-04," + "x" * 140_000 + ",Cloud,GB,1,1\n", "128 KB"),
        (HEADER + ROW + '11222333000181,"2026-04,Cloud,GB,1,1\n' + ROW, "Aspas"),
    ],
)
def test_a_broken_csv_is_422_with_its_row(fin_api: Any, text: str, expected: str) -> None:
    response = fin_api.upload("/consumptions/import", _file(text))
    assert response.status_code == 422, response.content[:300]
    errors = [e for e in response.json()["errors"] if e["field"] == "file"]
    assert [e["row"] for e in errors] == [3]
    assert expected in errors[0]["message"]
