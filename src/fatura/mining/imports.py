"""An uploaded log, imported by the worker: the request stores the file under
``DATA_DIR/uploads/logs/<random>/`` and creates the log as ``queued`` (its name is taken from
then on), and the task (:mod:`fatura.mining.tasks`) reads it
(:func:`fatura.mining.services.log_import_execute`). The page and the API follow the log's state
(``queued`` → ``running`` → ``ready`` | ``failed``) and the worker's progress.

An ERP extract (Oracle Fusion AR or NetSuite CSV exports) is uploaded as a ``.zip`` of its
folder: the request checks what the zip declares (entries, sizes, ratios, paths:
:func:`fatura.mining.readers.erp_folder.check_zip`) and refuses it with a 422 before queuing;
the worker unpacks it under the same bounds, counting the bytes really written."""

from __future__ import annotations

import contextlib
import secrets
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.db import transaction

from fatura.core import clock
from fatura.core.errors import InvalidInput
from fatura.core.limits import max_unpacked_bytes
from fatura.core.roles import Capability, require
from fatura.core.users import User
from fatura.mining.errors import LogError
from fatura.mining.models import ImportStatus, MinedLog
from fatura.mining.services import (
    checked_format,
    clean_name,
    extra_options,
    refuse_taken,
    source_system_label,
)
from fatura.mining.tasks import log_import_task
from fatura.mining.timestamps import default_zone

UPLOAD_FORMATS = ("auto", "xes", "csv", "parquet", "ocel", "oracle-fusion", "netsuite")
ERP_FORMATS = ("oracle-fusion", "netsuite")  # uploaded as a .zip of the extract's folder


def log_import_request(
    *,
    by: User,
    filename: str,
    chunks: Iterable[bytes],
    name: str,
    fmt: str = "auto",
    object_type: str | None = None,
    source_system: str | None = None,
    as_of: str | None = None,
    automation_users: Sequence[str] = (),
) -> MinedLog:
    """Queue the import of an uploaded log file (Financeiro). 422 for a name, format or object
    type that cannot work, 409 for a name in use; the file is read by the worker."""
    require(by, Capability.IMPORT_LOGS)
    name = clean_name(name)
    original = Path(filename or "log").name or "log"  # the readers tell the format by its name
    if fmt not in UPLOAD_FORMATS:
        message = f"unknown format {fmt!r}; use {', '.join(UPLOAD_FORMATS)}"
        raise InvalidInput(message, errors=[{"field": "format", "message": message}])
    zipped = original.lower().endswith(".zip")
    if fmt in ERP_FORMATS and not zipped:
        message = "an ERP extract is uploaded as a .zip of its folder of CSV exports"
        raise InvalidInput(message, errors=[{"field": "file", "message": message}])
    kind = fmt if zipped else checked_format(Path(original), fmt, object_type)
    zone = default_zone()
    extra = extra_options(as_of, automation_users, zone)
    folder = MinedLog.upload_dir() / secrets.token_hex(16)
    folder.mkdir(parents=True)
    path = folder / original
    try:
        with path.open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
        if zipped:
            kind = _zip_kind(path, fmt)
        with transaction.atomic():
            refuse_taken(name)
            options: dict[str, Any] = {"zone": zone, **extra}
            if object_type:
                options["object_type"] = object_type
            mined = MinedLog.objects.create(
                name=name,
                status=ImportStatus.QUEUED,
                source_system=source_system or source_system_label(kind, object_type),
                file_format=kind,
                original_filename=original,
                imported_at=clock.now(),
                imported_by=str(by.get_username()),
                storage="",
                upload=str(path),
                options=options,
            )
            result = log_import_task.enqueue(mined.pk)
            MinedLog.objects.filter(pk=mined.pk).update(task_id=str(result.id))
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(folder)
        raise
    mined.refresh_from_db()
    return mined


def _zip_kind(path: Path, fmt: str) -> str:
    """The ERP source of an uploaded zip (422 for one that is not a bounded ERP extract, or
    the other source than ``fmt`` asks for)."""
    from fatura.mining.readers.erp_folder import check_zip, zip_kind

    try:
        check_zip(path, max_unpacked_bytes())
        kind = zip_kind(path)
    except LogError as error:
        raise InvalidInput(str(error), errors=[{"field": "file", "message": str(error)}]) from None
    if fmt not in ("auto", kind):
        message = f"the zip holds a {kind} extract, not {fmt}"
        raise InvalidInput(message, errors=[{"field": "format", "message": message}])
    return kind
