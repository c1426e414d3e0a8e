"""Bounded uploads (issue 10): a body over FATURA_MAX_UPLOAD_MB is refused with 413 before
anything reads it (the form parser, the CSRF check, the role check); a multipart body without a
boundary or without its file part is a 400/422, never a 500."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from fatura.core.uploads import UploadLimitMiddleware

API_UPLOADS = [
    "/api/v1/consumptions/import",
    "/api/v1/service-orders/import",
    "/api/v1/nfse/import",
    "/api/v1/mining/logs",
]
PAGE_UPLOADS = [
    "/consumo/importar/",
    "/fiscal/ordens/importar/",
    "/fiscal/nfse/importar/",
    "/mineracao/importar/",
]
MB = 1024 * 1024


@pytest.fixture
def small_limit(settings: Any) -> None:
    settings.FATURA_MAX_UPLOAD_MB = 1


@pytest.fixture
def fin_page(fin_user: Any) -> Client:
    client = Client()
    client.force_login(fin_user)
    return client


def _big_file(name: str = "big.csv") -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile(name, b"a" * (MB + 10), content_type="text/csv")}


@pytest.mark.parametrize("path", API_UPLOADS)
def test_an_api_upload_over_the_limit_is_413_json(fin_api: Any, small_limit: None, path: str):
    response = fin_api.upload(path.removeprefix("/api/v1"), _big_file())
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert "1 MB" in response.json()["detail"]


@pytest.mark.parametrize("path", API_UPLOADS)
def test_the_limit_comes_before_the_role_check(ops_api: Any, small_limit: None, path: str):
    assert ops_api.upload(path.removeprefix("/api/v1"), _big_file()).status_code == 413


@pytest.mark.parametrize("path", PAGE_UPLOADS)
def test_a_page_upload_over_the_limit_is_a_413_page(fin_page: Client, small_limit: None, path):
    response = fin_page.post(path, {"file": _big_file()["file"], "arquivo": _big_file()["file"]})
    assert response.status_code == 413
    assert "Arquivo grande demais" in response.content.decode()


def test_a_declared_length_over_the_limit_is_refused_unread(small_limit: None) -> None:
    reads: list[int] = []

    class Body(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            reads.append(size or -1)
            return super().read(size)

    request = RequestFactory().post("/api/v1/nfse/import", b"x", content_type="text/plain")
    request.META["CONTENT_LENGTH"] = str(5 * MB)
    request._stream = Body(b"x")  # type: ignore[attr-defined]
    response = UploadLimitMiddleware(lambda r: HttpResponse("view"))(request)
    assert response.status_code == 413
    assert reads == []


@pytest.mark.parametrize("header", [None, "10"])
def test_a_body_without_or_with_a_false_length_is_cut_while_read(
    small_limit: None, header: str | None
) -> None:
    """What a server may hand over with Transfer-Encoding: chunked or a lying header: the bytes
    are counted as they come and the request stops at the limit."""
    request = RequestFactory().post("/mineracao/importar/", b"", content_type="text/plain")
    request.META.pop("CONTENT_LENGTH", None)
    if header:
        request.META["CONTENT_LENGTH"] = header
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    stream = io.BytesIO(b"a" * (3 * MB))
    request._stream = stream  # type: ignore[attr-defined]
    seen: list[HttpRequest] = []
    response = UploadLimitMiddleware(lambda r: seen.append(r) or HttpResponse())(request)
    assert response.status_code == 413
    assert seen == []
    assert stream.tell() <= MB + 64 * 1024  # read no further than the limit (and one chunk)


def test_a_body_under_the_limit_reaches_the_view_whole(small_limit: None) -> None:
    request = RequestFactory().post("/x", b"abc" * 1000, content_type="text/plain")
    seen: list[bytes] = []
    UploadLimitMiddleware(lambda r: seen.append(r.body) or HttpResponse())(request)
    assert seen == [b"abc" * 1000]


@pytest.mark.parametrize("path", API_UPLOADS)
def test_an_api_multipart_without_a_boundary_is_400(fin_api: Any, path: str) -> None:
    response = fin_api.client.generic(
        "POST", path, b"hello", content_type="multipart/form-data", headers=fin_api.headers
    )
    assert response.status_code == 400
    assert "boundary" in response.json()["detail"]


@pytest.mark.parametrize("path", API_UPLOADS)
def test_an_api_multipart_without_the_file_part_is_422(fin_api: Any, path: str) -> None:
    body = b'--xyz\r\nContent-Disposition: form-data; name="name"\r\n\r\nabc\r\n--xyz--\r\n'
    multipart = "multipart/form-data; boundary=xyz"
    response = fin_api.client.generic(
        "POST", path, body, content_type=multipart, headers=fin_api.headers
    )
    assert response.status_code == 422
    assert "file" in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("path", PAGE_UPLOADS)
def test_a_page_multipart_without_a_boundary_or_file_is_not_a_500(fin_page: Client, path) -> None:
    response = fin_page.generic("POST", path, b"hello", content_type="multipart/form-data")
    assert response.status_code == 400
    body = b'--xyz\r\nContent-Disposition: form-data; name="nome"\r\n\r\nabc\r\n--xyz--\r\n'
    response = fin_page.generic(
        "POST", path, body, content_type="multipart/form-data; boundary=xyz"
    )
    assert response.status_code == 422
