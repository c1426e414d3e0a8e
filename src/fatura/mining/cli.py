"""``fatura mine LOG --json OUT``: mine a log file, no database, no Django.

    fatura mine LOG --json OUT [--case C --activity A --timestamp T]
                [--end-timestamp E --resource R] [--engine fast|duckdb|spark]
                [--time-zone ZONE] [--encoding ENC] [--kpis | --no-kpis]
                [--automation-users U1,U2] [--where CONDITION ...] [--as-of DATE]

LOG is .xes, .xes.gz, .csv, .csv.gz or .parquet, or an ERP extract: a folder of Oracle Fusion
AR or NetSuite CSV exports, or a .zip of one (unpacked under bounds to a temporary folder).
OUT is written whole or not at all (a temporary file renamed into place); ``-`` writes to
standard output. Exit status 0, or 2 with one line on standard error for bad input (naming
the file and where in it).

``"kpis"`` is in the document when the log has the order-to-cash activities the invoice KPIs
read (docs/mining-kpis.md): with the fast engine the file is read once, its standard columns
and the few attributes the KPIs use (:data:`KPI_KEYS`); the other engines mine the standard
columns, then read the log again whole for the KPIs. ``--no-kpis`` leaves them out (what
``make bench`` times, as pm4py computes none of them); ``--kpis`` asks for them and says so
when the log has none.
``--automation-users``: for a log without ``is_automated``, the users (resources) whose events
are automated, compared without case (default: ``FATURA_AUTOMATION_USERS``, else ``system``).
``--where`` (repeatable, AND): keep the cases that meet every condition before mining — the map,
the variants, the durations and the KPIs all see the same cases (syntax: docs/mining.md,
:mod:`fatura.mining.engine.filters`); a condition may name a per-invoice derived attribute
(``days_overdue>30``, ``is_paid_on_time=false``: :mod:`fatura.mining.case_table`).
``--as-of DATE``: the log as it stood at the end of DATE (or at an instant with its offset):
later events are ignored and the KPIs' open state is evaluated then (:mod:`fatura.mining.as_of`).

A small XES log (up to 8 MB of XML) with the default engine and neither ``--where`` nor
``--as-of`` is read, mined and measured in plain Python, without NumPy or Arrow, whose imports
cost more than the work (:mod:`fatura.mining.small`; the same document to the byte); a log it
does not read the same way for certain goes to the columnar path. ``FATURA_MINE_SMALL=0``
always takes the columnar path (``make bench`` times both).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

TYPE_CHECKING = False  # typing, pathlib, tempfile: not imported on the way to a small log
if TYPE_CHECKING:
    from typing import Any, NoReturn, TextIO

ENGINES = ("fast", "duckdb", "spark")  # fatura.mining.engine.ENGINES, without importing it
# fatura.mining.kpis.kpis.is_invoice_log's activities, without importing Ibis
INVOICE_ACTIVITIES = frozenset(
    {"Invoice Created", "Payment Received", "Payment Applied to Invoice"}
)
# fatura.mining.kpis.quick.KEYS (tests keep them equal): the attributes the fast KPIs read
KPI_KEYS = (
    "resource",
    "is_automated",
    "discount",
    "unapplied",
    "dunning_level",
    "invoice_date",
    "due_date",
    "call_outcome",
)


def _formatter(prog: str) -> argparse.HelpFormatter:
    """argparse's formatter, told the terminal's width the way ``shutil.get_terminal_size``
    finds it: argparse would import shutil (and bz2, lzma, fnmatch) on every run to ask."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return argparse.HelpFormatter(prog, width=(columns or 80) - 2)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fatura mine",
        description="Directly-follows graph, variants, start/end activities and case durations "
        "of an event log, as JSON.",
        formatter_class=_formatter,
    )
    p.add_argument(
        "log",
        help="the log: .xes, .xes.gz, .csv, .csv.gz or .parquet, or an Oracle Fusion / "
        "NetSuite extract (a folder or a .zip)",
    )
    p.add_argument("--json", required=True, metavar="OUT", help="where to write (- = stdout)")
    p.add_argument("--case", default="case_id", help="CSV/Parquet column of the case id")
    p.add_argument("--activity", default="activity", help="CSV/Parquet column of the activity")
    p.add_argument("--timestamp", default="timestamp", help="CSV/Parquet column of the time")
    p.add_argument("--end-timestamp", help="CSV/Parquet column of the end time (optional)")
    p.add_argument("--resource", help="CSV/Parquet column of the resource (optional)")
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="fast",
        help="fast: the columnar path (default); duckdb / spark: the Ibis expressions",
    )
    p.add_argument(
        "--time-zone",
        help="zone of timestamps without an offset (default: FATURA_TIME_ZONE or "
        "America/Sao_Paulo)",
    )
    p.add_argument("--encoding", default="utf-8", help="CSV text encoding (default utf-8)")
    p.add_argument(
        "--kpis",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="add the invoice KPIs (docs/mining-kpis.md); default: when the log has the "
        "order-to-cash activities",
    )
    p.add_argument(
        "--automation-users",
        metavar="U1,U2",
        help="KPIs of a log without is_automated: users whose events are automated, "
        "comma-separated, any case (default: FATURA_AUTOMATION_USERS or system)",
    )
    p.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="CONDITION",
        help="keep only the cases where CONDITION holds (repeatable, all must hold): "
        "key=value, key!=value, amount>=N, amount<N, has:Activity, lacks:Activity, "
        "from:2026-01-01, to:2026-01-31, or a derived attribute: days_overdue>30, "
        "is_paid_on_time=false",
    )
    p.add_argument(
        "--as-of",
        metavar="DATE",
        help="the log as of the end of DATE (2024-03-31) or an instant with offset: later "
        "events are ignored, open invoices are measured then",
    )
    return p


