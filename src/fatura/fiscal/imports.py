"""The fiscal imports: service orders from the operations system's CSV, and NFS-e from the
issuer's CSV export or the national standard's XML (one document, or a zip of many).

All or nothing: every line or document is checked first, and any error means nothing is
written (``InvalidInput``, 422, listing every error with its line, field and, for XML, file).
What the files look like and the rules: docs/nfse-kpi.md ("## Imports").
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from fatura.core import clock
from fatura.core.errors import DomainError, RuleViolation
from fatura.core.limits import max_unpacked_bytes
from fatura.core.roles import Capability, require
from fatura.core.uploads import upload_discard
from fatura.core.users import User
from fatura.customers.models import Customer
from fatura.eventlog.services import NewEvent, events_record_many
from fatura.fiscal import events
from fatura.fiscal.import_rows import (
    ImportResult,
    OrderRow,
    RowError,
    brl,
    invalid,
    parse_order_rows,
    read_text,
)
from fatura.fiscal.models import ImportStatus, NfseImport, ServiceOrder, ServiceOrderStatus, Source
from fatura.fiscal.nfse_load import nfse_load
from fatura.fiscal.nfse_plan import chunked
from fatura.fiscal.nfse_rows import IncomingCancellation, IncomingNfse, parse_nfse_rows
from fatura.fiscal.nfse_xml import MAX_XML_BYTES, Ignored, looks_like_xml, read_xml

__all__ = ["ImportResult", "nfse_import", "nfse_import_execute", "service_orders_import"]

MAX_ZIP_MEMBERS = 5000
MAX_ZIP_BYTES = 200 * 1024 * 1024  # uncompressed
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


# --- service orders ------------------------------------------------------------------------


def service_orders_import(*, by: User, filename: str, data: bytes) -> ImportResult:
    """Import the service-order CSV. New orders are created; an order already registered is
    left alone when the file says the same, gets its completion/billing dates when the file
    fills dates that were empty, and is an error when anything else differs. Writes "Service
    Order Completed" / "Service Order Billed" for every step the import records."""
    require(by, Capability.RECORD_SERVICE_ORDERS)
    text, errors = read_text(data)
    if errors:
        raise invalid(errors, filename)
    rows, errors = parse_order_rows(text)
    with transaction.atomic():
        orders = _OrderChanges.of(rows, by)
        errors += orders.errors
        if errors:
            raise invalid(errors, filename)
        try:
            with transaction.atomic():  # a concurrent import of the same orders: 409, not 500
                ServiceOrder.objects.bulk_create(orders.new, batch_size=2000)
        except IntegrityError:
            raise RuleViolation(
                "Outra importação gravou as mesmas OS ao mesmo tempo; importe o arquivo de novo."
            ) from None
        ServiceOrder.objects.bulk_update(
            orders.updated, ["completed_at", "billed_at", "status"], batch_size=2000
        )
        events_record_many(orders.steps)
    return ImportResult(
        created=len(orders.new), updated=len(orders.updated), unchanged=orders.unchanged
    )


@dataclass
class _OrderChanges:
    """What a service-order file changes: orders to create, registered orders whose empty
    dates it fills, the events of the new steps, and its errors against the database."""

    new: list[ServiceOrder] = field(default_factory=list)
    updated: list[ServiceOrder] = field(default_factory=list)
    steps: list[NewEvent] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @classmethod
    def of(cls, rows: list[OrderRow], by: User) -> _OrderChanges:
        changes = cls()
        customers = _customers({row.customer_document for row in rows})
        existing = _orders({row.number for row in rows})
        for row in rows:
            customer = customers.get(row.customer_document)
            if customer is None:
                message = f"Cliente {row.customer_document} não cadastrado."
                changes.errors.append(RowError(row.line, "customer_document", message))
                continue
            order = existing.get(row.number)
            if order is None:
                order = _new_order(row, customer)
                changes.new.append(order)
                changes.steps += _order_events(order, by, completed=True, billed=True)
                continue
            differences = _differences(row, order, customer)
            completed = order.completed_at is None and row.completed_at is not None
            billed = order.billed_at is None and row.billed_at is not None
            if differences:
                changes.errors += differences
            elif completed or billed:
                order.completed_at, order.billed_at = row.completed_at, row.billed_at
                order.status = row.status
                changes.updated.append(order)
                changes.steps += _order_events(order, by, completed=completed, billed=billed)
            else:
                changes.unchanged += 1
        return changes


def _customers(documents: Iterable[str]) -> dict[str, Customer]:
    return {
        customer.document: customer
        for part in chunked(documents)
        for customer in Customer.objects.filter(document__in=part)
    }


def _orders(numbers: Iterable[str]) -> dict[str, ServiceOrder]:
    query = ServiceOrder.objects.select_related("customer", "invoice").select_for_update(
        of=("self",)
    )
    return {o.number: o for part in chunked(numbers) for o in query.filter(number__in=part)}


def _new_order(row: OrderRow, customer: Customer) -> ServiceOrder:
    return ServiceOrder(
        number=row.number,
        customer=customer,
        service_type=row.service_type,
        team=row.team,
        value=row.value,
        status=row.status,
        completed_at=row.completed_at,
        billed_at=row.billed_at,
        source=Source.IMPORT,
    )


def _order_events(
    order: ServiceOrder, by: User, *, completed: bool, billed: bool
) -> list[NewEvent]:
    steps = []
    if completed and order.completed_at is not None:
        steps.append(events.order_completed(order, by=by))
    if billed and order.billed_at is not None:
        steps.append(events.order_billed(order, by=by))
    return steps


