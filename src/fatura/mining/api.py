"""/api/v1/mining: the registry of imported logs and a log's mining summary."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from fatura.core.roles import Capability, require
from fatura.core.schemas import Id, text_in
from fatura.mining.imports import log_import_request
from fatura.mining.models import ImportStatus
from fatura.mining.selectors import (
    mined_log_filter_options,
    mined_log_get,
    mined_log_import_get,
    mined_log_list,
    mined_log_summary,
)
from fatura.mining.services import log_import_progress

router = Router(tags=["mining"])


class MinedLogOut(Schema):
    id: int
    name: str
    source_system: str
    file_format: str
    original_filename: str
    rows: int
    cases: int
    activities: int
    first_event_at: dt.datetime
    last_event_at: dt.datetime
    imported_at: dt.datetime
    imported_by: str
    attribute_schema: list[dict[str, str]]


@router.get("/logs", response=list[MinedLogOut])
def logs(request: HttpRequest) -> list[Any]:
    """The imported logs, newest first (``imported_at`` is the log's LastDataUpdate)."""
    require(request.user, Capability.VIEW)
    return list(mined_log_list())


class LogImportQueuedOut(Schema):
    task: str
    log_id: int


class ImportProgressOut(Schema):
    stage: str
    done: int
    total: int | None = None


class MinedLogStateOut(Schema):
    id: int
    name: str
    status: str
    error: str
    task: str
    progress: ImportProgressOut | None = None
    source_system: str
    file_format: str
    original_filename: str
    rows: int
    cases: int
    activities: int
    first_event_at: dt.datetime | None = None
    last_event_at: dt.datetime | None = None
    imported_at: dt.datetime
    imported_by: str
    attribute_schema: list[dict[str, str]]


UploadFormat = Literal["auto", "xes", "csv", "parquet", "ocel"]  # mining.imports.UPLOAD_FORMATS
LogName = Annotated[str, text_in(200, required=True)]  # MinedLog.name
OPTIONAL_TEXT = Form("")


@router.post("/logs", response={202: LogImportQueuedOut})
def log_import(
    request: HttpRequest,
    file: File[UploadedFile],
    name: Form[LogName],
    format: Form[UploadFormat] = "auto",
    object_type: Annotated[str, text_in(100)] = OPTIONAL_TEXT,
    source_system: Annotated[str, text_in(100)] = OPTIONAL_TEXT,
) -> Status[dict[str, Any]]:
    """Upload an event log (XES, CSV, Parquet, OCEL 2.0; .gz too) to import as ``name``: the
    worker reads it. 202 with the task id and the log's id; ``GET /logs/{log_id}`` follows its
    state (queued, running, ready, failed with the error). Financeiro only."""
    mined = log_import_request(
        by=request.user,
        filename=file.name or "log",
        chunks=file.chunks(),
        name=name,
        fmt=format or "auto",
        object_type=object_type or None,
        source_system=source_system or None,
    )
    return Status(202, {"task": mined.task_id, "log_id": mined.pk})


@router.get("/logs/{log_id}", response=MinedLogStateOut)
def log_get(request: HttpRequest, log_id: Id) -> dict[str, Any]:
    """A log and the state of its import: ``queued`` or ``running`` (with the worker's progress),
    ``ready``, or ``failed`` with the error (nothing of it was stored)."""
    require(request.user, Capability.VIEW)
    mined = mined_log_import_get(log_id)
    progress = None if mined.status == ImportStatus.READY else log_import_progress(mined.pk)
    fields = MinedLogStateOut.model_fields.keys() - {"task", "progress"}
    return {
        **{field: getattr(mined, field) for field in fields},
        "task": mined.task_id,
        "progress": progress,
    }


WhereParam = Annotated[
    list[Annotated[str, Field(max_length=200)]],
    Query(
        max_length=20,
        description="Case filters, all must hold (docs/mining.md): key=value, key!=value, "
        "amount>=N, amount<N, has:Activity, lacks:Activity, from:2026-01-01, to:2026-01-31. "
        "Repeat the parameter for each condition; a bad one is a 422 naming it.",
    ),
]


@router.get("/logs/{log_id}/summary", response=dict[str, Any])
def log_summary(request: HttpRequest, log_id: Id, where: WhereParam = []) -> dict[str, Any]:  # noqa: B006
    """Directly-follows graph, variants, start/end activities and case durations: the JSON of
    ``fatura mine`` for this log (of the cases the ``where`` filters keep)."""
    require(request.user, Capability.VIEW)
    return mined_log_summary(mined_log_get(id=log_id), where=where)


@router.get("/logs/{log_id}/filters", response=dict[str, Any])
def log_filters(request: HttpRequest, log_id: Id) -> dict[str, Any]:
    """What ``where`` can name in this log: each case attribute with its values (text, the 50
    most frequent, and how many there are) or its range (numbers), and the activities."""
    require(request.user, Capability.VIEW)
    return mined_log_filter_options(mined_log_get(id=log_id))
