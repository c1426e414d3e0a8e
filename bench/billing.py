"""Benchmark: the monthly billing run (``month_finalize_all``) against two peers measured in
the same run on the same database: finalizing the customers one by one through
``charge_finalize``, and the same rows written by raw set-based ``INSERT … SELECT`` statements
(``bench/billing_peer.py``, SQL only).

    python bench/billing.py [--customers N] [--lines L] [--peer-sample P] [--label NAME]

Sizes default to ``FATURA_BENCH_CUSTOMERS`` (20000), ``FATURA_BENCH_LINES`` (25 consumption
lines per customer) and ``FATURA_BENCH_PEER`` (500 customers finalized one by one). The
database is ``DATABASE_URL``, or a temporary SQLite file when it is unset; it must be empty
(the benchmark refuses a database with customers, and never uses ``var/fatura.sqlite3``).

Each phase runs in its own process, so its peak memory (``ru_maxrss``) is its own:
``prepare`` (migrate + bulk load, not timed), ``peer`` (one by one, timed), ``sqlpeer`` (the
set-based SQL peer, timed, in a transaction rolled back afterwards, so the run that follows finds
the same database) and ``bulk`` (the billing run, timed). Each timed phase reports its wall time
and its CPU time: the Python process's (user + sys) and, on a PostgreSQL server on this machine,
its backend's (from /proc), since on a shared machine wall times are inflated by the others.
The ratios printed: one-by-one time per customer / billing-run time per customer, and billing
run / SQL peer (wall and CPU); the SQL peer's rows must sum up the same as the run's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
MONTH = "2026-04"  # the billing run's month
PEER_MONTH = "2026-03"  # the one-by-one sample's month
NOW = dt.datetime(2026, 5, 6, 15, 0, tzinfo=dt.UTC)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fatura.settings")
    os.environ["FATURA_DEBUG"] = "0"  # production-like: no query log
    import django

    django.setup()


def _backend_cpu() -> float | None:
    """CPU seconds (user + sys) of this connection's PostgreSQL backend, when it runs on this
    machine and /proc shows it; None otherwise (SQLite runs inside the Python process)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Clock:
    """Wall, Python CPU and backend CPU of a timed section."""

    def __enter__(self) -> _Clock:
        self.backend_start = _backend_cpu()
        self.cpu_start = time.process_time()
        self.wall_start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.wall_start
        self.python_cpu = time.process_time() - self.cpu_start
        end = _backend_cpu()
        start = self.backend_start
        self.backend_cpu = None if end is None or start is None else end - start

    def report(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "python_cpu": self.python_cpu,
            "backend_cpu": self.backend_cpu,
            "cpu": self.python_cpu + (self.backend_cpu or 0),
            "load_average": os.getloadavg(),
        }


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _refuse_unsafe_database() -> None:
    from django.conf import settings
    from django.db import connection

    name = str(settings.DATABASES["default"]["NAME"])
    if connection.vendor == "sqlite" and Path(name).resolve() == ROOT / "var" / "fatura.sqlite3":
        sys.exit("bench: refusing to use var/fatura.sqlite3; set DATABASE_URL to a scratch DB")


# --- phases (each in its own process) ------------------------------------------------------


