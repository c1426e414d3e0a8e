"""Writes of the mining app: importing a log into the registry.

:func:`log_import` reads a file with the engine's readers (XES, CSV, Parquet, OCEL 2.0),
writes the canonical table to a temporary Parquet file beside its final place, and then, in one
transaction, creates the :class:`MinedLog` row, renames the file to ``DATA_DIR/logs/<id>.parquet``
and records the *Event Log Imported* event. Any error leaves nothing behind: no row, no file.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.core.cache import cache
from django.db import IntegrityError, transaction

from fatura.core import clock
from fatura.core.errors import DomainError, InvalidInput, RuleViolation
from fatura.core.limits import max_unpacked_bytes
from fatura.core.roles import Capability, require
from fatura.core.uploads import upload_discard
from fatura.core.users import User
from fatura.eventlog.services import event_record
from fatura.mining.errors import LogError
from fatura.mining.log import ACTIVITY, CASE, EVENT_INDEX, TIMESTAMP, EventLog
from fatura.mining.models import ImportStatus, LogFormat, MinedLog
from fatura.mining.readers import ColumnMapping, log_format, read_table
from fatura.mining.timestamps import default_zone

LOG_IMPORTED = "Event Log Imported"
OCEL_SUFFIXES = (
    *(".jsonocel", ".json", ".jsonocel.gz", ".json.gz"),
    *(".xmlocel", ".xml", ".xmlocel.gz", ".xml.gz"),
)
WRITE_BATCH_ROWS = 200_000
NAME_MAX = 200  # MinedLog.name
ERP_FORMATS = (LogFormat.ORACLE_FUSION.value, LogFormat.NETSUITE.value)

# progress(stage, done, total): stage "read" (done = rows read) or "write" (rows written)
Progress = Callable[[str, int, int | None], None]


def detect_format(path: str | Path) -> str:
    """The format of a log file from its name: xes, csv, parquet or ocel."""
    from fatura.mining.readers.erp_folder import find_extract, zip_kind

    folder = Path(path)
    if folder.is_dir():  # an ERP extract: a folder of CSV exports, told apart by its tables
        return find_extract(folder)[1]
    name = str(path).lower()
    if name.endswith(".zip"):  # an ERP extract zipped (tables told apart by name)
        return zip_kind(folder)
    if name.endswith(OCEL_SUFFIXES):
        return LogFormat.OCEL.value
    try:
        return log_format(path)
    except LogError as error:
        raise LogError(
            f"{error.message}, or .jsonocel / .json / .xmlocel / .xml (.gz) for OCEL 2.0 "
            "(or give --format)",
            error.source,
        ) from None


def log_import(
    path: str | Path,
    *,
    name: str,
    fmt: str = "auto",
    mapping: ColumnMapping | None = None,
    zone: str | None = None,
    object_type: str | None = None,
    source_system: str | None = None,
    encoding: str = "utf-8",
    by: User | str | None = None,
    progress: Progress | None = None,
    as_of: str | None = None,
    automation_users: Sequence[str] = (),
) -> MinedLog:
    """Import the log at ``path`` as ``name`` (unique). Raises :class:`RuleViolation` (409) for
    a name in use and :class:`InvalidInput` (422) for a file that cannot be read, naming the
    file and where in it. ``by`` a user: Financeiro only (403 otherwise); ``None`` is the
    command line, run by whoever operates the server. ``as_of``: the log as of the end of that
    date (or an instant with offset; :mod:`fatura.mining.as_of`): later events are not stored
    and the KPIs measure open invoices then. ``automation_users``: users whose events count as
    automated besides ``system`` (:mod:`fatura.mining.automation`)."""
    if by is not None and not isinstance(by, str):
        require(by, Capability.IMPORT_LOGS)
    name = clean_name(name)
    refuse_taken(name)
    source = Path(path)
    kind = checked_format(source, fmt, object_type)
    zone = zone or default_zone()
    extra = extra_options(as_of, automation_users, zone)
    table, log = _read_checked(
        source, kind, mapping, zone, object_type, encoding, progress, extra=extra
    )
    directory = MinedLog.storage_dir()
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary_name = tempfile.mkstemp(prefix=".import-", suffix=".parquet", dir=directory)
    os.close(handle)
    temporary = Path(temporary_name)
    final: Path | None = None  # set once the file is renamed into place
    try:
        _write_parquet(table, temporary, progress)
        with transaction.atomic():
            mined = MinedLog.objects.create(
                name=name,
                source_system=source_system or source_system_label(kind, object_type),
                file_format=kind,
                original_filename=source.name,
                rows=log.events,
                cases=log.cases,
                activities=len(log.activity_names),
                first_event_at=_instant(int(log.timestamps.min())),
                last_event_at=_instant(int(log.timestamps.max())),
                imported_at=clock.now(),
                imported_by=_user_name(by),
                storage="",
                attribute_schema=attribute_schema(table.schema),
                options=_options(mapping if kind in ("csv", "parquet") else None, zone, object_type)
                | extra,
            )
            target = directory / f"{mined.pk}.parquet"
            mined.storage = str(target)
            mined.save(update_fields=["storage"])
            event_record(
                case_id=f"mined-log:{mined.pk}",
                activity=LOG_IMPORTED,
                user=by,
                attributes={
                    "name": name,
                    "file_format": kind,
                    "rows": mined.rows,
                    "cases": mined.cases,
                    "filename": source.name,
                },
            )
            os.replace(temporary, target)
            final = target
    except IntegrityError:
        _remove(temporary, final)
        raise RuleViolation(f"a log named {name!r} already exists") from None
    except BaseException:
        _remove(temporary, final)
        raise
    return mined


def clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("a log needs a name", errors=[{"field": "name", "message": "empty"}])
    if len(name) > NAME_MAX:
        message = f"at most {NAME_MAX} characters"
        raise InvalidInput(f"name: {message}", errors=[{"field": "name", "message": message}])
    return name


def checked_format(source: Path, fmt: str, object_type: str | None) -> str:
    """The format to read ``source`` with (``fmt``, or from its name for "auto"); 422 for an
    unknown one, or OCEL without an object type."""
    try:
        kind = detect_format(source) if fmt == "auto" else fmt
    except LogError as error:
        raise InvalidInput(str(error), errors=[{"field": "file", "message": str(error)}]) from None
    if kind not in LogFormat.values:
        raise InvalidInput(f"unknown format {fmt!r}; use auto, {', '.join(LogFormat.values)}")
    if kind == LogFormat.OCEL and not object_type:
        raise InvalidInput(
            "an OCEL 2.0 log is flattened on one object type: give the object type",
            errors=[{"field": "object_type", "message": "required for OCEL"}],
        )
    return kind


def _read_checked(
    source: Path,
    kind: str,
    mapping: ColumnMapping | None,
    zone: str,
    object_type: str | None,
    encoding: str,
    progress: Progress | None,
    *,
    extra: dict[str, Any] | None = None,
) -> tuple[pa.Table, EventLog]:
    """The canonical table and the ordered log, or 422 naming the file and where in it.
    ``extra``: the stored ``as_of`` and ``automation_users`` (:func:`_extra_options`)."""
    extra = extra or {}
    users = extra.get("automation_users")
    try:
        table = _read(source, kind, mapping, zone, object_type, encoding, users)
        if users and kind not in ERP_FORMATS:
            from fatura.mining.automation import with_automation_users

            table = with_automation_users(table, users)
        if extra.get("as_of"):
            from fatura.mining.as_of import until

            table = until(table, str(extra["as_of"]), zone)
            if table.num_rows == 0:
                raise LogError(f"no event as of {extra['as_of']}", str(source))
        if progress:
            progress("read", table.num_rows, table.num_rows)
        return table, EventLog.from_table(table, name=str(source))
    except LogError as error:
        raise InvalidInput(str(error)) from None


def _progress_key(log_id: int) -> str:
    return f"mining-import:{log_id}:progress"


def log_import_progress(log_id: int) -> dict[str, Any] | None:
    """What the worker last said about an import: ``{"stage", "done", "total"}``."""
    value = cache.get(_progress_key(log_id))
    return dict(value) if value else None


def log_import_execute(log_id: int) -> MinedLog:
    """The worker's part of an upload (:func:`fatura.mining.imports.log_import_request`): read
    the stored file, write the Parquet dataset and mark the log ready, in one transaction with
    its *Event Log Imported* event; or mark it failed with the error, leaving no dataset and no
    event. The uploaded file is removed either way. A log already started or finished is left
    alone, so a task delivered twice does no harm."""
    claimed = MinedLog.objects.filter(pk=log_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING
    )
    mined = MinedLog.objects.get(pk=log_id)
    if not claimed:
        return mined
    upload = Path(mined.upload)

    def progress(stage: str, done: int, total: int | None) -> None:
        cache.set(_progress_key(log_id), {"stage": stage, "done": done, "total": total}, 86400)

    options = mined.options or {}
    mapping = ColumnMapping(**options["mapping"]) if options.get("mapping") else None
    extra = {k: options[k] for k in ("as_of", "automation_users") if options.get(k)}
    try:
        kind = mined.file_format
        table, log = _read_checked(
            upload,
            kind,
            mapping,
            str(options.get("zone") or default_zone()),
            options.get("object_type"),
            str(options.get("encoding") or "utf-8"),
            progress,
            extra=extra,
        )
        _store(mined, table, log, progress)
    except DomainError as error:  # the file's name, not where the server kept it
        _failed(mined, error.message.replace(str(upload), mined.original_filename))
    except Exception as error:
        _failed(mined, f"Erro inesperado: {type(error).__name__}")
        raise
    finally:
        _remove_upload(upload)
    return mined


def _store(mined: MinedLog, table: pa.Table, log: EventLog, progress: Progress) -> None:
    directory = MinedLog.storage_dir()
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary_name = tempfile.mkstemp(prefix=".import-", suffix=".parquet", dir=directory)
    os.close(handle)
    temporary = Path(temporary_name)
    target = directory / f"{mined.pk}.parquet"
    final: Path | None = None
    try:
        _write_parquet(table, temporary, progress)
        with transaction.atomic():
            MinedLog.objects.filter(pk=mined.pk).update(
                status=ImportStatus.READY,
                error="",
                upload="",
                storage=str(target),
                rows=log.events,
                cases=log.cases,
                activities=len(log.activity_names),
                first_event_at=_instant(int(log.timestamps.min())),
                last_event_at=_instant(int(log.timestamps.max())),
                imported_at=clock.now(),
                attribute_schema=attribute_schema(table.schema),
            )
            event_record(
                case_id=f"mined-log:{mined.pk}",
                activity=LOG_IMPORTED,
                user=mined.imported_by,
                attributes={
                    "name": mined.name,
                    "file_format": mined.file_format,
                    "rows": log.events,
                    "cases": log.cases,
                    "filename": mined.original_filename,
                },
            )
            os.replace(temporary, target)
            final = target
    except BaseException:
        _remove(temporary, final)
        raise
    mined.refresh_from_db()


def _failed(mined: MinedLog, message: str) -> None:
    MinedLog.objects.filter(pk=mined.pk).update(
        status=ImportStatus.FAILED, error=message[:10_000], upload=""
    )
    mined.refresh_from_db()


def _remove_upload(upload: Path) -> None:
    if upload.name:
        upload_discard(upload)


def log_delete(*, log: MinedLog) -> None:
    """Remove a log from the registry and its Parquet dataset."""
    path = log.path
    with transaction.atomic():
        log.delete()
    path.unlink(missing_ok=True)


def attribute_schema(schema: pa.Schema) -> list[dict[str, str]]:
    """The attribute columns (not the roles) with their Arrow type and XES type, if known."""
    out = []
    for field in schema:
        if field.name in (CASE, ACTIVITY, TIMESTAMP, EVENT_INDEX):
            continue
        entry = {"name": field.name, "type": str(field.type)}
        xes = (field.metadata or {}).get(b"xes:type")
        if xes:
            entry["xes_type"] = xes.decode()
        out.append(entry)
    return out


def _read(
    source: Path,
    kind: str,
    mapping: ColumnMapping | None,
    zone: str,
    object_type: str | None,
    encoding: str,
    automation_users: Sequence[str] | None = None,
) -> pa.Table:
    cap = max_unpacked_bytes()
    if kind == LogFormat.OCEL:
        from fatura.mining.readers.ocel import read_ocel

        return read_ocel(source, object_type=str(object_type), naive_zone=zone, max_unpacked=cap)
    if kind in ERP_FORMATS:  # a folder, or a zip of one (unpacked under bounds)
        from fatura.mining.readers.erp_folder import read_erp

        return read_erp(
            source,
            zone=zone,
            encoding=encoding,
            automation=automation_users or None,
            kind=kind,
            max_unpacked=cap,
        )
    if log_format_matches(source, kind):
        return read_table(
            source, mapping=mapping, naive_zone=zone, encoding=encoding, max_unpacked=cap
        )
    raise LogError(f"the file name does not end like a {kind} file", str(source))


def log_format_matches(source: Path, kind: str) -> bool:
    try:
        return log_format(source) == kind
    except LogError:
        return False


def _write_parquet(table: pa.Table, path: Path, progress: Progress | None) -> None:
    import pyarrow.parquet as pq

    table = table.drop_columns([EVENT_INDEX]) if EVENT_INDEX in table.column_names else table
    with pq.ParquetWriter(str(path), table.schema) as writer:
        for start in range(0, table.num_rows, WRITE_BATCH_ROWS):
            writer.write_table(table.slice(start, WRITE_BATCH_ROWS))
            if progress:
                done = min(start + WRITE_BATCH_ROWS, table.num_rows)
                progress("write", done, table.num_rows)


def refuse_taken(name: str) -> None:
    """409 for a name in use; a failed import gives its name back."""
    MinedLog.objects.filter(name=name, status=ImportStatus.FAILED).delete()
    if MinedLog.objects.filter(name=name).exists():
        raise RuleViolation(f"a log named {name!r} already exists; pick another name")


def _remove(temporary: Path, final: Path | None) -> None:
    """After a failure: the temporary file, and the final one if it was renamed into place
    before the transaction failed to commit."""
    temporary.unlink(missing_ok=True)
    if final is not None:
        final.unlink(missing_ok=True)


def _instant(microseconds: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=microseconds)


def source_system_label(kind: str, object_type: str | None) -> str:
    label = LogFormat(kind).label
    if kind == LogFormat.OCEL:
        return f"{label} ({object_type})"
    if kind in {LogFormat.ORACLE_FUSION, LogFormat.NETSUITE}:
        return label
    return f"{label} file"


def _options(mapping: ColumnMapping | None, zone: str, object_type: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {"zone": zone}
    if mapping is not None:
        options["mapping"] = {k: v for k, v in asdict(mapping).items() if v}
    if object_type:
        options["object_type"] = object_type
    return options


def extra_options(as_of: str | None, automation_users: Sequence[str], zone: str) -> dict[str, Any]:
    """The ``as_of`` and ``automation_users`` options, checked (422 for a bad date)."""
    extra: dict[str, Any] = {}
    if as_of:
        from fatura.mining.as_of import AsOfError, parse_as_of

        try:
            parse_as_of(as_of, zone)
        except AsOfError as error:
            raise InvalidInput(
                str(error), errors=[{"field": "as_of", "message": str(error)}]
            ) from None
        extra["as_of"] = as_of.strip()
    users = [u.strip() for u in automation_users if u.strip()]
    if users:
        extra["automation_users"] = users
    return extra


def as_of_moment(options: dict[str, Any]) -> dt.datetime | None:
    """The instant a log imported ``--as-of`` is measured at (None: its last event)."""
    if not options.get("as_of"):
        return None
    from fatura.mining.as_of import parse_as_of

    return parse_as_of(str(options["as_of"]), options.get("zone")).astimezone(dt.UTC)


def _user_name(user: User | str | None) -> str:
    if user is None:
        return "system"
    if isinstance(user, str):
        return user
    return str(user.get_username())
