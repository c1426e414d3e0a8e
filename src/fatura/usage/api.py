from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from fatura.catalog.selectors import billing_item_get
from fatura.core.errors import InvalidInput
from fatura.core.months import Month
from fatura.core.pagination import DEFAULT_LIMIT, Limit, Offset, page, paged_openapi
from fatura.core.roles import Capability, require
from fatura.core.schemas import Id, MonthField
from fatura.customers.selectors import customer_get
from fatura.usage import selectors, services, uploads
from fatura.usage.models import Consumption
from fatura.usage.schemas import ConsumptionIn, ConsumptionOut, ImportOut

router = Router(tags=["consumption"])


def _out(c: Consumption) -> dict[str, object]:
    return {
        "id": c.pk,
        "customer_id": c.customer_id,
        "month": c.month,
        "billing_item_id": c.billing_item_id,
        "billing_item_name": c.billing_item.name,
        "quantity": c.quantity,
        "source": c.source,
    }


def _month_or_none(text: str | None) -> Month | None:
    if not text:
        return None
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), errors=[{"field": "month", "message": str(exc)}]) from None


@router.post("", response={201: ConsumptionOut})
def consumption_record(request: HttpRequest, payload: ConsumptionIn) -> Status[object]:
    require(request.user, Capability.RECORD_CONSUMPTION)
    consumption = services.consumption_record(
        by=request.user,
        customer=customer_get(payload.customer_id),
        month=Month.parse(payload.month),
        billing_item=billing_item_get(payload.billing_item_id),
        quantity=payload.quantity,
    )
    return Status(201, _out(consumption))


@router.get("", response=list[ConsumptionOut], openapi_extra=paged_openapi())
def consumption_list(
    request: HttpRequest,
    response: HttpResponse,
    customer_id: Id | None = None,
    month: MonthField | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> list[dict[str, object]]:
    """Consumption entries, the latest month first. Paginated (``limit``/``offset``; the total
    in ``X-Total-Count``, the next page in ``Link``)."""
    require(request.user, Capability.VIEW)
    qs = selectors.consumption_list(customer_id=customer_id, month=_month_or_none(month))
    rows = page(qs, request=request, response=response, limit=limit, offset=offset)
    return [_out(c) for c in rows]


# ``int:`` so that "/import" is not taken for an id (it would answer 405 to the upload).
@router.delete("/{int:consumption_id}", response={204: None})
def consumption_delete(request: HttpRequest, consumption_id: Id) -> HttpResponse:
    require(request.user, Capability.RECORD_CONSUMPTION)
    services.consumption_delete(
        by=request.user, consumption=selectors.consumption_get(consumption_id)
    )
    return HttpResponse(status=204)


class VolumeJobQueuedOut(Schema):
    task: str
    import_id: int


class VolumeJobOut(Schema):
    id: int
    filename: str
    status: str = Field(description="queued | running | done | failed")
    task: str
    requested_at: dt.datetime
    finished_at: dt.datetime | None = None
    result: ImportOut | None = Field(None, description="Quando done: o lote importado.")
    error: str
    errors: list[dict[str, Any]] = Field(description="Quando failed: row, field, message")


@router.post("/import", response={201: ImportOut, 202: VolumeJobQueuedOut})
def consumption_import(request: HttpRequest, file: File[UploadedFile]) -> Status[object]:
    """A volume file: all rows or none (422 with every bad row). A large one (over
    FATURA_VOLUME_BACKGROUND_KB, 512 KB by default) is imported by the worker: 202 with the task
    and the import's id, whose state ``GET /consumptions/imports/{import_id}`` shows."""
    data = file.read()
    if uploads.runs_in_background(data):
        job = uploads.volume_job_request(
            by=request.user, filename=file.name or "volumetria.csv", data=data
        )
        return Status(202, {"task": job.task_id, "import_id": job.pk})
    batch = services.volume_file_import(
        by=request.user, filename=file.name or "volumetria.csv", data=data
    )
    return Status(
        201,
        {
            "id": batch.pk,
            "filename": batch.filename,
            "created": batch.rows,
            "items_created": batch.items_created,
        },
    )


@router.get("/imports/{import_id}", response=VolumeJobOut)
def consumption_import_get(request: HttpRequest, import_id: Id) -> dict[str, object]:
    """A large volume file's import: queued, running, done (with the batch) or failed (with
    every bad row; nothing written)."""
    require(request.user, Capability.VIEW)
    job = selectors.volume_job_get(import_id)
    batch = job.batch
    return {
        "id": job.pk,
        "filename": job.filename,
        "status": job.status,
        "task": job.task_id,
        "requested_at": job.requested_at,
        "finished_at": job.finished_at,
        "result": None
        if batch is None
        else {
            "id": batch.pk,
            "filename": batch.filename,
            "created": batch.rows,
            "items_created": batch.items_created,
        },
        "error": job.error,
        "errors": job.errors,
    }