def _differences(row: OrderRow, order: ServiceOrder, customer: Customer) -> list[RowError]:
    """What the file says differently about a registered order, other than filling its empty
    completion and billing dates."""

    def shown(moment: Any) -> str:
        return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else "vazio"

    found = []
    if order.status == ServiceOrderStatus.CANCELLED:
        found.append(("number", "está cancelada"))
    if order.customer_id != customer.pk:
        found.append(("customer_document", f"é do cliente {order.customer}"))
    for name, label, differs, stored in (
        (
            "service_type",
            "outro tipo de serviço",
            order.service_type != row.service_type,
            order.service_type,
        ),
        ("team", "outra equipe", order.team != row.team, order.team),
        ("value", "outro valor", order.value != row.value, brl(order.value)),
        (
            "completed_at",
            "outra data de conclusão",
            order.completed_at is not None and order.completed_at != row.completed_at,
            shown(order.completed_at),
        ),
        (
            "billed_at",
            "outra data de faturamento",
            order.billed_at is not None and order.billed_at != row.billed_at,
            shown(order.billed_at),
        ),
    ):
        if differs:
            found.append((name, f"já existe com {label}: {stored}"))
    return [RowError(row.line, name, f"A OS {order.number} {text}.") for name, text in found]


# --- NFS-e ---------------------------------------------------------------------------------


def nfse_import(*, by: User, filename: str, data: bytes) -> ImportResult:
    """Import NFS-e: the issuer's CSV export, one national-standard XML document (an NFS-e or
    a cancellation event), or a zip of such XML documents, told apart by their content."""
    require(by, Capability.MANAGE_FISCAL)
    nfses: list[IncomingNfse] = []
    cancellations: list[IncomingCancellation] = []
    ignored = 0
    if data.startswith(ZIP_MAGIC):
        documents, errors = _read_zip(filename, data)
    elif looks_like_xml(data):
        document, errors = read_xml(filename, data)
        documents = [document] if document is not None else []
    else:
        text, errors = read_text(data)
        if not errors:
            nfses, errors = parse_nfse_rows(text)
        documents = []
    if errors:
        raise invalid(errors, filename)
    for document in documents:
        if isinstance(document, IncomingNfse):
            nfses.append(document)
        elif isinstance(document, IncomingCancellation):
            cancellations.append(document)
        else:
            ignored += 1
    return nfse_load(
        by=by, filename=filename, nfses=nfses, cancellations=cancellations, ignored=ignored
    )


def nfse_import_execute(import_id: int) -> NfseImport:
    """The worker's part of an NFS-e zip (:func:`fatura.fiscal.uploads.nfse_import_request`):
    :func:`nfse_import` on the stored file, as its requester, all or nothing; the outcome (the
    counts, or every error) is kept on the import and the file removed. An import already
    started or finished is left alone, so a task delivered twice does no harm."""
    claimed = NfseImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING
    )
    job = NfseImport.objects.select_related("requested_by").get(pk=import_id)
    if not claimed:
        return job
    upload = Path(job.upload)
    try:
        result = nfse_import(by=job.requested_by, filename=job.filename, data=upload.read_bytes())
    except DomainError as exc:
        job.status, job.error, job.errors = ImportStatus.FAILED, exc.message, exc.errors[:2000]
    except Exception as exc:
        job.status, job.error = ImportStatus.FAILED, f"Erro inesperado: {type(exc).__name__}"
        _finish(job, upload)
        raise
    else:
        job.status, job.result = ImportStatus.DONE, asdict(result)
    _finish(job, upload)
    return job


def _finish(job: NfseImport, upload: Path) -> None:
    upload_discard(upload)
    job.upload, job.finished_at = "", clock.now()
    job.save()


def _read_zip(
    filename: str, data: bytes
) -> tuple[list[IncomingNfse | IncomingCancellation | Ignored], list[RowError]]:
    """Every XML member of a zip, read in memory (nothing is extracted to disk). Bounded:
    :data:`MAX_ZIP_MEMBERS` members, :data:`MAX_ZIP_BYTES` uncompressed, no zip inside."""

    def refused(message: str, member: str = "") -> list[RowError]:
        return [RowError(1, "file", message, member or filename)]

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir() and not info.filename.startswith("__MACOSX/")
        ]
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError):
        return [], refused("Zip corrompido ou incompleto.")
    if not members:
        return [], refused("O zip não tem arquivos.")
    if len(members) > MAX_ZIP_MEMBERS:
        return [], refused(f"O zip tem {len(members)} arquivos; o limite é {MAX_ZIP_MEMBERS}.")
    cap = min(MAX_ZIP_BYTES, max_unpacked_bytes())
    too_big = f"O zip descompactado passa de {cap // (1024 * 1024)} MB; divida-o."
    if sum(info.file_size for info in members) > cap:  # what the zip declares
        return [], refused(too_big)
    documents: list[IncomingNfse | IncomingCancellation | Ignored] = []
    errors: list[RowError] = []
    unpacked = 0  # what it really expands to: a member may declare less than it holds
    for info in members:
        name = info.filename
        if name.lower().endswith(".zip"):
            errors += refused("Zip dentro de zip não é aceito.", name)
            continue
        try:
            with archive.open(info) as stream:
                content = stream.read(min(MAX_XML_BYTES, cap - unpacked) + 1)
        except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, OSError):
            errors += refused("Membro do zip ilegível (corrompido ou com senha).", name)
            continue
        unpacked += len(content)
        if unpacked > cap:
            return [], refused(too_big)
        if content.startswith(ZIP_MAGIC):
            errors += refused("Zip dentro de zip não é aceito.", name)
        elif not looks_like_xml(content):
            errors += refused("Não é um arquivo XML (o zip deve conter só XML de NFS-e).", name)
        else:
            document, member_errors = read_xml(name, content)
            errors += member_errors
            if document is not None:
                documents.append(document)
    return documents, errors
