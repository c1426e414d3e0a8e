"""``fatura export-log NAME|fatura --format csv|parquet|xes OUT``: write an imported log, or
Fatura's own event log (``fatura``), as a file pm4py, Celonis or Disco read.

    fatura export-log NAME --format csv|parquet|xes OUT
    fatura export-log fatura --format xes OUT [--invoices-only] [--activity-prefix P]
                      [--since YYYY-MM-DD] [--until YYYY-MM-DD]

OUT is written whole or not at all; ``.xes.gz`` is compressed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from fatura.core.errors import DomainError
from fatura.mining.selectors import OWN_LOG, event_log_by_name
from fatura.mining.writers import WRITE_FORMATS, write_log


class Command(BaseCommand):
    help = "Export an imported log, or Fatura's own event log ('fatura'), to CSV, Parquet or XES."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help=f"the log's name, or {OWN_LOG!r} for Fatura's own log")
        parser.add_argument("out", help="the file to write")
        parser.add_argument("--format", required=True, choices=WRITE_FORMATS)
        parser.add_argument("--invoices-only", action="store_true", help="own log: FAT-* cases")
        parser.add_argument("--activity-prefix", help="own log: activities starting with this")
        parser.add_argument("--since", help="own log: from this date (YYYY-MM-DD)")
        parser.add_argument("--until", help="own log: before this date (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        filters: dict[str, Any] = {}
        if options["name"] == OWN_LOG:
            filters = {
                "invoices_only": options["invoices_only"],
                "activity_prefix": options["activity_prefix"],
                "since": _day(options["since"], "--since"),
                "until": _day(options["until"], "--until"),
            }
        try:
            log = event_log_by_name(options["name"], **filters)
        except DomainError as error:
            raise CommandError(error.message) from None
        path = write_log(log, options["out"], options["format"])
        self.stdout.write(
            f"exported {options['name']!r}: {log.events:,} events, {log.cases:,} cases -> {path}"
        )


def _day(text: str | None, option: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))
