"""Benchmark: ``fatura mine`` against pm4py computing the same outputs from the same file, in the
same run: a real log (XES) and generated invoice logs of 1M and 5M events (Parquet).

    python bench/mining.py [--events 1000000,5000000] [--real FILE] [--repeat N] [--label NAME]

Sizes default to ``FATURA_BENCH_MINING_EVENTS`` (``1000000,5000000``; e.g. ``100000`` for a
quick run); the real log is ``../shared/data/bpic2020-domestic-declarations.xes.gz``. The
generated logs (``fatura.mining.synthetic``: an order-to-cash process with loops, ties and
one-event cases, rows in time order) are written to a temporary folder, not timed.

Each side is one subprocess, timed from start to exit (start-up and imports included):

- fatura: ``fatura mine LOG --json OUT --no-kpis`` (the default engine, the columnar fast
  path; the generated logs are invoice logs, on which ``fatura mine`` would add the invoice
  KPIs by default, which pm4py does not compute: they are left out so both sides compute the
  same document);
- pm4py: ``pm4py.read_xes`` (or ``pandas.read_parquet`` of the same three columns), then
  ``pm4py.format_dataframe``, ``discover_dfg``, ``discover_performance_dfg``,
  ``get_variants``, ``get_all_case_durations`` and the activity counts, written as the same
  JSON document.

Peak memory is each subprocess's own ``ru_maxrss`` (``os.wait4``); the driver stays small (logs
are generated and measured in child processes too), because on Linux a child's ``ru_maxrss``
starts from its parent's resident size at ``fork``. The two documents are then
compared (counts equal, durations within 1e-6 relative) and the result says whether they are.
Results: bench/results/mining-*.json, and a table. The machine's load average is recorded too:
on a shared machine, other work slows both sides.

Two more tables (decision 0033): the KPI cost, ``fatura mine LOG --kpis`` (the default on an
invoice log) against the bare run of the same run, wall, CPU and peak RSS of both and their
ratios (goal: at most 2.5x the CPU and under 1 GB at 5M events); and the start-up, the fastest
of five runs of ``python -c pass``, the columnar path's imports, ``fatura mine --help``,
``fatura mine receipt.xes.gz`` and ``fatura mine`` on a generated 12,500-event invoice log in
XES (KPIs by default; goal under 0.2 s), each also with ``FATURA_MINE_SMALL=0`` (the columnar
path) beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
REAL_LOG = ROOT.parent / "shared" / "data" / "bpic2020-domestic-declarations.xes.gz"
FATURA = ROOT / ".venv" / "bin" / "fatura"
REL = 1e-6
STARTUP_EVENTS = 12_500  # the small log: start-up under 0.2 s (decision 0033)


# --- the peer (run as its own process: python bench/mining.py --peer LOG OUT) ---------------


def peer(log: str, out: str) -> None:
    """pm4py, as its documentation shows, producing fatura mine's document."""
    import warnings

    warnings.simplefilter("ignore")
    import pandas as pd
    import pm4py

    if log.endswith((".xes", ".xes.gz")):
        frame = pm4py.read_xes(log)
        keys: dict[str, str] = {}
    else:
        frame = pd.read_parquet(log, columns=["case_id", "activity", "timestamp"])
        keys = {"case_id": "case_id", "activity_key": "activity", "timestamp_key": "timestamp"}
    frame = pm4py.format_dataframe(frame, **keys)
    dfg, starts, ends = pm4py.discover_dfg(frame)
    performance, _, _ = pm4py.discover_performance_dfg(frame)
    variants = pm4py.get_variants(frame)
    durations = sorted(pm4py.get_all_case_durations(frame))
    activities = pm4py.get_event_attribute_values(frame, "concept:name")

    def by_count(counts: dict[Any, Any]) -> dict[str, int]:
        items = ((str(k), int(v)) for k, v in counts.items())
        return dict(sorted(items, key=lambda i: (-i[1], i[0])))

    n = len(durations)
    document = {
        "cases": int(frame["case:concept:name"].nunique()),
        "events": len(frame),
        "activities": by_count(activities),
        "dfg": [
            {
                "source": a,
                "target": b,
                "count": int(count),
                "mean_seconds": float(performance[(a, b)]["mean"]),
                "median_seconds": float(performance[(a, b)]["median"]),
            }
            for (a, b), count in sorted(dfg.items(), key=lambda i: (-i[1], i[0]))
        ],
        "start_activities": by_count(starts),
        "end_activities": by_count(ends),
        "variants": [
            {"activities": list(v), "count": int(c)}
            for v, c in sorted(variants.items(), key=lambda i: (-i[1], i[0]))
        ],
        "case_durations": {
            "mean_seconds": sum(durations) / n,
            "median_seconds": (durations[(n - 1) // 2] + durations[n // 2]) / 2,
            "min_seconds": durations[0],
            "max_seconds": durations[-1],
        },
    }
    Path(out).write_text(json.dumps(document))


# --- measuring ----------------------------------------------------------------------------------


def measured(command: list[str], scratch: Path) -> dict[str, Any]:
    """Run ``command``; its wall time and its own peak RSS (not the sum over children)."""
    stdout, stderr = scratch / "stdout", scratch / "stderr"
    load = os.getloadavg()[0]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.exit(f"bench: {' '.join(command)} failed:\n{stderr.read_text()[-2000:]}")
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # KiB on Linux
        "load_average_1min": load,
        "stderr_tail": stderr.read_text().strip().splitlines()[-1:],
    }


def same_document(ours: dict[str, Any], theirs: dict[str, Any]) -> tuple[bool, str]:
    for key in ("cases", "events", "activities", "start_activities", "end_activities"):
        if ours[key] != theirs[key]:
            return False, f"{key} differ"
    if ours["variants"] != theirs["variants"]:
        return False, "variants differ"
    edges = {(e["source"], e["target"]): e for e in theirs["dfg"]}
    if [(e["source"], e["target"], e["count"]) for e in ours["dfg"]] != [
        (e["source"], e["target"], e["count"]) for e in theirs["dfg"]
    ]:
        return False, "dfg edges or counts differ"
    for edge in ours["dfg"]:
        other = edges[(edge["source"], edge["target"])]
        for key in ("mean_seconds", "median_seconds"):
            if not math.isclose(edge[key], other[key], rel_tol=REL, abs_tol=1e-9):
                return False, f"dfg {key} differs on {edge['source']} -> {edge['target']}"
    for key, value in ours["case_durations"].items():
        if not math.isclose(value, theirs["case_durations"][key], rel_tol=REL, abs_tol=1e-9):
            return False, f"case_durations.{key} differs"
    return True, "equal"


def columnar_mb(log: str) -> None:
    """(A child process.) Size of the log in columns as the engine holds it: per event an int32
    case code, an int32 activity code and an int64 timestamp, plus the case and activity
    names."""
    from fatura.mining.readers import read_log

    columns = read_log(log, attributes=False)
    names = columns.case_names.nbytes + columns.activity_names.nbytes
    print(json.dumps((columns.events * 16 + names) / 2**20))


def generate(events: int, path: str) -> None:
    """(A child process.) A generated log of ``events`` events as Parquet."""
    import pyarrow.parquet as pq

    from fatura.mining.synthetic import generate_events

    pq.write_table(generate_events(events, seed=42), path)


def generate_xes(events: int, path: str) -> None:
    """(A child process.) A generated invoice log of ``events`` events as XES (the start-up
    figures: a small log, on which ``fatura mine`` adds the KPIs by default)."""
    from fatura.mining.log import EventLog
    from fatura.mining.synthetic import generate_events
    from fatura.mining.writers import write_log

    write_log(EventLog.from_table(generate_events(events, seed=7)), path, "xes")


def child(*args: str) -> str:
    command = [sys.executable, __file__, *args]
    return subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout


def bench_log(name: str, log: Path, scratch: Path, repeat: int) -> dict[str, Any]:
    ours_json, theirs_json = scratch / "fatura.json", scratch / "pm4py.json"
    runs: dict[str, list[dict[str, Any]]] = {"fatura": [], "pm4py": []}
    for _ in range(repeat):
        command = [str(FATURA), "mine", str(log), "--json", str(ours_json), "--no-kpis"]
        runs["fatura"].append(measured(command, scratch))
        print(f"   fatura mine: {runs['fatura'][-1]['seconds']:.2f} s", flush=True)
        command = [sys.executable, __file__, "--peer", str(log), str(theirs_json)]
        runs["pm4py"].append(measured(command, scratch))
        print(f"   pm4py:       {runs['pm4py'][-1]['seconds']:.2f} s", flush=True)
    kpi_runs: list[dict[str, Any]] = []
    if not name.startswith("real"):  # the generated logs are invoice logs: fatura mine's default
        for _ in range(repeat):
            command = [str(FATURA), "mine", str(log), "--json", str(scratch / "k.json"), "--kpis"]
            kpi_runs.append(measured(command, scratch))
            print(f"   fatura mine with KPIs: {kpi_runs[-1]['seconds']:.2f} s", flush=True)
    ours = json.loads(ours_json.read_text())
    equal, detail = same_document(ours, json.loads(theirs_json.read_text()))
    fatura_s = statistics.median(r["seconds"] for r in runs["fatura"])
    pm4py_s = statistics.median(r["seconds"] for r in runs["pm4py"])
    fatura_cpu = statistics.median(r["cpu_seconds"] for r in runs["fatura"])
    pm4py_cpu = statistics.median(r["cpu_seconds"] for r in runs["pm4py"])
    fatura_mb = max(r["peak_rss_mb"] for r in runs["fatura"])
    pm4py_mb = max(r["peak_rss_mb"] for r in runs["pm4py"])
    return {
        "log": name,
        "file": log.name,
        "file_mb": log.stat().st_size / 2**20,
        "columnar_mb": json.loads(child("--columnar", str(log))),
        "events": ours["events"],
        "cases": ours["cases"],
        "variants": len(ours["variants"]),
        "edges": len(ours["dfg"]),
        "fatura_seconds": fatura_s,
        "pm4py_seconds": pm4py_s,
        "ratio_pm4py_over_fatura": pm4py_s / fatura_s,
        "fatura_cpu_seconds": fatura_cpu,
        "pm4py_cpu_seconds": pm4py_cpu,
        "cpu_ratio_pm4py_over_fatura": pm4py_cpu / fatura_cpu,
        "fatura_peak_rss_mb": fatura_mb,
        "pm4py_peak_rss_mb": pm4py_mb,
        "memory_fatura_over_pm4py": fatura_mb / pm4py_mb,
        "load_average_1min": [r["load_average_1min"] for side in runs.values() for r in side],
        "equal_results": equal,
        "comparison": detail,
        "runs": runs,
        **kpi_cost(runs["fatura"], kpi_runs),
    }


def kpi_cost(bare: list[dict[str, Any]], with_kpis: list[dict[str, Any]]) -> dict[str, Any]:
    """fatura mine with its KPIs (the default on an invoice log) against the bare run of the
    same run: ratios of wall time, CPU time and peak RSS (goal: <= 2.5x, < 1 GB at 5M)."""
    if not with_kpis:
        return {}
    seconds = statistics.median(r["seconds"] for r in with_kpis)
    cpu = statistics.median(r["cpu_seconds"] for r in with_kpis)
    mb = max(r["peak_rss_mb"] for r in with_kpis)
    bare_s = statistics.median(r["seconds"] for r in bare)
    bare_cpu = statistics.median(r["cpu_seconds"] for r in bare)
    bare_mb = max(r["peak_rss_mb"] for r in bare)
    return {
        "kpis_seconds": seconds,
        "kpis_cpu_seconds": cpu,
        "kpis_peak_rss_mb": mb,
        "kpis_over_bare_seconds": seconds / bare_s,
        "kpis_over_bare_cpu": cpu / bare_cpu,
        "kpis_over_bare_rss": mb / bare_mb,
        "kpi_runs": with_kpis,
    }


def startup(repeat: int, invoices: Path | None = None) -> dict[str, Any]:
    """Start-up of ``fatura mine`` in this run beside ``python -c pass`` and the imports the
    columnar path cannot do without (NumPy, PyArrow and its compute module): the fastest of
    ``repeat`` runs each (wall and CPU seconds; the least disturbed by the machine's other
    work) and the largest peak RSS. ``invoices``: a small generated invoice log (XES), mined
    as users run it (plain-Python path, KPIs by default) and with ``FATURA_MINE_SMALL=0`` (the
    columnar path), side by side."""
    small = ROOT.parent / "shared" / "data" / "receipt.xes.gz"
    columnar = {**os.environ, "FATURA_MINE_SMALL": "0"}
    commands: dict[str, Any] = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import numpy, pyarrow, pyarrow.compute": [
            sys.executable,
            "-c",
            "import numpy, pyarrow, pyarrow.compute",
        ],
        "fatura mine --help": [str(FATURA), "mine", "--help"],
    }
    if small.exists():
        out = Path(tempfile.gettempdir()) / f"fatura-bench-startup-{os.getpid()}.json"
        commands[f"fatura mine {small.name}"] = [
            str(FATURA),
            "mine",
            str(small),
            "--json",
            str(out),
        ]
        commands[f"fatura mine {small.name}, columnar path"] = (
            commands[f"fatura mine {small.name}"],
            columnar,
        )
    if invoices is not None:
        out = Path(tempfile.gettempdir()) / f"fatura-bench-startup-{os.getpid()}-kpis.json"
        command = [str(FATURA), "mine", str(invoices), "--json", str(out)]
        commands[f"fatura mine {invoices.name} (KPIs)"] = command
        commands[f"fatura mine {invoices.name} (KPIs), columnar path"] = (command, columnar)
    figures: dict[str, Any] = {}
    for name, command in commands.items():
        command, env = command if isinstance(command, tuple) else (command, None)
        walls, cpus, peaks = [], [], []
        for _ in range(repeat):
            started = time.perf_counter()
            process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
            )
            _, _, usage = os.wait4(process.pid, 0)
            walls.append(time.perf_counter() - started)
            cpus.append(usage.ru_utime + usage.ru_stime)
            peaks.append(usage.ru_maxrss / 1024)
        figures[name] = {
            "seconds": min(walls),
            "cpu_seconds": min(cpus),
            "peak_rss_mb": max(peaks),
            "load_average_1min": os.getloadavg()[0],
        }
    base = figures["python -c pass"]
    for figure in figures.values():
        figure["over_python_seconds"] = figure["seconds"] / base["seconds"]
    return figures


