"""Small helpers of the fiscal API tests."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile


def put(api: Any, path: str, body: dict[str, Any]) -> Any:
    """PUT with JSON (tests/conftest.py's ApiClient has no ``put``)."""
    return api.client.put(
        f"/api/v1{path}",
        data=json.dumps(body),
        content_type="application/json",
        headers=api.headers,
    )


def fields(response: Any) -> list[str]:
    """The ``field`` of each error of a 422."""
    return [error["field"] for error in response.json()["errors"]]


def csv_file(name: str, text: str) -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")}
