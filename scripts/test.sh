#!/usr/bin/env bash
# The whole suite on SQLite, then again on PostgreSQL.
#
# PostgreSQL: if FATURA_PG_URL is set (as .ci/run does) that server is used; otherwise a
# throw-away server is started from the machine's PostgreSQL binaries (scripts/pg-test-server.sh)
# and stopped afterwards. FATURA_TEST_DATABASES=sqlite|postgres runs one of the two.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# The app refuses to start without a secret key (tests/settings.py has the same fallback).
export FATURA_SECRET_KEY=${FATURA_SECRET_KEY:-tests-only-not-a-secret-$(date +%s)-0123456789abcdef}
WHICH=${FATURA_TEST_DATABASES:-sqlite postgres}
status=0

if [[ " $WHICH " == *" sqlite "* ]]; then
  echo "=== test suite on SQLite ==="
  env -u DATABASE_URL FATURA_DATA_DIR="$(mktemp -d)" "$PY" -m pytest "$@" || status=$?
fi

if [[ " $WHICH " == *" postgres "* ]]; then
  echo "=== test suite on PostgreSQL ==="
  PG_URL=${FATURA_PG_URL:-}
  if [[ -z "$PG_URL" ]]; then
    # shellcheck source=scripts/pg-test-server.sh
    source scripts/pg-test-server.sh
    pg_test_server_start
    trap pg_test_server_stop EXIT
    PG_URL=$FATURA_PG_URL
  fi
  DATABASE_URL=$PG_URL FATURA_DATA_DIR="$(mktemp -d)" "$PY" -m pytest "$@" || status=$?
fi
exit $status