def entry(argv: list[str]) -> NoReturn:
    """The process entry point (``fatura mine``), called before anything imports Django."""
    args = parser().parse_args(argv)
    if args.engine == "fast":
        _hide_pandas()  # lifted again before the KPIs, which run Ibis
        # Arrow's default pool (mimalloc) returns freed pages to the system at once; with
        # arrays of tens of megabytes made and dropped, the page faults cost more system time
        # than the work. The system allocator keeps them for the next array.
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    sys.exit(run(args))


def main(argv: list[str] | None = None) -> int:
    """In-process form (tests, other code): parse ``argv`` and run; returns the exit status."""
    return run(parser().parse_args(argv))


def run(args: argparse.Namespace) -> int:
    if _small(args):  # a small XES log: plain Python, no NumPy or Arrow (decision 0033)
        from fatura.mining.small import NotSmall

        try:
            return _run_small(args, time.perf_counter())
        except NotSmall:
            pass  # the columnar path reads it
    from fatura.mining.engine import mine
    from fatura.mining.engine.filters import FilterError, parse
    from fatura.mining.errors import LogError
    from fatura.mining.readers import ColumnMapping, read_log

    started = time.perf_counter()
    as_of_us = None
    if args.as_of:
        from fatura.mining.as_of import AsOfError, microseconds, parse_as_of

        try:
            as_of_us = microseconds(parse_as_of(args.as_of, args.time_zone))
        except AsOfError as error:
            print(f"fatura mine: error: {error}", file=sys.stderr)
            return 2
    mapping = ColumnMapping(
        case=args.case,
        activity=args.activity,
        timestamp=args.timestamp,
        end_timestamp=args.end_timestamp,
        resource=args.resource,
    )
    try:
        where = parse(args.where, zone=args.time_zone, as_of_us=as_of_us)
    except FilterError as error:
        print(f"fatura mine: error: {error}", file=sys.stderr)
        return 2
    try:

        def read(attributes: bool | tuple[str, ...]) -> Any:
            if _is_erp(args.log) or args.as_of:
                return _read_table_log(args, mapping)
            return read_log(
                args.log,
                mapping=mapping,
                naive_zone=args.time_zone,
                attributes=attributes,
                encoding=args.encoding,
            )

        # the fast KPIs read the few attributes they use from the log mined: one read of the
        # file (decision 0033, addendum); the other engines read it again whole
        once = args.kpis is not False and args.engine == "fast"
        log = read(attributes=True if where.needs_attributes else (KPI_KEYS if once else False))
        result = mine(log, args.engine, where=where)
        names = frozenset(log.activity_names.to_pylist())
        if not (where.needs_attributes or once):
            log = None  # freed before the KPIs read the log with its attributes (decision 0033)
        if args.kpis is not False and result.cases:
            result = _with_kpis(names, log, read, result, args, where)
    except (LogError, FilterError) as error:
        print(f"fatura mine: error: {error}", file=sys.stderr)
        return 2
    if args.json == "-":
        try:
            result.write_json(sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:  # `fatura mine LOG --json - | head`: the reader left
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    else:
        _write_atomically(args.json, result.write_json)
    seconds = time.perf_counter() - started
    print(
        f"fatura mine: {result.events:,} events, {result.cases:,} cases, "
        f"{len(result.variants):,} variants, {len(result.dfg):,} edges "
        f"({args.engine}, {seconds:.2f} s) -> {args.json}",
        file=sys.stderr,
    )
    return 0


def _small(args: argparse.Namespace) -> bool:
    """Whether :mod:`fatura.mining.small` may try the log (it may still decline)."""
    from fatura.mining.small import SMALL_BYTES

    name = args.log.lower()
    return (
        os.environ.get("FATURA_MINE_SMALL") != "0"  # 0: always the columnar path (make bench)
        and args.engine == "fast"
        and not args.where
        and not getattr(args, "as_of", None)
        and name.endswith((".xes", ".xes.gz"))
        and os.path.isfile(args.log)
        and os.path.getsize(args.log) <= SMALL_BYTES
    )


def _run_small(args: argparse.Namespace, started: float) -> int:
    """``fatura mine`` on a small XES log in plain Python: the same document as the columnar
    path, or :class:`.small.NotSmall` before anything is written."""
    from fatura.mining import small

    # the KPIs' zone is FATURA_TIME_ZONE's, as on the columnar path (--time-zone is the zone of
    # timestamps without an offset, which this path leaves to the columnar one)
    zone = small.default_zone()
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(zone)
        ZoneInfo(args.time_zone or zone)
    except Exception:  # any refusal: the columnar path says what is wrong
        raise small.NotSmall("zone") from None
    log = small.read(args.log, KPI_KEYS)
    document = small.mine(log)
    kpis = None
    if args.kpis is not False and document["cases"]:
        if set(log.activity) & INVOICE_ACTIVITIES:
            from fatura.mining.kpis.smallpath import kpis as small_kpis

            users = args.automation_users or os.environ.get("FATURA_AUTOMATION_USERS") or "system"
            kpis = small_kpis(log, zone, tuple(u.strip() for u in users.split(",") if u.strip()))
        elif args.kpis:
            print("fatura mine: no invoice activities in the log: no kpis", file=sys.stderr)

    def write(stream: TextIO) -> None:
        small.write(document, kpis, stream)

    if args.json == "-":
        try:
            write(sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    else:
        _write_atomically(args.json, write)
    seconds = time.perf_counter() - started
    print(
        f"fatura mine: {document['events']:,} events, {document['cases']:,} cases, "
        f"{len(document['variants']):,} variants, {len(document['dfg']):,} edges "
        f"({args.engine}, {seconds:.2f} s) -> {args.json}",
        file=sys.stderr,
    )
    return 0


def _with_kpis(
    activities: frozenset[str],
    log: Any,
    read: Callable[..., Any],
    result: Any,
    args: argparse.Namespace,
    where: Any,
) -> Any:
    """``result`` with the KPIs of the log read again with its attributes (unless ``log`` has
    them already; the cases ``where`` keeps), when the log has the order-to-cash
    ``activities`` (else unchanged, with a note if they were asked for)."""
    import dataclasses

    if not activities & INVOICE_ACTIVITIES:
        if args.kpis:
            print("fatura mine: no invoice activities in the log: no kpis", file=sys.stderr)
        return result
    from fatura.mining.kpis.values import Options, to_json

    users = args.automation_users or os.environ.get("FATURA_AUTOMATION_USERS") or "system"
    options = Options(automated_resources=tuple(u.strip() for u in users.split(",") if u.strip()))
    if args.as_of:
        import datetime as dt

        from fatura.mining.as_of import parse_as_of

        as_of = parse_as_of(args.as_of, args.time_zone).astimezone(dt.UTC)
        options = dataclasses.replace(options, as_of=as_of)
    full = log if log is not None else read(attributes=True)
    full = where.select(full)
    if args.engine == "fast":  # NumPy only: no Ibis, no DuckDB, no pandas (decision 0033)
        from fatura.mining.kpis.quick import kpis as fast_kpis

        result_kpis = fast_kpis(full, options=options)
    else:
        _show_pandas()
        from fatura.mining.kpis.kpis import kpis

        result_kpis = kpis(full, engine=args.engine, options=options)
    return dataclasses.replace(result, kpis=to_json(result_kpis))


def _is_erp(path: str) -> bool:
    return os.path.isdir(path) or path.lower().endswith(".zip")


def _read_table_log(args: argparse.Namespace, mapping: Any) -> Any:
    """An ERP extract (folder or zip), or any log cut at ``--as-of``, read whole."""
    from fatura.mining.log import EventLog
    from fatura.mining.readers import read_table

    if _is_erp(args.log):
        from fatura.mining.readers.erp_folder import read_erp

        users = args.automation_users
        automation = None if users is None else [u for u in users.split(",") if u.strip()]
        table = read_erp(
            args.log, zone=args.time_zone, encoding=args.encoding, automation=automation
        )
    else:
        table = read_table(
            args.log, mapping=mapping, naive_zone=args.time_zone, encoding=args.encoding
        )
    if args.as_of:
        from fatura.mining.as_of import until
        from fatura.mining.errors import LogError

        table = until(table, args.as_of, args.time_zone)
        if table.num_rows == 0:
            raise LogError(f"no event as of {args.as_of}", args.log)
    return EventLog.from_table(table, name=args.log)


def _write_atomically(name: str, write: Callable[[TextIO], None]) -> None:
    folder, base = os.path.split(os.path.abspath(name))
    os.makedirs(folder, exist_ok=True)
    while True:  # tempfile.mkstemp's way, without importing tempfile (start-up)
        temporary = os.path.join(folder, f".{base}.{os.urandom(6).hex()}")
        try:
            handle = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            write(stream)
        os.replace(temporary, os.path.join(folder, base))
    except BaseException:
        os.unlink(temporary)
        raise


class _NoPandas:
    """A meta-path finder that refuses ``pandas`` (see :func:`_hide_pandas`)."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("pandas is not used by fatura mine's fast path")


def _show_pandas() -> None:
    sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, _NoPandas)]


def _hide_pandas() -> None:
    """pyarrow imports pandas (~0.3 s) the first time it converts anything, only to ask whether
    the object is a pandas one. The fast path never uses pandas, so in the ``fatura mine``
    process it is refused (pyarrow expects the ImportError and carries on without it)."""
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _NoPandas())
