"""/bank-files (import a CNAB 240/400 return file or an OFX statement) and /bank-entries (the
entries kept, the unmatched queue, match by hand, ignore)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from fatura.banking import bank_files, job_queue, jobs, selectors
from fatura.banking.models import BankEntry
from fatura.core.pagination import DEFAULT_LIMIT, Limit, Offset, page, paged_openapi
from fatura.core.roles import Capability, require
from fatura.core.schemas import Id, MoneyOut, text_in
from fatura.receivables.schemas import AllocationIn

router = Router(tags=["bank files"])

FileKind = Literal["cnab240", "cnab400", "ofx"]
EntryStatusCode = Literal["matched", "unmatched", "ignored"]


class BankFileOut(Schema):
    id: int | None = Field(description="O arquivo guardado; null quando já fora importado.")
    kind: FileKind
    entries: int = Field(description="Lançamentos lidos do arquivo.")
    matched: int = Field(description="Lançamentos conciliados agora (pagamento criado).")
    unmatched: int = Field(description="Recebimentos que ficaram pendentes de conciliação.")
    duplicates: int = Field(description="Lançamentos já importados antes (nada mudou).")


class BankEntryOut(Schema):
    id: int
    entry_id: str = Field(description="O id do lançamento no banco (chave de idempotência).")
    file_id: int
    source: FileKind
    kind: str = Field(
        description="payment | registration | rejected | write_off | fee | debit | other"
    )
    movement: str
    status: EntryStatusCode
    credited_on: dt.date | None
    amount: MoneyOut
    interest: MoneyOut
    discount: MoneyOut
    fee: MoneyOut
    bank_code: str
    nosso_numero: str
    txid: str
    payer_document: str
    payer_name: str
    memo: str
    reason: str
    rule: str = Field(description="nosso_numero | txid | amount_document | manual | vazio")
    suggestions: list[str] = Field(description="Faturas sugeridas para conciliar à mão.")
    payment_id: int | None
    line: int


class BankEntryMatchIn(Schema):
    allocations: list[AllocationIn] = Field(min_length=1, max_length=100)


class BankEntryIgnoreIn(Schema):
    reason: Annotated[str, text_in(200, required=True)]


def entry_out(entry: BankEntry) -> dict[str, object]:
    return {
        "id": entry.pk,
        "entry_id": entry.entry_id,
        "file_id": entry.file_id,
        "source": entry.file.kind,
        "kind": entry.kind,
        "movement": entry.movement,
        "status": entry.status,
        "credited_on": entry.credited_on,
        "amount": entry.amount,
        "interest": entry.interest,
        "discount": entry.discount,
        "fee": entry.fee,
        "bank_code": entry.bank_code,
        "nosso_numero": entry.nosso_numero,
        "txid": entry.txid,
        "payer_document": entry.payer_document,
        "payer_name": entry.payer_name,
        "memo": entry.memo,
        "reason": entry.reason,
        "rule": entry.matched_by_rule,
        "suggestions": list(entry.suggestions or []),
        "payment_id": entry.payment_id,
        "line": entry.line,
    }


class BankFileJobQueuedOut(Schema):
    task: str = Field(description="O id da tarefa no worker (django-tasks).")
    import_id: int = Field(description="Acompanhe em GET /bank-files/imports/{import_id}.")


class BankFileProgressOut(Schema):
    stage: Literal["match", "settle"] = Field(
        description="match: lendo e conciliando; settle: criando os pagamentos"
    )
    done: int
    total: int


class BankFileJobOut(Schema):
    id: int
    filename: str
    kind: FileKind
    entries: int = Field(description="Lançamentos lidos do arquivo.")
    status: Literal["queued", "running", "done", "failed"]
    task: str
    requested_at: dt.datetime
    finished_at: dt.datetime | None = None
    progress: BankFileProgressOut | None = Field(
        None, description="Enquanto queued/running: até onde o worker chegou."
    )
    result: BankFileOut | None = Field(None, description="Quando done: as contagens.")
    error: str
    errors: list[dict[str, Any]] = Field(description="Quando failed: line, field, message")


@router.post(
    "/bank-files", response={200: BankFileOut, 201: BankFileOut, 202: BankFileJobQueuedOut}
)
def bank_file_import(request: HttpRequest, file: File[UploadedFile]) -> Status[object]:
    """A CNAB 240 or CNAB 400 return file or an OFX statement (the kind is read from the
    content), read whole first: 422 with the line and field of the first error (nothing
    imported). A file of up to FATURA_BANK_FILE_BACKGROUND_ENTRIES entries (300 by default)
    is imported in the request: 201 with the counts, 200 when this very file had been imported
    (every entry a duplicate, nothing changed). A larger one is imported by the worker: 202
    with the task and the import's id, whose state and progress
    ``GET /bank-files/imports/{import_id}`` shows."""
    require(request.user, Capability.RECORD_PAYMENTS)
    data, name = file.read(), file.name or ""
    parsed = bank_files.bank_file_read(data)
    if job_queue.runs_in_background(parsed):
        job = job_queue.bank_file_job_request(by=request.user, parsed=parsed, data=data, name=name)
        return Status(202, {"task": job.task_id, "import_id": job.pk})
    result = bank_files.bank_file_parsed_import(
        by=request.user, parsed=parsed, data=data, name=name
    )
    body = {
        "id": result.file.pk if result.file else None,
        "kind": result.kind,
        "entries": result.entries,
        "matched": result.matched,
        "unmatched": result.unmatched,
        "duplicates": result.duplicates,
    }
    return Status(201 if result.created else 200, body)


@router.get("/bank-files/imports/{import_id}", response=BankFileJobOut)
def bank_file_job_get(request: HttpRequest, import_id: Id) -> dict[str, object]:
    """A large bank file's import: queued or running (with the worker's progress), done (with
    the counts) or failed (with the error; nothing kept)."""
    require(request.user, Capability.VIEW)
    job = jobs.bank_file_job_get(import_id)
    active = job.status in ("queued", "running")
    result = None
    if job.status == "done":
        result = {
            "id": job.file_id,
            "kind": job.kind,
            "entries": job.entries,
            "matched": job.matched,
            "unmatched": job.unmatched,
            "duplicates": job.duplicates,
        }
    return {
        "id": job.pk,
        "filename": job.filename,
        "kind": job.kind,
        "entries": job.entries,
        "status": job.status,
        "task": job.task_id,
        "requested_at": job.requested_at,
        "finished_at": job.finished_at,
        "progress": jobs.bank_file_job_progress(job.pk) if active else None,
        "result": result,
        "error": job.error,
        "errors": job.errors,
    }


@router.get("/bank-entries", response=list[BankEntryOut], openapi_extra=paged_openapi())
def bank_entry_list(
    request: HttpRequest,
    response: HttpResponse,
    status: EntryStatusCode | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> list[dict[str, object]]:
    """Bank entries, the latest first; ``status=unmatched`` is Financeiro's queue. Paginated
    (``limit``/``offset``; the total in ``X-Total-Count``, the next page in ``Link``)."""
    require(request.user, Capability.VIEW)
    rows = page(
        selectors.bank_entry_list(status=status),
        request=request,
        response=response,
        limit=limit,
        offset=offset,
    )
    return [entry_out(e) for e in rows]


@router.get("/bank-entries/{entry_id}", response=BankEntryOut)
def bank_entry_get(request: HttpRequest, entry_id: Id) -> dict[str, object]:
    require(request.user, Capability.VIEW)
    return entry_out(bank_files.bank_entry_get(entry_id))


@router.post("/bank-entries/{entry_id}/match", response=BankEntryOut)
def bank_entry_match(
    request: HttpRequest, entry_id: Id, payload: BankEntryMatchIn
) -> dict[str, object]:
    """Match a pending entry by hand: its payment is applied to these invoices (of one
    customer); what is left stays as the customer's credit. 409 unless pending."""
    entry = bank_files.bank_entry_match(
        by=request.user,
        entry_id=entry_id,
        allocations=[a.model_dump() for a in payload.allocations],
    )
    return entry_out(entry)


@router.post("/bank-entries/{entry_id}/ignore", response=BankEntryOut)
def bank_entry_ignore(
    request: HttpRequest, entry_id: Id, payload: BankEntryIgnoreIn
) -> dict[str, object]:
    """Take a pending entry out of the queue, with the reason. 409 unless pending."""
    entry = bank_files.bank_entry_ignore(by=request.user, entry_id=entry_id, reason=payload.reason)
    return entry_out(entry)