def print_startup(figures: dict[str, Any]) -> None:
    print(
        "\n   start-up (fastest run of each; wall / CPU (goal < 0.2 s on the 12.5k-event log) /"
        " peak RSS; wall ratio to python -c pass; load average):"
    )
    for name, f in figures.items():
        print(
            f"   {name:62s} {f['seconds']:.3f} s / {f['cpu_seconds']:.3f} s CPU"
            f" / {f.get('peak_rss_mb', 0):,.0f} MB  {f['over_python_seconds']:.1f}x"
            f"  load {f.get('load_average_1min', 0):.1f}"
        )


def print_kpi_cost(results: list[dict[str, Any]]) -> None:
    rows = [r for r in results if "kpis_seconds" in r]
    if not rows:
        return
    print(
        "\n   KPIs vs bare fatura mine (same run; wall / CPU / peak RSS; goal <= 2.5x CPU and"
        " < 1 GB at 5M events):"
    )
    for r in rows:
        print(
            f"   {r['log']:30s} bare {r['fatura_seconds']:.2f} s / {r['fatura_cpu_seconds']:.2f} s"
            f" CPU / {r['fatura_peak_rss_mb']:,.0f} MB"
            f" | KPIs {r['kpis_seconds']:.2f} s / {r['kpis_cpu_seconds']:.2f} s CPU"
            f" / {r['kpis_peak_rss_mb']:,.0f} MB"
            f" | x{r['kpis_over_bare_cpu']:.2f} CPU, x{r['kpis_over_bare_seconds']:.2f} wall,"
            f" x{r['kpis_over_bare_rss']:.2f} peak RSS"
        )