def phase_prepare(customers: int, lines: int, peer: int) -> dict[str, Any]:
    """Migrate and bulk-load the data (not timed by the benchmark, reported for context)."""
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from fatura.catalog.models import BillingItem, PriceVersion
    from fatura.core.documents import cnpj_with_check_digits
    from fatura.core.roles import FINANCEIRO
    from fatura.customers.models import Customer
    from fatura.usage.models import Consumption

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    if Customer.objects.exists():
        sys.exit("bench: the database already has customers; use an empty scratch database")
    user = User.objects.create(username="bench-financeiro")
    user.groups.add(Group.objects.get(name=FINANCEIRO))
    rng = random.Random(42)
    items = BillingItem.objects.bulk_create(
        BillingItem(name=f"Item {n:02d}", product=f"Produto {n % 5}", unit="GB")
        for n in range(lines)
    )
    versions = []
    for n, item in enumerate(items):  # one to three price versions, so lookups have to choose
        for start in ("2025-01-01", "2025-10-01", "2026-04-01")[: 1 + n % 3]:
            price = Decimal(rng.randrange(1000, 500000)) / 10000
            versions.append(
                PriceVersion(item=item, unit_price=price, valid_from=dt.date.fromisoformat(start))
            )
    PriceVersion.objects.bulk_create(versions)
    batch = 5000
    for first in range(0, customers, batch):
        Customer.objects.bulk_create(
            Customer(
                name=f"Cliente {n:06d} Ltda",
                document=cnpj_with_check_digits(f"{10000000 + n:08d}0001"),
                document_type="CNPJ",
                segment="Varejo",
                region="Sudeste",
                business_unit="Nuvem",
            )
            for n in range(first, min(first + batch, customers))
        )
    customer_ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    step = max(1, customers // peer) if peer else 0
    sample = set(customer_ids[::step][:peer]) if peer else set()
    month = dt.date.fromisoformat(f"{MONTH}-01")
    peer_month = dt.date.fromisoformat(f"{PEER_MONTH}-01")

    def rows(ids: list[int], day: dt.date) -> Any:
        for customer_id in ids:
            for item in items:
                yield Consumption(
                    customer_id=customer_id,
                    month=day,
                    billing_item_id=item.pk,
                    quantity=Decimal(rng.randrange(1, 10_000_000)) / 1000,
                    recorded_by=user,
                    recorded_at=NOW,
                )

    chunk = max(1, 50_000 // max(lines, 1))
    for first in range(0, len(customer_ids), chunk):
        Consumption.objects.bulk_create(rows(customer_ids[first : first + chunk], month), batch)
    Consumption.objects.bulk_create(rows(sorted(sample), peer_month), batch)
    return {
        "phase": "prepare",
        "seconds": time.perf_counter() - started,
        "consumption_rows": Consumption.objects.count(),
        "peer_customer_ids": sorted(sample),
        "peak_rss_mb": _peak_mb(),
    }


def _user() -> Any:
    from django.contrib.auth.models import User

    return User.objects.get(username="bench-financeiro")


def phase_peer(customer_ids: list[int]) -> dict[str, Any]:
    """The peer: the same charges finalized one by one, each in its own transaction."""
    from fatura.billing.services import charge_finalize
    from fatura.core.months import Month
    from fatura.customers.models import Customer
    from fatura.receivables.models import InvoiceLine

    user = _user()
    month = Month.parse(PEER_MONTH)
    customers = list(Customer.objects.filter(pk__in=customer_ids).order_by("pk"))
    baseline = _peak_mb()
    started = time.perf_counter()
    for customer in customers:
        invoice = charge_finalize(
            by=user,
            customer=customer,
            month=month,
            result_center="CR-1001 Comercial Sul",
            ticket="CHG-BENCH",
            total_charged=_total_due(customer, month),
            now=NOW,
        )
    seconds = time.perf_counter() - started
    lines = InvoiceLine.objects.filter(invoice__month=month.first_day).count()
    return {
        "phase": "peer",
        "seconds": seconds,
        "customers": len(customers),
        "invoice_lines": lines,
        "last_invoice": invoice.number if customers else None,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": _peak_mb(),
    }


def _total_due(customer: Any, month: Any) -> Decimal:
    """What a user types as the total to charge: the total due shown on the page (not timed
    separately: it is part of finalizing one by one)."""
    from fatura.billing.selectors import pending_charges

    [pending] = pending_charges(month, customer_id=customer.pk)
    return pending.total_due


def phase_sql_peer() -> dict[str, Any]:
    """The SQL peer: the same rows written set-based, SQL only, then rolled back."""
    from billing_peer import fingerprint, peer_run
    from django.db import connection, transaction

    from fatura.core import clock

    user = _user()
    month = dt.date.fromisoformat(f"{MONTH}-01")
    _backend_cpu()  # connect before the clock starts
    with transaction.atomic():
        with _Clock() as timed:
            invoices = peer_run(
                month=month,
                issue_date=clock.localdate(NOW),
                now=NOW,
                user=user,
                result_center="CR-1000 Faturamento",
                ticket="CHG-BENCH",
            )
        written = fingerprint(month)
        transaction.set_rollback(True)
    if connection.vendor == "postgresql":  # the rolled-back rows are dead: not the run's cost
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {"phase": "sqlpeer", **timed.report(), "customers": invoices, "fingerprint": written}


def phase_bulk() -> dict[str, Any]:
    """The billing run: every pending charge of the month, one transaction."""
    from billing_peer import fingerprint

    from fatura.billing.services import month_finalize_all
    from fatura.core.months import Month
    from fatura.receivables.models import InvoiceLine

    user = _user()
    month = Month.parse(MONTH)
    baseline = _peak_mb()
    with _Clock() as timed:
        invoices = month_finalize_all(
            by=user, month=month, result_center="CR-1000 Faturamento", ticket="CHG-BENCH", now=NOW
        )
    return {
        "phase": "bulk",
        **timed.report(),
        "fingerprint": fingerprint(month.first_day),
        "customers": len(invoices),
        "invoice_lines": InvoiceLine.objects.filter(invoice__month=month.first_day).count(),
        "first_invoice": invoices[0].number,
        "last_invoice": invoices[-1].number,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": _peak_mb(),
    }


def _database() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "select sqlite_version()" if connection.vendor == "sqlite" else "show server_version"
        )
        version = cursor.fetchone()[0]
    return {"vendor": connection.vendor, "version": str(version).split()[0]}


def child(args: argparse.Namespace) -> None:
    _django()
    _refuse_unsafe_database()
    if args.phase == "prepare":
        result = phase_prepare(args.customers, args.lines, args.peer_sample)
        result["database"] = _database()
    elif args.phase == "peer":
        result = phase_peer(json.loads(args.ids))
    elif args.phase == "sqlpeer":
        result = phase_sql_peer()
    else:
        result = phase_bulk()
    print(json.dumps(result))


# --- the driver --------------------------------------------------------------------------


def _run_phase(phase: str, args: argparse.Namespace, env: dict[str, str], *extra: str) -> Any:
    command = [sys.executable, __file__, "--phase", phase, *extra]
    command += ["--customers", str(args.customers), "--lines", str(args.lines)]
    command += ["--peer-sample", str(args.peer_sample)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _same_rows(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """The two fingerprints agree (money sums within a cent per thousand lines: SQLite's SQL
    peer computes with floats)."""
    tolerance = {"total_due": 0.01, "line_amount": 0.01, "line_quantity": 1e-6, "unit_price": 1e-4}
    for key, value in a.items():
        if key in tolerance:
            slack = tolerance[key] * max(1, a["lines"] // 1000)
            if abs(float(value) - float(b.get(key, "nan"))) > slack:
                return False
        elif value != b.get(key):
            return False
    return True


def summarize(
    label: str,
    prep: dict[str, Any],
    peer: dict[str, Any],
    bulk: dict[str, Any],
    lines: int,
    sql: dict[str, Any] | None = None,
) -> dict[str, Any]:
    bulk_per_customer = bulk["seconds"] / bulk["customers"]
    peer_per_customer = peer["seconds"] / peer["customers"] if peer["customers"] else None
    return {
        "label": label,
        "database": prep["database"],
        "size": {"customers": bulk["customers"], "lines_per_customer": lines},
        "consumption_rows": prep["consumption_rows"],
        "prepare_seconds": prep["seconds"],
        "bulk": {
            **bulk,
            "consumption_lines_per_second": bulk["customers"] * lines / bulk["seconds"],
            "invoices_per_second": bulk["customers"] / bulk["seconds"],
            "ms_per_customer": 1000 * bulk_per_customer,
        },
        "peer": {
            **peer,
            "ms_per_customer": 1000 * peer_per_customer if peer_per_customer else None,
            "extrapolated_seconds": peer_per_customer * bulk["customers"]
            if peer_per_customer
            else None,
        },
        "ratio_peer_over_bulk": peer_per_customer / bulk_per_customer
        if peer_per_customer
        else None,
        "sql_peer": {
            **sql,
            "consumption_lines_per_second": sql["customers"] * lines / sql["seconds"],
            "same_rows": _same_rows(sql["fingerprint"], bulk["fingerprint"]),
        }
        if sql
        else None,
        "ratio_bulk_over_sql_peer": bulk["seconds"] / sql["seconds"] if sql else None,
        "cpu_ratio_bulk_over_sql_peer": bulk["cpu"] / sql["cpu"] if sql and sql["cpu"] else None,
    }


def _cells(result: dict[str, Any]) -> list[str]:
    bulk, peer, size = result["bulk"], result["peer"], result["size"]
    return [
        f"{result['label']} ({result['database']['version']})",
        f"{size['customers']:,} x {size['lines_per_customer']}",
        f"{bulk['seconds']:.1f} s",
        f"{bulk['consumption_lines_per_second']:,.0f}",
        f"{bulk['invoices_per_second']:,.0f}",
        f"{bulk['ms_per_customer']:.3f}",
        f"{bulk['peak_rss_mb']:,.0f} MB (from {bulk['baseline_rss_mb']:,.0f})",
        f"{peer['customers']:,} in {peer['seconds']:.1f} s",
        _opt(peer["ms_per_customer"], "{:.3f}"),
        _opt(peer["extrapolated_seconds"], "{:,.0f} s"),
        _opt(result["ratio_peer_over_bulk"], "{:.1f}x"),
        *_sql_cells(result),
        f"{result['prepare_seconds']:.0f} s",
    ]


def _cpu(phase: dict[str, Any]) -> str:
    if "python_cpu" not in phase:
        return "—"
    backend = phase.get("backend_cpu")
    shown = f"{phase['python_cpu']:.1f} s" + (f" + {backend:.1f} s" if backend is not None else "")
    return shown


def _per_cpu(lines: int, phase: dict[str, Any]) -> str:
    """Lines per CPU second (Python + backend): what wall time would give on an idle machine
    where the two do not overlap."""
    return f"{lines / phase['cpu']:,.0f}" if phase.get("cpu") else "—"


def _sql_cells(result: dict[str, Any]) -> list[str]:
    """The billing run's CPU, the SQL peer and the run / peer ratios (— in older results)."""
    bulk, sql = result["bulk"], result.get("sql_peer")
    load = bulk.get("load_average")
    lines = result["size"]["customers"] * result["size"]["lines_per_customer"]
    cells = [_cpu(bulk), _per_cpu(lines, bulk), "—" if not load else f"{load[0]:.1f}"]
    if not sql:
        return [*cells, "—", "—", "—", "—", "—", "—", "—"]
    return [
        *cells,
        f"{sql['seconds']:.1f} s",
        f"{sql['consumption_lines_per_second']:,.0f}",
        _cpu(sql),
        _per_cpu(lines, sql),
        "yes" if sql["same_rows"] else "NO",
        f"{result['ratio_bulk_over_sql_peer']:.2f}x",
        _opt(result["cpu_ratio_bulk_over_sql_peer"], "{:.2f}x"),
    ]


ROW_NAMES = (
    "",
    "customers x consumption lines",
    "billing run: wall time",
    "  consumption lines/s",
    "  invoices/s",
    "  ms per customer",
    "  peak RSS of the process",
    "peer (one by one): sample",
    "  ms per customer",
    "  extrapolated to all customers",
    "RATIO peer / billing run",
    "billing run: CPU python + backend",
    "  consumption lines per CPU second",
    "  load average (1 min) at the end",
    "SQL peer (INSERT … SELECT): wall",
    "  consumption lines/s",
    "  CPU python + backend",
    "  consumption lines per CPU second",
    "  same rows as the billing run",
    "RATIO billing run / SQL peer (wall)",
    "RATIO billing run / SQL peer (CPU)",
    "setup: bulk load (not timed)",
)


def print_table(results: list[dict[str, Any]]) -> None:
    """One column per database: the billing run, its peer and the ratio between them."""
    columns = [list(ROW_NAMES), *(_cells(r) for r in results)]
    widths = [max(len(cell) for cell in column) for column in columns]
    for n, row in enumerate(zip(*columns, strict=True)):
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        print("  ".join(cells))
        if n == 0:
            print("  ".join("-" * width for width in widths))


def _opt(value: float | None, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)


def drive(args: argparse.Namespace) -> Path:
    scratch = tempfile.TemporaryDirectory(prefix="fatura-bench-")
    env = dict(os.environ)
    env["FATURA_DATA_DIR"] = scratch.name  # cache and files: never var/
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{scratch.name}/bench.sqlite3"
    label = args.label or env["DATABASE_URL"].split(":", 1)[0]
    size = f"{args.customers:,} customers x {args.lines} lines"
    print(f"== {label}: {size}, peer sample {args.peer_sample}", flush=True)
    prep = _run_phase("prepare", args, env)
    print(
        f"   loaded {prep['consumption_rows']:,} consumption rows in {prep['seconds']:.0f} s",
        flush=True,
    )
    ids = prep["peer_customer_ids"]
    peer = _run_phase("peer", args, env, "--ids", json.dumps(ids))
    print(f"   peer: {peer['customers']} one by one in {peer['seconds']:.1f} s", flush=True)
    sql = _run_phase("sqlpeer", args, env)
    print(f"   SQL peer: {sql['customers']:,} invoices in {sql['seconds']:.1f} s", flush=True)
    bulk = _run_phase("bulk", args, env)
    print(f"   billing run: {bulk['customers']:,} invoices in {bulk['seconds']:.1f} s", flush=True)
    result = summarize(label, prep, peer, bulk, args.lines, sql)
    result["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    result["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"billing-{label}-{stamp}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print()
    print_table([result])
    print(f"\n   written to {out.relative_to(ROOT)}")
    scratch.cleanup()
    return out


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=_env_int("FATURA_BENCH_CUSTOMERS", 20000))
    parser.add_argument("--lines", type=int, default=_env_int("FATURA_BENCH_LINES", 25))
    parser.add_argument("--peer-sample", type=int, default=_env_int("FATURA_BENCH_PEER", 500))
    parser.add_argument("--label", help="name of this database in the results (default: its kind)")
    parser.add_argument("--report", nargs="+", type=Path, help="print the table of result files")
    parser.add_argument(
        "--phase", choices=["prepare", "peer", "sqlpeer", "bulk"], help=argparse.SUPPRESS
    )
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.report:
        print_table([json.loads(path.read_text()) for path in args.report])
    elif args.phase:
        child(args)
    else:
        args.peer_sample = min(args.peer_sample, args.customers)
        drive(args)


if __name__ == "__main__":
    main()
