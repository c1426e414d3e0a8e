#!/usr/bin/env bash
# A throw-away PostgreSQL server for the test suite, from the machine's PostgreSQL binaries
# (Debian: apt-get install postgresql). Source it, then pg_test_server_start / _stop.
# It listens on 127.0.0.1:${FATURA_PG_PORT:-54329}, data in a temporary folder.

_pg_bindir() {
  if command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/initdb" ]]; then
    pg_config --bindir; return
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n "$dir" ]] && { echo "$dir"; return; }
  echo "PostgreSQL binaries not found: install them (Debian: apt-get install postgresql)" >&2
  return 1
}

pg_test_server_start() {
  local bindir port
  bindir=$(_pg_bindir) || return 1
  port=${FATURA_PG_PORT:-54329}
  PG_TEST_DIR=$(mktemp -d /tmp/fatura-pg.XXXXXX)
  local run=()
  if [[ $(id -u) -eq 0 ]]; then
    # initdb refuses to run as root: run the server as the postgres user.
    chown postgres "$PG_TEST_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bindir/initdb" -D "$PG_TEST_DIR/data" -U fatura --auth=trust -E UTF8 \
    --locale=C.UTF-8 >/dev/null
  "${run[@]}" "$bindir/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/log" -w \
    -o "-p $port -k $PG_TEST_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
    start >/dev/null
  PG_TEST_RUN=("${run[@]}")
  PG_TEST_BIN=$bindir
  export FATURA_PG_URL="postgres://fatura@127.0.0.1:$port/fatura"
  "$bindir/createdb" -h 127.0.0.1 -p "$port" -U fatura fatura
  echo "PostgreSQL test server on $FATURA_PG_URL"
}

pg_test_server_stop() {
  [[ -n "${PG_TEST_DIR:-}" ]] || return 0
  "${PG_TEST_RUN[@]}" "$PG_TEST_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -m fast stop >/dev/null || true
  rm -rf "$PG_TEST_DIR"
}