# --- the driver ---------------------------------------------------------------------------------


def drive(args: argparse.Namespace) -> Path:
    results = []
    with tempfile.TemporaryDirectory(prefix="fatura-bench-mining-") as folder:
        scratch = Path(folder)
        logs: list[tuple[str, Path]] = []
        if args.real and Path(args.real).exists():
            logs.append((f"real: {Path(args.real).name}", Path(args.real)))
        for events in args.events:
            path = scratch / f"generated-{events}.parquet"
            print(f"== generating {events:,} events -> {path.name}", flush=True)
            child("--generate", str(events), str(path))
            logs.append((f"generated {events:,} (Parquet)", path))
        for name, path in logs:
            print(f"== {name}", flush=True)
            results.append(bench_log(name, path, scratch, args.repeat))
        print("== start-up", flush=True)
        invoices = scratch / f"invoices-{STARTUP_EVENTS}.xes"
        child("--generate-xes", str(STARTUP_EVENTS), str(invoices))
        starting = startup(max(args.repeat, 5), invoices)
    report = {
        "label": args.label,
        "results": results,
        "startup": starting,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"mining-{args.label}-{stamp}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print_table(results)
    print_kpi_cost(results)
    print_startup(starting)
    print(f"\n   written to {out.relative_to(ROOT)}")
    return out


def print_table(results: list[dict[str, Any]]) -> None:
    header = ["log", "events", "variants", "fatura mine", "pm4py", "ratio", "cpu ratio",
              "columnar", "peak fatura", "peak pm4py", "mem ratio", "equal"]  # fmt: skip
    rows = [header]
    for r in results:
        rows.append(
            [
                r["log"],
                f"{r['events']:,}",
                f"{r['variants']:,}",
                f"{r['fatura_seconds']:.2f} s",
                f"{r['pm4py_seconds']:.2f} s",
                f"{r['ratio_pm4py_over_fatura']:.1f}x",
                f"{r['cpu_ratio_pm4py_over_fatura']:.1f}x",
                f"{r['columnar_mb']:,.0f} MB",
                f"{r['fatura_peak_rss_mb']:,.0f} MB",
                f"{r['pm4py_peak_rss_mb']:,.0f} MB",
                f"{r['memory_fatura_over_pm4py']:.2f}",
                "yes" if r["equal_results"] else f"NO ({r['comparison']})",
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        print("  ".join(cells))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events",
        type=_sizes,
        default=_sizes(os.environ.get("FATURA_BENCH_MINING_EVENTS") or "1000000,5000000"),
        help="sizes of the generated logs, comma-separated (0 or empty: none)",
    )
    parser.add_argument("--real", default=str(REAL_LOG), help="a real log (XES) to mine too")
    parser.add_argument("--repeat", type=int, default=1, help="runs per side (median reported)")
    parser.add_argument("--label", default="local", help="name of this run in the results")
    parser.add_argument("--report", nargs="+", type=Path, help="print the table of result files")
    parser.add_argument("--peer", nargs=2, metavar=("LOG", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, metavar=("EVENTS", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--generate-xes", nargs=2, metavar=("EVENTS", "OUT"), help=argparse.SUPPRESS
    )
    parser.add_argument("--columnar", metavar="LOG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.peer:
        peer(*args.peer)
    elif args.generate:
        generate(int(args.generate[0]), args.generate[1])
    elif args.generate_xes:
        generate_xes(int(args.generate_xes[0]), args.generate_xes[1])
    elif args.columnar:
        columnar_mb(args.columnar)
    elif args.report:
        reports = [json.loads(path.read_text()) for path in args.report]
        print_table([r for report in reports for r in report["results"]])
        print_kpi_cost([r for report in reports for r in report["results"]])
        for report in reports:
            if "startup" in report:
                print_startup(report["startup"])
    else:
        args.events = [n for n in args.events if n > 0]
        drive(args)


if __name__ == "__main__":
    main()
