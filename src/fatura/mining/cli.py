"""``fatura mine LOG --json OUT``: mine a log file, no database, no Django.

    fatura mine LOG --json OUT [--case C --activity A --timestamp T]
                [--end-timestamp E --resource R] [--engine fast|duckdb|spark]
                [--time-zone ZONE] [--encoding ENC] [--kpis | --no-kpis]
                [--automation-users U1,U2] [--where CONDITION ...]

LOG is .xes, .xes.gz, .csv, .csv.gz or .parquet. OUT is written whole or not at all (a
temporary file renamed into place); ``-`` writes to standard output. Exit status 0, or 2 with
one line on standard error for bad input (naming the file and where in it).

``"kpis"`` is in the document when the log has the order-to-cash activities the invoice KPIs
read (docs/mining-kpis.md): the log is mined first from its standard columns, then read again
with its attributes for the KPIs. ``--no-kpis`` leaves them out (what ``make bench`` times,
as pm4py computes none of them); ``--kpis`` asks for them and says so when the log has none.
``--automation-users``: for a log without ``is_automated``, the users (resources) whose events
are automated, compared without case (default: ``FATURA_AUTOMATION_USERS``, else ``system``).
``--where`` (repeatable, AND): keep the cases that meet every condition before mining — the map,
the variants, the durations and the KPIs all see the same cases (syntax: docs/mining.md,
:mod:`fatura.mining.engine.filters`).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TextIO

ENGINES = ("fast", "duckdb", "spark")  # fatura.mining.engine.ENGINES, without importing it
# fatura.mining.kpis.kpis.is_invoice_log's activities, without importing Ibis
INVOICE_ACTIVITIES = frozenset(
    {"Invoice Created", "Payment Received", "Payment Applied to Invoice"}
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fatura mine",
        description="Directly-follows graph, variants, start/end activities and case durations "
        "of an event log, as JSON.",
    )
    p.add_argument("log", help="the log: .xes, .xes.gz, .csv, .csv.gz or .parquet")
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
        "from:2026-01-01, to:2026-01-31",
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
    from fatura.mining.engine import mine
    from fatura.mining.engine.filters import FilterError, parse
    from fatura.mining.errors import LogError
    from fatura.mining.readers import ColumnMapping, read_log

    started = time.perf_counter()
    mapping = ColumnMapping(
        case=args.case,
        activity=args.activity,
        timestamp=args.timestamp,
        end_timestamp=args.end_timestamp,
        resource=args.resource,
    )
    try:
        where = parse(args.where, zone=args.time_zone)
    except FilterError as error:
        print(f"fatura mine: error: {error}", file=sys.stderr)
        return 2
    try:

        def read(attributes: bool) -> Any:
            return read_log(
                args.log,
                mapping=mapping,
                naive_zone=args.time_zone,
                attributes=attributes,
                encoding=args.encoding,
            )

        log = read(attributes=where.needs_attributes)
        result = mine(log, args.engine, where=where)
        names = frozenset(log.activity_names.to_pylist())
        if not where.needs_attributes:
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
        _write_atomically(Path(args.json), result.write_json)
    seconds = time.perf_counter() - started
    print(
        f"fatura mine: {result.events:,} events, {result.cases:,} cases, "
        f"{len(result.variants):,} variants, {len(result.dfg):,} edges "
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


def _write_atomically(path: Path, write: Callable[[TextIO], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            write(stream)
        os.replace(temporary, path)
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
