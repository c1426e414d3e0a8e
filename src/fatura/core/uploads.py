"""The request body limit (``FATURA_MAX_UPLOAD_MB``), enforced before anything reads the body.

:class:`UploadLimitMiddleware` runs first: a declared ``Content-Length`` over the limit is
answered 413 without reading a byte; otherwise the body is copied, counting, into a spooled
temporary file (memory up to ``FILE_UPLOAD_MAX_MEMORY_SIZE``, then disk) and cut at the limit,
whatever the header said, so neither Django's form parser, the CSRF check nor the role check of
a view ever reads more than the limit. Over it: 413, the API's JSON error shape under /api/ and a
pt-BR page elsewhere.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from fatura.core.limits import max_upload_bytes, megabytes

if TYPE_CHECKING:
    from django_tasks.base import Task

CHUNK = 64 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class UploadTooLarge(Exception):  # noqa: N818 - named for what it is
    """A request body over the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"body over {limit} bytes")


def too_large_message(limit: int) -> str:
    return _("Arquivo grande demais: o limite de envio é %(limit)s.") % {"limit": megabytes(limit)}


def too_large_response(request: HttpRequest, limit: int) -> HttpResponse:
    """413: JSON ``{"detail": ...}`` for the API, a page for the rest."""
    message = too_large_message(limit)
    if request.path_info.startswith("/api/"):
        body = {"detail": message, "errors": [{"field": "file", "message": message}]}
        response = HttpResponse(
            json.dumps(body), status=413, content_type="application/json; charset=utf-8"
        )
    else:
        page = render_to_string("413.html", {"message": message}, request=request)
        response = HttpResponse(page, status=413)
    response["Connection"] = "close"  # the rest of the body is not read
    return response


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


def bounded_body(request: HttpRequest, limit: int) -> None:
    """Replace the request's input stream by a counted copy of at most ``limit`` bytes; raise
    :class:`UploadTooLarge` past it."""
    source: Any = request._stream
    spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - it becomes the request's stream
        max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, prefix="fatura-body-"
    )
    count = 0
    while True:
        chunk = source.read(min(CHUNK, limit + 1 - count))
        if not chunk:
            break
        count += len(chunk)
        if count > limit:
            spool.close()
            raise UploadTooLarge(limit)
        spool.write(chunk)
    spool.seek(0)
    request._stream = spool  # type: ignore[assignment]
    request.META["CONTENT_LENGTH"] = str(count)
    request._upload_spool = spool  # type: ignore[attr-defined] # closed with the response


class UploadLimitMiddleware:
    """First in MIDDLEWARE (after SecurityMiddleware): see the module's docstring."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = max_upload_bytes()
        if request.method in BODY_METHODS:
            declared = _declared_length(request)
            if declared is None:
                return HttpResponse(_("Content-Length inválido."), status=400)
            if declared > limit:
                return too_large_response(request, limit)
            chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
            if declared or chunked:
                try:
                    bounded_body(request, limit)
                except UploadTooLarge:
                    return too_large_response(request, limit)
        response = self.get_response(request)
        spool = getattr(request, "_upload_spool", None)
        if spool is not None:
            response._resource_closers.append(spool.close)  # type: ignore[attr-defined]
        return response


@contextlib.contextmanager
def upload_stored(
    *, root: Path, filename: str, default: str, data: bytes
) -> Iterator[tuple[str, Path]]:
    """Keep an upload for a background job at ``root/<random>/<its base name>`` and yield
    (name, path); if the block fails (the job was not queued) the folder goes with it."""
    name = Path(filename or default).name or default
    folder = root / secrets.token_hex(16)
    folder.mkdir(parents=True)
    path = folder / name
    try:
        path.write_bytes(data)
        yield name, path
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(folder)
        raise


J = TypeVar("J", bound=Model)


def upload_job_queue(
    *,
    model: type[J],
    task: Task[[int], Any],
    root: Path,
    filename: str,
    default: str,
    data: bytes,
    **fields: Any,
) -> J:
    """Keep an upload (:func:`upload_stored`) and queue ``task`` for the job row made of it, in
    one transaction: ``model`` has ``filename``, ``upload`` and ``task_id``; ``fields`` are its
    other columns. Nothing is kept when queuing fails."""
    max_length = getattr(model._meta.get_field("filename"), "max_length", None) or 255
    with (
        upload_stored(root=root, filename=filename, default=default, data=data) as (name, path),
        transaction.atomic(),
    ):
        job = model._default_manager.create(filename=name[:max_length], upload=str(path), **fields)
        result = task.enqueue(job.pk)
        model._default_manager.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def upload_discard(path: Path) -> None:
    """Remove an upload kept by :func:`upload_stored` once its job has read it (and its folder,
    when empty)."""
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()
