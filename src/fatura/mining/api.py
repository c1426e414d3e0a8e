"""/api/v1/mining: the registry of imported logs, a log's mining summary and its per-invoice
derived attributes (``/logs/{id}/cases``, also as CSV and Parquet)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from fatura.core.pagination import DEFAULT_LIMIT, Limit, Offset, page_rows, paged_openapi
from fatura.core.roles import Capability, require
from fatura.core.schemas import Id, text_in
from fatura.mining import case_rows
from fatura.mining.imports import log_import_request
from fatura.mining.models import ImportStatus
from fatura.mining.selectors import (
    mined_log_cases,
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


# mining.imports.UPLOAD_FORMATS; an ERP extract (oracle-fusion, netsuite) is a .zip
UploadFormat = Literal["auto", "xes", "csv", "parquet", "ocel", "oracle-fusion", "netsuite"]
AsOf = Annotated[
    str,
    Field(
        max_length=40,
        pattern=r"^(\d{4}-\d{2}-\d{2}([T ][0-9:.]+([+-]\d{2}:?\d{2}|Z))?)?$",
        description="The log as of the end of this date (2024-03-31) or an instant with its "
        "offset: later events are not imported and the KPIs measure open invoices then.",
    ),
]
AutomationUsers = Annotated[
    str,
    Field(
        max_length=500,
        description="Users whose events count as automated besides SYSTEM, comma-separated, "
        "any case.",
    ),
]
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
    as_of: AsOf = OPTIONAL_TEXT,
    automation_users: AutomationUsers = OPTIONAL_TEXT,
) -> Status[dict[str, Any]]:
    """Upload an event log (XES, CSV, Parquet, OCEL 2.0; .gz too), or an ERP extract (Oracle
    Fusion AR or NetSuite CSV exports) as a .zip of its folder, to import as ``name``: the
    worker reads it. 202 with the task id and the log's id; ``GET /logs/{log_id}`` follows its
    state (queued, running, ready, failed with the error). A zip that is not a bounded ERP
    extract (entries, sizes, compression ratio, paths) is a 422 at once. Financeiro only."""
    mined = log_import_request(
        by=request.user,
        filename=file.name or "log",
        chunks=file.chunks(),
        name=name,
        fmt=format or "auto",
        object_type=object_type or None,
        source_system=source_system or None,
        as_of=as_of or None,
        automation_users=[u for u in automation_users.split(",") if u.strip()],
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
    most frequent, and how many there are) or its range (numbers), the activities, and the
    per-invoice derived attributes (``derived``: name -> ``number`` or ``bool``)."""
    require(request.user, Capability.VIEW)
    return mined_log_filter_options(mined_log_get(id=log_id))


class CaseOut(Schema):
    """One invoice (case) and its derived attributes (docs/mining-kpis.md)."""

    case_id: str
    customer: str | None = None
    segment: str | None = None
    business_unit: str | None = None
    billing_department: str | None = None
    region: str | None = None
    country: str | None = None
    collector: str | None = None
    payment_method: str | None = None
    amount: Decimal | None = None
    events: int
    invoice_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    paid_at: dt.datetime | None = None
    paid: bool
    dso_days: float | None = None
    is_paid_on_time: bool | None = None
    days_overdue: int | None = None
    is_rework: bool
    cycle_time_days: float
    invoice_to_cash_days: float | None = None
    posting_lag_days: float | None = None
    disputed: bool
    written_off: bool


CaseSort = Literal[  # mining.case_rows.SORTABLE
    "case_id", "customer", "segment", "business_unit", "billing_department", "region",
    "country", "collector", "payment_method", "amount", "events", "invoice_at", "due_at",
    "paid_at", "paid", "dso_days", "is_paid_on_time", "days_overdue", "is_rework",
    "cycle_time_days", "invoice_to_cash_days", "posting_lag_days", "disputed", "written_off",
]  # fmt: skip
SortOrder = Literal["asc", "desc"]


@router.get("/logs/{log_id}/cases", response=list[CaseOut], openapi_extra=paged_openapi())
def log_cases(
    request: HttpRequest,
    response: HttpResponse,
    log_id: Id,
    where: WhereParam = [],  # noqa: B006
    sort: CaseSort = "case_id",
    order: SortOrder = "asc",
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    """The log's invoices (cases) with their derived attributes: DSO, IsPaidOnTime,
    DaysOverdue, IsRework, InvoiceCycleTime, InvoiceToCashCycleTime, PaymentPostingLag, ...
    ``where`` filters the cases as for the summary and may name a derived attribute
    (``days_overdue>30``, ``is_paid_on_time=false``). Sorted by ``sort`` (nulls last).
    Paginated (``limit``/``offset``; the total in ``X-Total-Count``, the next page in
    ``Link``)."""
    require(request.user, Capability.VIEW)
    table = mined_log_cases(
        mined_log_get(id=log_id), where=where, sort=sort, descending=order == "desc"
    )
    # the page headers (total, next) from the row count; the rows from the Arrow table
    page_rows(range(table.num_rows), request=request, response=response, limit=limit, offset=offset)
    return case_rows.rows(table, offset, limit)


ExportFormat = Literal["csv", "parquet"]


@router.get(
    "/logs/{log_id}/cases/export",
    response={200: None},
    openapi_extra={
        "responses": {
            200: {
                "description": "The whole table (every kept case), as CSV or Parquet.",
                "content": {"text/csv": {}, "application/vnd.apache.parquet": {}},
            }
        }
    },
)
def log_cases_export(
    request: HttpRequest,
    log_id: Id,
    format: ExportFormat = "csv",
    where: WhereParam = [],  # noqa: B006
    sort: CaseSort = "case_id",
    order: SortOrder = "asc",
) -> HttpResponse:
    """The derived-attribute table of ``/logs/{log_id}/cases`` (same ``where`` and sort),
    every row: CSV (UTF-8, comma, a header of the field names; days to 4 places, amounts to
    the cent) or Parquet (the table's own types: instants in UTC, days as float64)."""
    require(request.user, Capability.VIEW)
    table = mined_log_cases(
        mined_log_get(id=log_id), where=where, sort=sort, descending=order == "desc"
    )
    name = f"faturas-log-{log_id}"
    if format == "parquet":
        answer = HttpResponse(
            case_rows.parquet_bytes(table), content_type="application/vnd.apache.parquet"
        )
        answer["Content-Disposition"] = f'attachment; filename="{name}.parquet"'
        return answer
    answer = HttpResponse(case_rows.csv_text(table), content_type="text/csv; charset=utf-8")
    answer["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return answer
