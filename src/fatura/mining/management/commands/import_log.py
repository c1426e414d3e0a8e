"""``fatura import-log PATH --name N``: import an event log file into the registry.

    fatura import-log PATH --name N [--format auto|xes|csv|parquet|ocel|oracle-fusion|netsuite]
    (PATH may be a folder: an Oracle Fusion AR or NetSuite extract of CSV exports, or a .zip
    of one)
                      [--case C --activity A --timestamp T --end-timestamp E --resource R]
                      [--object-type T] [--time-zone Z] [--encoding ENC]
                      [--source-system S] [--user U]
                      [--as-of DATE] [--automation-users U1,U2]

``--as-of``: the log as of the end of DATE (2024-03-31) or an instant with its offset; later
events are not stored and the KPIs measure open invoices then (fatura.mining.as_of).
``--automation-users``: users whose events count as automated besides SYSTEM, any case
(fatura.mining.automation).

A progress bar on standard error (rows read, then rows written); nothing is left behind on an
error (exit status 1 with one line naming the file and where in it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from fatura.core.errors import DomainError
from fatura.mining.automation import split_users
from fatura.mining.models import LogFormat
from fatura.mining.readers import ColumnMapping
from fatura.mining.services import log_import


class ProgressBar:
    """``write 1,200,000 / 2,000,000 rows [#########.......]`` redrawn in place on stderr."""

    def __init__(self, stream: OutputWrapper, width: int = 30) -> None:
        self.stream = stream
        self.width = width

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        label = {"read": "read ", "write": "write"}.get(stage, stage)
        if total:
            filled = round(self.width * done / total)
            bar = "#" * filled + "." * (self.width - filled)
            text = f"\r{label} {done:,} / {total:,} rows [{bar}]"
        else:
            text = f"\r{label} {done:,} rows"
        self.stream.write(text, ending="\n" if total and done >= total else "")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import an event log (XES, CSV, Parquet, OCEL 2.0) into the registry of logs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the log file")
        parser.add_argument("--name", required=True, help="the log's name (unique)")
        parser.add_argument(
            "--format", default="auto", choices=["auto", *LogFormat.values], help="default: by name"
        )
        parser.add_argument("--case", default="case_id", help="CSV/Parquet column of the case")
        parser.add_argument("--activity", default="activity", help="CSV/Parquet activity column")
        parser.add_argument("--timestamp", default="timestamp", help="CSV/Parquet time column")
        parser.add_argument("--end-timestamp", help="CSV/Parquet end-time column (optional)")
        parser.add_argument("--resource", help="CSV/Parquet resource column (optional)")
        parser.add_argument("--object-type", help="OCEL: the object type whose objects are cases")
        parser.add_argument("--time-zone", help="zone of timestamps without an offset")
        parser.add_argument("--encoding", default="utf-8", help="CSV text encoding")
        parser.add_argument("--source-system", help="where the log comes from (e.g. 'SAP ECC')")
        parser.add_argument("--user", help="who imports it (default: system)")
        parser.add_argument(
            "--as-of",
            help="the log as of the end of this date (2024-03-31) or an instant with offset: "
            "later events are ignored",
        )
        parser.add_argument(
            "--automation-users",
            metavar="U1,U2",
            help="users whose events are automated besides SYSTEM (comma-separated, any case)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        mapping = ColumnMapping(
            case=options["case"],
            activity=options["activity"],
            timestamp=options["timestamp"],
            end_timestamp=options["end_timestamp"],
            resource=options["resource"],
        )
        progress = ProgressBar(self.stderr)
        try:
            log = log_import(
                options["path"],
                name=options["name"],
                fmt=options["format"],
                mapping=mapping,
                zone=options["time_zone"],
                object_type=options["object_type"],
                source_system=options["source_system"],
                encoding=options["encoding"],
                by=options["user"],
                progress=progress,
                as_of=options["as_of"],
                automation_users=split_users(options["automation_users"]),
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"imported {log.name!r} (id {log.pk}): {log.rows:,} events, {log.cases:,} cases, "
            f"{log.activities:,} activities, {log.first_event_at:%Y-%m-%d} .. "
            f"{log.last_event_at:%Y-%m-%d} -> {log.storage}"
        )
