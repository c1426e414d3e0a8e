"""Benchmark: matching a bank statement of 100,000 entries against 100,000 open invoices
(issue 13: under 30 s on the 2-core machine), and the peer of the same run — the payments of a
sample of the matched entries created one by one through the payment service.

    python bench/bank_matching.py [--invoices N] [--entries E] [--settle S] [--label NAME]

Sizes default to ``FATURA_BENCH_BANK_INVOICES`` (100000), ``FATURA_BENCH_BANK_ENTRIES``
(100000) and ``FATURA_BENCH_BANK_SETTLE`` (300 payments created through the service). The
database is ``DATABASE_URL``, or a temporary SQLite file when it is unset; it must be empty.

Timed: reading the OFX file, loading the candidate keys in bulk (boletos' nosso número, PIX
txids of the memos, payers' CPF/CNPJ and their open invoices), deciding each entry by dictionary
lookups and inserting every entry with its decision in bulk (``banking.bank_files``'s
``bank_file_read`` + ``bank_file_store``). The statement: 45 % PIX with the txid in the memo,
35 % transfers naming the payer's CNPJ with the exact balance, 15 % naming nothing (unmatched,
with suggestions by amount), 5 % debits and fees (ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
NOW = dt.datetime(2026, 5, 6, 15, 0, tzinfo=dt.UTC)
LIMIT_SECONDS = 30.0


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fatura.settings")
    os.environ["FATURA_DEBUG"] = "0"
    os.environ.setdefault("FATURA_MAX_UPLOAD_MB", "200")
    import django

    django.setup()


def prepare(invoices: int) -> Any:
    """Migrate and bulk-load customers, open invoices and their PIX txids (not timed)."""
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from fatura.banking.models import PaymentInstrument
    from fatura.core.documents import cnpj_with_check_digits
    from fatura.core.roles import FINANCEIRO
    from fatura.customers.models import Customer
    from fatura.receivables.models import Invoice

    call_command("migrate", verbosity=0, interactive=False)
    if Customer.objects.exists():
        sys.exit("bench: the database already has customers; use an empty scratch database")
    user = User.objects.create(username="bench-financeiro")
    user.groups.add(Group.objects.get_or_create(name=FINANCEIRO)[0])
    customers = [
        Customer(
            name=f"Cliente {n:06d} Ltda",
            document=cnpj_with_check_digits(f"{20000000 + n:08d}0001"),
            document_type="CNPJ",
        )
        for n in range(invoices)
    ]
    Customer.objects.bulk_create(customers, batch_size=5000)
    ids = list(Customer.objects.order_by("id").values_list("id", flat=True))
    rng = random.Random(13)
    rows = []
    for n, customer_id in enumerate(ids):
        amount = Decimal(rng.randrange(5_000, 2_000_000)) / 100
        rows.append(
            Invoice(
                number=f"FAT-{n + 1:08d}",
                sequence=n + 1,
                customer_id=customer_id,
                month=dt.date(2026, 4, 1),
                issue_date=dt.date(2026, 4, 5),
                due_date=dt.date(2026, 5, 5),
                total_due=amount,
                total_charged=amount,
                balance=amount,
                status="sent",
                payment_status="unpaid",
                created_by=user,
                created_at=NOW,
            )
        )
    Invoice.objects.bulk_create(rows, batch_size=5000)
    found = list(Invoice.objects.order_by("id").values_list("id", "number"))
    PaymentInstrument.objects.bulk_create(
        [
            PaymentInstrument(invoice_id=pk, kind="pix", reference=number.replace("-", "") + "P1")
            for pk, number in found
        ],
        batch_size=5000,
    )
    return user


def statement(entries: int) -> bytes:
    from fatura.banking.files.write import Transaction, ofx_statement
    from fatura.customers.models import Customer
    from fatura.receivables.models import Invoice

    documents = dict(Customer.objects.values_list("id", "document"))
    invoices = list(Invoice.objects.order_by("id").values_list("number", "customer_id", "balance"))
    rng = random.Random(28)
    rng.shuffle(invoices)
    day = dt.date(2026, 5, 6)
    rows = []
    for n in range(entries):
        number, customer_id, balance = invoices[n % len(invoices)]
        kind = rng.random()
        fitid = f"2026050600{n:08d}"
        if kind < 0.45:
            memo = f"PIX RECEBIDO {number.replace('-', '')}P1 CLIENTE"
        elif kind < 0.80:
            memo = f"TED RECEBIDA {documents[customer_id]} CLIENTE"
        elif kind < 0.95:
            memo = "DEPOSITO EM DINHEIRO"
        else:
            rows.append(Transaction(fitid, day, Decimal("-12.90"), memo="TARIFA"))
            continue
        rows.append(Transaction(fitid, day, balance, memo=memo))
    return ofx_statement(rows, version=1, encoding="cp1252")


def measure(user: Any, data: bytes, settle: int) -> dict[str, Any]:
    from django.db import connection

    from fatura.banking import bank_files

    started, cpu = time.perf_counter(), time.process_time()
    parsed = bank_files.bank_file_read(data)
    read = time.perf_counter() - started
    stored = bank_files.bank_file_store(by=user, parsed=parsed, data=data, name="bench.ofx")
    assert stored is not None
    matching = time.perf_counter() - started
    matching_cpu = time.process_time() - cpu
    counts = {
        status: sum(1 for d in stored.decisions if d.status == status)
        for status in ("unmatched", "ignored")
    }
    waiting = [d for d in stored.decisions if d.status == "matched"][:settle]
    sample = bank_files.Stored(stored.file, stored.parsed, waiting, stored.ours)
    started = time.perf_counter()
    result = bank_files.bank_file_settle(by=user, stored=sample)
    settle_seconds = time.perf_counter() - started
    return {
        "database": connection.vendor,
        "entries": len(parsed.entries),
        "read_seconds": round(read, 2),
        "matching_seconds": round(matching, 2),
        "matching_cpu_seconds": round(matching_cpu, 2),  # this process (SQLite runs in it)
        "load_average": round(os.getloadavg()[0], 1),
        "matched_decisions": sum(1 for d in stored.decisions if d.status == "matched"),
        "unmatched": counts["unmatched"],
        "ignored": counts["ignored"],
        "settled_sample": result.matched,
        "settle_seconds": round(settle_seconds, 2),
        "settle_ms_per_payment": round(1000 * settle_seconds / max(result.matched, 1), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ.get
    parser.add_argument(
        "--invoices", type=int, default=int(env("FATURA_BENCH_BANK_INVOICES", 100_000))
    )
    parser.add_argument(
        "--entries", type=int, default=int(env("FATURA_BENCH_BANK_ENTRIES", 100_000))
    )
    parser.add_argument("--settle", type=int, default=int(env("FATURA_BENCH_BANK_SETTLE", 300)))
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    scratch = None
    if not os.environ.get("DATABASE_URL"):
        scratch = tempfile.mkdtemp(prefix="fatura-bank-bench.")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
    _django()
    from fatura.core import clock

    with clock.override(NOW):
        started = time.perf_counter()
        user = prepare(args.invoices)
        data = statement(args.entries)
        prepared = time.perf_counter() - started
        result = measure(user, data, args.settle)
    result |= {
        "label": args.label,
        "invoices": args.invoices,
        "prepare_seconds": round(prepared, 1),
        "limit_seconds": LIMIT_SECONDS,
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
    }
    ratio = result["matching_seconds"] / LIMIT_SECONDS
    result["ratio_to_limit"] = round(ratio, 2)
    verdict = "PASS" if ratio <= 1 else "OVER"
    print(
        f"bank matching ({result['database']}): {result['entries']} statement entries against "
        f"{args.invoices} open invoices: {result['matching_seconds']:.1f} s wall = "
        f"{ratio:.2f} x the {LIMIT_SECONDS:.0f} s limit [{verdict}] "
        f"(read {result['read_seconds']:.1f} s; CPU of this process "
        f"{result['matching_cpu_seconds']:.1f} s; load average {result['load_average']}) — "
        f"{result['matched_decisions']} matched, {result['unmatched']} unmatched, "
        f"{result['ignored']} ignored; payments through the service: "
        f"{result['settle_ms_per_payment']} ms each ({result['settled_sample']} created)"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = (
        RESULTS / f"bank_matching-{result['database']}{'-' + args.label if args.label else ''}.json"
    )
    out.write_text(json.dumps(result, indent=2))
    print(f"  written to {out}")
    if result["matching_seconds"] > LIMIT_SECONDS:
        sys.exit(f"bench: matching took {result['matching_seconds']} s, over {LIMIT_SECONDS} s")


if __name__ == "__main__":
    main()
