#!/usr/bin/env bash
# The whole suite on SQLite, then again on PostgreSQL.
#
# PostgreSQL: if FATURA_PG_URL is set (as .ci/run does) that server is used; otherwise a
# throw-away server is started from the machine's PostgreSQL binaries (scripts/pg-test-server.sh)
# and stopped afterwards. FATURA_TEST_DATABASES=sqlite|postgres runs one of the two.
#
# In parallel (pytest-xdist, one worker per core; FATURA_TEST_WORKERS=N, or 0 for one process):
# each worker has its own test database (pytest-django suffixes its name) and its own data folder
# (tests/conftest.py). A module's tests stay on one worker (--dist loadfile), so a module-scoped
# fixture (the demo load) runs once. Extra arguments go to pytest (make test-fast adds -m).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# The app refuses to start without a secret key (tests/settings.py has the same fallback).
export FATURA_SECRET_KEY=${FATURA_SECRET_KEY:-tests-only-not-a-secret-$(date +%s)-0123456789abcdef}
WHICH=${FATURA_TEST_DATABASES:-sqlite postgres}
status=0
WORKERS=${FATURA_TEST_WORKERS:-auto}
PARALLEL=()
if [[ "$WORKERS" != 0 ]]; then
  PARALLEL=(-n "$WORKERS" --dist loadfile)
fi

if [[ " $WHICH " == *" sqlite "* ]]; then
  echo "=== test suite on SQLite ==="
  env -u DATABASE_URL FATURA_DATA_DIR="$(mktemp -d)" "$PY" -m pytest "${PARALLEL[@]}" "$@" || status=$?
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
  DATABASE_URL=$PG_URL FATURA_DATA_DIR="$(mktemp -d)" "$PY" -m pytest "${PARALLEL[@]}" "$@" \
    || status=$?
fi
exit $status
