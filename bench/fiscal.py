"""Benchmark: the NFS-e-after-billing KPI (``fatura.fiscal.selectors.nfse_after_billing``) over
a million service orders and their NFS-e, against its peer computing the same KPI with Django
ORM queries plus Python (``bench/fiscal_peer.py``), measured in the same run on the same
database.

    python bench/fiscal.py [--orders N] [--label NAME] [--report FILE ...]

Size: ``FATURA_BENCH_FISCAL_ORDERS`` (1000000 service orders, with about as many NFS-e
coverage rows; e.g. 100000 for a quick run). The database is ``DATABASE_URL`` (a temporary
SQLite file when unset); it must be empty: the benchmark refuses one with customers and never
uses ``var/fatura.sqlite3``.

Every step is its own process, so its peak memory (``ru_maxrss``) is its own: ``prepare``
(migrate, generate with NumPy, bulk insert: timed apart, not part of any KPI time), then for
each period (the last month, quarter and year of the data) one process for the KPI and one for
the peer, each computing it without grouping and grouped by customer and by team. Each result
is checked against the other (money and counts equal, lags and rates within 1e-6). The ratio
printed is peer time / KPI time (wall clock); the cpu ratio counts this process's CPU only, so
on PostgreSQL it leaves out the server's work. The table also shows the KPI's own CPU time and
the issue's limits (a month under 2 s, a year under 5 s). Results: bench/results/fiscal-*.json,
with the machine's load average (on a shared machine, other work slows both sides).
``--reuse`` keeps a database the benchmark loaded before (same ``--orders``) instead of
refusing it, so repeated measurements need not load a million orders again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PERIODS = {  # the data is the year 2025 (and the first days of 2026)
    "month": ("2025-12-01", "2025-12-31"),
    "quarter": ("2025-10-01", "2025-12-31"),
    "year": ("2025-01-01", "2025-12-31"),
}
GROUPINGS = (None, "customer", "team", "delay_reason")
TARGETS = {"month": 2.0, "year": 5.0}  # seconds, issue 15 (docs/decisions/0040)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fatura.settings")
    os.environ["FATURA_DEBUG"] = "0"  # production-like: no query log
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _refuse_unsafe_database() -> None:
    from django.conf import settings
    from django.db import connection

    name = str(settings.DATABASES["default"]["NAME"])
    if connection.vendor == "sqlite" and Path(name).resolve() == ROOT / "var" / "fatura.sqlite3":
        sys.exit("bench: refusing to use var/fatura.sqlite3; set DATABASE_URL to a scratch DB")


# --- phases (each in its own process) ------------------------------------------------------


def phase_prepare(orders: int, reuse: bool = False) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection
    from fiscal_data import Generated, load

    from fatura.customers.models import Customer
    from fatura.fiscal.models import Nfse, NfseCoverage, ServiceOrder

    call_command("migrate", verbosity=0, interactive=False)
    if reuse and ServiceOrder.objects.count() == orders:  # a database this benchmark loaded
        generated, result = (
            0.0,
            {
                "seconds": 0.0,
                "customers": Customer.objects.count(),
                "service_orders": orders,
                "nfse": Nfse.objects.count(),
                "coverages": NfseCoverage.objects.count(),
            },
        )
    elif Customer.objects.exists():
        sys.exit("bench: the database already has customers; use an empty scratch database")
    else:
        started = time.perf_counter()
        data = Generated(orders)
        generated = time.perf_counter() - started
        result = load(data)
    with connection.cursor() as cursor:
        cursor.execute(
            "select sqlite_version()" if connection.vendor == "sqlite" else "show server_version"
        )
        version = str(cursor.fetchone()[0]).split()[0]
    return {
        "phase": "prepare",
        "generate_seconds": generated,
        "insert_seconds": result.pop("seconds"),
        **result,
        "database": {"vendor": connection.vendor, "version": version},
        "peak_rss_mb": _peak_mb(),
    }


def phase_measure(side: str, period_name: str, out: str) -> dict[str, Any]:
    """Every grouping of one period, by the KPI (``side="kpi"``) or the peer; documents are
    written to ``out`` for the driver to compare."""
    from fiscal_peer import document, peer_kpi

    from fatura.fiscal.kpi import Period
    from fatura.fiscal.selectors import nfse_after_billing

    start, end = (dt.date.fromisoformat(d) for d in PERIODS[period_name])
    period = Period(start, end)
    # warmed up before the clock starts, on both sides: connected, first query and code run
    day = Period(start, start)
    if side == "kpi":
        nfse_after_billing(day)
    else:
        peer_kpi(day)
    baseline = _peak_mb()
    timings, cpu, documents = {}, {}, {}
    for group_by in GROUPINGS:
        started, started_cpu = time.perf_counter(), time.process_time()
        if side == "kpi":
            result = document(nfse_after_billing(period, group_by=group_by))
        else:
            result = peer_kpi(period, group_by)
        timings[str(group_by)] = time.perf_counter() - started
        cpu[str(group_by)] = time.process_time() - started_cpu
        documents[str(group_by)] = result
    Path(out).write_text(json.dumps(documents))
    return {
        "phase": side,
        "period": period_name,
        "seconds": timings,
        "cpu_seconds": cpu,
        "load_average_1min": os.getloadavg()[0],
        "baseline_rss_mb": baseline,
        "peak_rss_mb": _peak_mb(),
    }


def child(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    _django()
    _refuse_unsafe_database()
    if args.phase == "prepare":
        result = phase_prepare(args.orders, args.reuse)
    else:
        result = phase_measure(args.phase, args.period, args.out)
    print(json.dumps(result))


# --- the driver --------------------------------------------------------------------------


def _run_phase(env: dict[str, str], *extra: str) -> Any:
    command = [sys.executable, __file__, *extra]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"bench: {' '.join(extra)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Where two documents differ: money and counts exactly, floats within 1e-6."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        if ours.keys() != theirs.keys():
            return [f"{path}: keys {sorted(ours)} vs {sorted(theirs)}"]
        return [d for k in ours for d in differences(ours[k], theirs[k], f"{path}.{k}")]
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return [f"{path}: {len(ours)} vs {len(theirs)} items"]
        pairs = enumerate(zip(ours, theirs, strict=True))
        return [d for i, (a, b) in pairs for d in differences(a, b, f"{path}[{i}]")]
    if isinstance(ours, float) and isinstance(theirs, float):
        if math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-6):
            return []
    elif ours == theirs:
        return []
    return [f"{path}: {ours!r} vs {theirs!r}"]


def _compare(kpi_docs: dict[str, Any], peer_docs: dict[str, Any]) -> dict[str, list[str]]:
    return {key: differences(kpi_docs[key], peer_docs[key])[:5] for key in kpi_docs}


def drive(args: argparse.Namespace) -> Path:
    scratch = tempfile.TemporaryDirectory(prefix="fatura-bench-fiscal-")
    env = dict(os.environ)
    env["FATURA_DATA_DIR"] = scratch.name  # cache and files: never var/
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{scratch.name}/bench.sqlite3"
    label = args.label or env["DATABASE_URL"].split(":", 1)[0]
    print(f"== {label}: {args.orders:,} service orders", flush=True)
    reuse = ["--reuse"] if args.reuse else []
    prep = _run_phase(env, "--phase", "prepare", "--orders", str(args.orders), *reuse)
    print(
        f"   generated in {prep['generate_seconds']:.1f} s, inserted {prep['service_orders']:,}"
        f" orders, {prep['nfse']:,} NFS-e, {prep['coverages']:,} coverage rows"
        f" in {prep['insert_seconds']:.1f} s (not timed)",
        flush=True,
    )
    cases = []
    for period in PERIODS:
        runs = {}
        for side in ("kpi", "peer"):
            out = Path(scratch.name) / f"{side}-{period}.json"
            runs[side] = _run_phase(env, "--phase", side, "--period", period, "--out", str(out))
            runs[side]["documents"] = json.loads(out.read_text())
        diffs = _compare(runs["kpi"]["documents"], runs["peer"]["documents"])
        for group_by in GROUPINGS:
            key = str(group_by)
            kpi_s, peer_s = runs["kpi"]["seconds"][key], runs["peer"]["seconds"][key]
            doc = runs["kpi"]["documents"][key]
            case = {
                "period": period,
                "group_by": group_by,
                "nfse_counted": doc["count"],
                "total_value": doc["total_value"],
                "groups": len(doc["groups"]),
                "kpi_seconds": kpi_s,
                "peer_seconds": peer_s,
                "ratio_peer_over_kpi": peer_s / kpi_s,
                "kpi_cpu_seconds": runs["kpi"]["cpu_seconds"][key],
                "peer_cpu_seconds": runs["peer"]["cpu_seconds"][key],
                "load_average_1min": [runs[side]["load_average_1min"] for side in runs],
                "kpi_peak_rss_mb": runs["kpi"]["peak_rss_mb"],
                "peer_peak_rss_mb": runs["peer"]["peak_rss_mb"],
                "equal_results": not diffs[key],
                "differences": diffs[key],
            }
            cases.append(case)
            print(
                f"   {period:7} by {key:12}: KPI {kpi_s:.2f} s (cpu {case['kpi_cpu_seconds']:.2f}"
                f" s), peer {peer_s:.2f} s ({peer_s / kpi_s:.1f}x),"
                f" {'equal' if not diffs[key] else 'DIFFERENT'},"
                f" load {runs['kpi']['load_average_1min']:.1f}",
                flush=True,
            )
    result = {
        "label": label,
        "database": prep["database"],
        "size": {k: prep[k] for k in ("customers", "service_orders", "nfse", "coverages")},
        "generate_seconds": prep["generate_seconds"],
        "insert_seconds": prep["insert_seconds"],
        "prepare_peak_rss_mb": prep["peak_rss_mb"],
        "cases": cases,
        "equal_results": all(c["equal_results"] for c in cases),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_1min": os.getloadavg()[0],
        },
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"fiscal-{label}-{stamp}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print()
    print_table([result])
    print(f"\n   written to {out.relative_to(ROOT)}")
    scratch.cleanup()
    if not result["equal_results"]:
        sys.exit("bench: the KPI and its peer disagree (see the differences in the result file)")
    return out


def _target(case: dict[str, Any]) -> str:
    """The issue's limit for the period, and whether the KPI's wall time kept it."""
    limit = TARGETS.get(case["period"])
    if limit is None:
        return "—"
    return f"< {limit:.0f} s {'ok' if case['kpi_seconds'] < limit else 'OVER'}"


def print_table(results: list[dict[str, Any]]) -> None:
    header = ["database", "orders", "period", "group by", "NFS-e", "KPI", "KPI cpu",
              "target", "peer (ORM)", "RATIO", "cpu ratio", "peak KPI", "peak peer", "load",
              "equal"]  # fmt: skip
    rows = [header]
    for result in results:
        name = f"{result['label']} ({result['database']['version']})"
        for case in result["cases"]:
            rows.append(
                [
                    name,
                    f"{result['size']['service_orders']:,}",
                    case["period"],
                    case["group_by"] or "—",
                    f"{case['nfse_counted']:,}",
                    f"{case['kpi_seconds']:.2f} s",
                    f"{case['kpi_cpu_seconds']:.2f} s",
                    _target(case),
                    f"{case['peer_seconds']:.2f} s",
                    f"{case['ratio_peer_over_kpi']:.1f}x",
                    f"{case['peer_cpu_seconds'] / case['kpi_cpu_seconds']:.1f}x",
                    f"{case['kpi_peak_rss_mb']:,.0f} MB",
                    f"{case['peer_peak_rss_mb']:,.0f} MB",
                    f"{max(case['load_average_1min']):.1f}",
                    "yes" if case["equal_results"] else "NO",
                ]
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        print("  ".join(cells))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    for result in results:
        print(
            f"   {result['label']}: data generated in {result['generate_seconds']:.1f} s and "
            f"bulk-inserted in {result['insert_seconds']:.1f} s (not in the times above)"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--orders",
        type=int,
        default=int(os.environ.get("FATURA_BENCH_FISCAL_ORDERS") or 1_000_000),
        help="service orders to generate",
    )
    parser.add_argument("--label", help="name of this database in the results (default: its kind)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep a database this benchmark already loaded with --orders orders (no reload)",
    )
    parser.add_argument("--report", nargs="+", type=Path, help="print the table of result files")
    parser.add_argument("--phase", choices=["prepare", "kpi", "peer"], help=argparse.SUPPRESS)
    parser.add_argument("--period", choices=list(PERIODS), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.report:
        print_table([json.loads(path.read_text()) for path in args.report])
    elif args.phase:
        child(args)
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        drive(args)


if __name__ == "__main__":
    main()
