"""Benchmark: training the payment model on a million closed invoices, against the baseline it
must beat ("the customer's historical mean delay", computed the plain way with a pandas
groupby), measured in the same run on the same generated history.

    python bench/forecast.py [--invoices 1000000[,...]] [--threads N] [--label NAME]
                             [--report FILE ...]

Size: ``FATURA_BENCH_FORECAST_INVOICES`` (1000000 closed invoices; e.g. 100000 for a quick
run); threads: ``FATURA_BENCH_FORECAST_THREADS`` (1). The history is
``fatura.forecast.synthetic.generate`` (24 months, customers early / late / random / seasonal /
bad) with enough customers for about that many invoices closed on the cut-off, 12 weeks before
the history's last day. No database.

Every step is its own process, so its peak memory (``ru_maxrss`` through ``os.wait4``) is its
own and the driver stays small: ``generate`` (writes the history as Parquet; not timed in any
comparison), ``train`` (reads it, cuts it at the cut-off, then times the training snapshots,
their features and ``model.train``, and predicts the invoices open at the cut-off), ``peer``
(reads it with pandas, each customer's mean delay over its invoices paid by the cut-off, the
same invoices' dates), ``score`` (MAE of days to pay over the invoices paid in the 12 weeks
after the cut-off, for the model, the peer and "pays on the due date").

The printed ratios: training time / peer time (what learning costs over the baseline), the
memory of each, and peer MAE / model MAE (how much closer the model is). The GBM runs with
``--threads`` OpenMP threads: on a machine shared with other work, two spinning threads on two
busy cores are several times slower than one. Results: bench/results/forecast-*.json, with the
machine's load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
MONTHS = 24
START = dt.date(2024, 1, 1)
END = START + dt.timedelta(days=30 * MONTHS)  # generate()'s last day
CUTOFF = END - dt.timedelta(weeks=12)
CLOSED_SHARE = 0.81  # of generated invoices, closed by the cut-off (measured at 100k and 1M)
FRAMES = ("invoices", "reminders", "calls", "disputes")


# --- the steps, each in its own process -----------------------------------------------------


def generate(invoices: int, folder: str) -> None:
    from fatura.forecast.synthetic import generate as history

    customers = max(10, round(invoices / (MONTHS * CLOSED_SHARE)))
    facts = history(customers=customers, months=MONTHS, start=START, seed=42)
    for name in FRAMES:
        getattr(facts, name).write_parquet(Path(folder) / f"{name}.parquet")
    print(
        json.dumps(
            {
                "customers": customers,
                "invoices": facts.invoices.height,
                "closed": facts.closed_by(CUTOFF).height,
                "open_at_cutoff": facts.open_on(CUTOFF).height,
            }
        )
    )


def _facts(folder: str) -> Any:
    import polars as pl

    from fatura.forecast.facts import Facts

    frames = [pl.read_parquet(Path(folder) / f"{name}.parquet") for name in FRAMES]
    return Facts.of(*frames)


def train(folder: str, out: str, threads: int) -> None:
    import polars as pl
    from threadpoolctl import threadpool_limits

    from fatura.forecast.backtest import known_on
    from fatura.forecast.features import features, open_rows, snapshots
    from fatura.forecast.model import train as fit

    known = known_on(_facts(folder), CUTOFF)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    rows = snapshots(known, cutoff=CUTOFF)
    seconds["snapshots"] = time.perf_counter() - started
    started = time.perf_counter()
    training = features(known, rows)
    seconds["features"] = time.perf_counter() - started
    started = time.perf_counter()
    with threadpool_limits(limits=threads):
        model = fit(training)
        seconds["train"] = time.perf_counter() - started
        assert model is not None
        started = time.perf_counter()
        today = features(known, open_rows(known, CUTOFF))
        days = model.days(model.matrix(today))
        seconds["predict"] = time.perf_counter() - started
    today.select("invoice_id").with_columns(days=pl.Series(days[:, 1])).write_parquet(out)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "training_rows": training.height,
                "paid_rows": training["days_to_pay"].count(),
                "training_invoices": training["invoice_id"].n_unique(),
                "boosting_rounds": [m.n_iter_ for m in model.quantile_models],
                "predicted": today.height,
            }
        )
    )


def peer(folder: str, out: str) -> None:
    """The baseline as anyone would write it: pandas, a groupby, a merge."""
    import pandas as pd

    cutoff = pd.Timestamp(CUTOFF)
    invoices = pd.read_parquet(
        Path(folder) / "invoices.parquet",
        columns=["invoice_id", "customer_id", "sent_date", "due_date", "paid_date",
                 "written_off_date"],
    )  # fmt: skip
    for column in ("sent_date", "due_date", "paid_date", "written_off_date"):
        invoices[column] = pd.to_datetime(invoices[column])
    paid = invoices[invoices["paid_date"] <= cutoff]
    delay = (paid["paid_date"] - paid["due_date"]).dt.days
    mean_delay = delay.groupby(paid["customer_id"]).mean().rename("mean_delay")
    open_ = invoices[
        (invoices["sent_date"] <= cutoff)
        & ~(invoices["paid_date"] <= cutoff)
        & ~(invoices["written_off_date"] <= cutoff)
    ].join(mean_delay, on="customer_id")
    days = (open_["due_date"] - cutoff).dt.days + open_["mean_delay"].fillna(0)
    open_.assign(days=days.clip(lower=0))[["invoice_id", "days"]].to_parquet(out)
    print(json.dumps({"predicted": len(open_)}))


def score(folder: str, model_out: str, peer_out: str) -> None:
    import numpy as np
    import polars as pl

    horizon = CUTOFF + dt.timedelta(weeks=12)
    paid = (
        pl.read_parquet(Path(folder) / "invoices.parquet")
        .filter((pl.col("paid_date") > CUTOFF) & (pl.col("paid_date") <= horizon))
        .filter(pl.col("sent_date") <= CUTOFF)
        .select(
            "invoice_id",
            actual=(pl.col("paid_date") - pl.lit(CUTOFF)).dt.total_days().cast(pl.Float64),
            due=(pl.col("due_date") - pl.lit(CUTOFF)).dt.total_days().cast(pl.Float64).clip(0),
        )
    )
    model = paid.join(pl.read_parquet(model_out), on="invoice_id")
    baseline = paid.join(pl.read_parquet(peer_out), on="invoice_id")

    def mae(frame: pl.DataFrame, column: str) -> float:
        return float(np.abs(frame[column] - frame["actual"]).mean())

    print(
        json.dumps(
            {
                "scored": paid.height,
                "mae_model": mae(model, "days"),
                "mae_peer": mae(baseline, "days"),
                "mae_due_date": mae(paid, "due"),
            }
        )
    )


# --- measuring ----------------------------------------------------------------------------------


def measured(args: list[str], scratch: Path) -> dict[str, Any]:
    """Run this file with ``args`` in a child process: its JSON answer, wall time and own peak
    RSS."""
    stdout, stderr = scratch / "stdout", scratch / "stderr"
    load = os.getloadavg()[0]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, __file__, *args], stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"bench: {' '.join(args)} failed:\n{stderr.read_text()[-2000:]}")
    return {
        "answer": json.loads(stdout.read_text().strip().splitlines()[-1]),
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # KiB on Linux
        "load_average_1min": load,
    }


def bench_size(invoices: int, threads: int, scratch: Path) -> dict[str, Any]:
    folder = scratch / f"history-{invoices}"
    folder.mkdir()
    print(f"== {invoices:,} closed invoices: generating", flush=True)
    made = measured(["--generate", str(invoices), str(folder)], scratch)
    print(f"   {made['answer']['closed']:,} closed on {CUTOFF:%d/%m/%Y}; training", flush=True)
    model_out, peer_out = str(scratch / "model.parquet"), str(scratch / "peer.parquet")
    trained = measured(["--train", str(folder), model_out, "--threads", str(threads)], scratch)
    steps = trained["answer"]["seconds"]
    print(
        f"   training: {trained['seconds']:.1f} s (snapshots {steps['snapshots']:.1f} s, "
        f"features {steps['features']:.1f} s, models {steps['train']:.1f} s), "
        f"peak {trained['peak_rss_mb']:,.0f} MB",
        flush=True,
    )
    baseline = measured(["--peer", str(folder), peer_out], scratch)
    print(f"   peer (pandas): {baseline['seconds']:.1f} s", flush=True)
    scores = measured(["--score", str(folder), model_out, peer_out], scratch)["answer"]
    learn = steps["snapshots"] + steps["features"] + steps["train"]
    return {
        "invoices": made["answer"]["invoices"],
        "closed": made["answer"]["closed"],
        "customers": made["answer"]["customers"],
        "threads": threads,
        "training_rows": trained["answer"]["training_rows"],
        "paid_rows": trained["answer"]["paid_rows"],
        "boosting_rounds": trained["answer"]["boosting_rounds"],
        "training_seconds": learn,
        "step_seconds": steps,
        "training_process_seconds": trained["seconds"],
        "training_peak_rss_mb": trained["peak_rss_mb"],
        "peer_seconds": baseline["seconds"],
        "peer_peak_rss_mb": baseline["peak_rss_mb"],
        "ratio_training_over_peer": trained["seconds"] / baseline["seconds"],
        "generate_seconds": made["seconds"],
        **scores,
        "mae_ratio_peer_over_model": scores["mae_peer"] / scores["mae_model"],
        "load_average_1min": [r["load_average_1min"] for r in (made, trained, baseline)],
    }


def drive(args: argparse.Namespace) -> Path:
    with tempfile.TemporaryDirectory(prefix="fatura-bench-forecast-") as folder:
        results = [bench_size(n, args.threads, Path(folder)) for n in args.invoices]
    report = {
        "label": args.label,
        "cutoff": CUTOFF.isoformat(),
        "results": results,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"forecast-{args.label}-{stamp}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print_table(results)
    print(f"\n   written to {out.relative_to(ROOT)}")
    return out


def print_table(results: list[dict[str, Any]]) -> None:
    header = ["closed invoices", "training rows", "threads", "training", "peak", "peer",
              "ratio", "peak peer", "MAE model", "MAE peer", "MAE due", "peer/model"]  # fmt: skip
    rows = [header]
    for r in results:
        rows.append(
            [
                f"{r['closed']:,}",
                f"{r['training_rows']:,}",
                str(r["threads"]),
                f"{r['training_seconds']:.1f} s",
                f"{r['training_peak_rss_mb']:,.0f} MB",
                f"{r['peer_seconds']:.2f} s",
                f"{r['ratio_training_over_peer']:.0f}x",
                f"{r['peer_peak_rss_mb']:,.0f} MB",
                f"{r['mae_model']:.2f} d",
                f"{r['mae_peer']:.2f} d",
                f"{r['mae_due_date']:.2f} d",
                f"{r['mae_ratio_peer_over_model']:.2f}",
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for n, row in enumerate(rows):
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--invoices",
        type=_sizes,
        default=_sizes(os.environ.get("FATURA_BENCH_FORECAST_INVOICES") or "1000000"),
        help="closed invoices to train on, comma-separated sizes",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("FATURA_BENCH_FORECAST_THREADS") or 1),
        help="OpenMP threads of the GBM (default 1)",
    )
    parser.add_argument("--label", default="local", help="name of this run in the results")
    parser.add_argument("--report", nargs="+", type=Path, help="print the table of result files")
    parser.add_argument("--generate", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--train", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--peer", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--score", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate:
        generate(int(args.generate[0]), args.generate[1])
    elif args.train:
        train(*args.train, threads=args.threads)
    elif args.peer:
        peer(*args.peer)
    elif args.score:
        score(*args.score)
    elif args.report:
        print_table([r for path in args.report for r in json.loads(path.read_text())["results"]])
    else:
        drive(args)


if __name__ == "__main__":
    main()
