#!/usr/bin/env bash
# The benchmarks (bench/*.py) on SQLite, then on PostgreSQL, each on its own scratch database:
# a temporary SQLite file, and a separate database on a throw-away PostgreSQL server (or on the
# server of FATURA_PG_URL when set). var/fatura.sqlite3 is never touched.
#
# Sizes: FATURA_BENCH_CUSTOMERS (20000), FATURA_BENCH_LINES (25), FATURA_BENCH_PEER (500);
# FATURA_BENCH_FISCAL_ORDERS (1000000 service orders for the NFS-e KPI, bench/fiscal.py);
# FATURA_BENCH_FORECAST_INVOICES (1000000 closed invoices to train the payment model on,
# bench/forecast.py; FATURA_BENCH_FORECAST_THREADS, 1);
# e.g. a quick run: FATURA_BENCH_CUSTOMERS=1000 FATURA_BENCH_PEER=100 \
#   FATURA_BENCH_FISCAL_ORDERS=100000 FATURA_BENCH_MINING_EVENTS=100000 \
#   FATURA_BENCH_FORECAST_INVOICES=100000 make bench
# FATURA_BENCH_BANK_INVOICES / FATURA_BENCH_BANK_ENTRIES (100000 each: bank statement
# matching, bench/bank_matching.py, limit 30 s);
# FATURA_BENCH_DATABASES=sqlite|postgres runs one of the two. Results: bench/results/*.json.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export FATURA_SECRET_KEY=${FATURA_SECRET_KEY:-bench-only-not-a-secret-0123456789abcdef0123456789}
WHICH=${FATURA_BENCH_DATABASES:-sqlite postgres}
BENCH_DB=fatura_bench
FISCAL_DB=fatura_bench_fiscal
BANK_DB=fatura_bench_bank
results=()
fiscal_results=()

"$PY" bench/mining.py   # process mining vs pm4py, no database (FATURA_BENCH_MINING_EVENTS to shrink)
"$PY" bench/forecast.py # payment model on 1M closed invoices vs the pandas baseline, no database

run() {  # run LABEL DATABASE_URL: one benchmark run, remembering its result file
  local out
  out=$(mktemp)
  DATABASE_URL=$2 "$PY" bench/billing.py --label "$1" | tee "$out"
  results+=("$(sed -n 's/^ *written to //p' "$out")")
  rm -f "$out"
}

run_fiscal() {  # run_fiscal LABEL DATABASE_URL: the NFS-e KPI benchmark, on its own database
  local out
  out=$(mktemp)
  DATABASE_URL=$2 "$PY" bench/fiscal.py --label "$1" | tee "$out"
  fiscal_results+=("$(sed -n 's/^ *written to //p' "$out")")
  rm -f "$out"
}

fresh_pg_database() {  # fresh_pg_database URL NAME: dropped and made again
  "$PY" - "$1" "$2" <<'PYTHON'
import sys

import psycopg

url, name = sys.argv[1], sys.argv[2]
with psycopg.connect(url, autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    conn.execute(f'CREATE DATABASE "{name}"')
PYTHON
}

if [[ " $WHICH " == *" sqlite "* ]]; then
  SQLITE_DIR=$(mktemp -d /tmp/fatura-bench.XXXXXX)
  trap 'rm -rf "$SQLITE_DIR"' EXIT
  run sqlite "sqlite:///$SQLITE_DIR/bench.sqlite3"
  run_fiscal sqlite "sqlite:///$SQLITE_DIR/fiscal.sqlite3"
  DATABASE_URL="sqlite:///$SQLITE_DIR/bank.sqlite3" "$PY" bench/bank_matching.py --label sqlite
  rm -rf "$SQLITE_DIR"
fi

if [[ " $WHICH " == *" postgres "* ]]; then
  PG_URL=${FATURA_PG_URL:-}
  if [[ -z "$PG_URL" ]]; then
    # shellcheck source=scripts/pg-test-server.sh
    source scripts/pg-test-server.sh
    pg_test_server_start
    trap pg_test_server_stop EXIT
    PG_URL=$FATURA_PG_URL
  fi
  # Databases of their own beside the server's, dropped and made again for every run.
  fresh_pg_database "$PG_URL" "$BENCH_DB"
  run postgresql "${PG_URL%/*}/$BENCH_DB"
  fresh_pg_database "$PG_URL" "$FISCAL_DB"
  run_fiscal postgresql "${PG_URL%/*}/$FISCAL_DB"
  fresh_pg_database "$PG_URL" "$BANK_DB"
  DATABASE_URL="${PG_URL%/*}/$BANK_DB" "$PY" bench/bank_matching.py --label postgresql
fi

if (( ${#results[@]} > 1 )); then
  echo
  echo "=== billing run vs one by one, both databases ==="
  "$PY" bench/billing.py --report "${results[@]}"
fi

if (( ${#fiscal_results[@]} > 1 )); then
  echo
  echo "=== NFS-e KPI vs ORM peer, both databases ==="
  "$PY" bench/fiscal.py --report "${fiscal_results[@]}"
fi
