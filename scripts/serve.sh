#!/usr/bin/env bash
# Serve the web app and run the background task worker beside it; Ctrl+C stops both.
# The receivables daily routine (recurring invoices, due dates passed, dunning) is queued for
# the worker at start and then every 24 h; in production schedule it with cron instead:
#   5 6 * * *  cd /srv/fatura && .venv/bin/fatura receivables_daily
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${1:-127.0.0.1:8000}
$PY manage.py db_worker --interval 1 &
WORKER=$!
( while true; do $PY manage.py receivables_daily --enqueue >/dev/null || true; sleep 86400; done ) &
DAILY=$!
trap 'kill $WORKER $DAILY 2>/dev/null || true' EXIT INT TERM
echo "Fatura: http://$HOST  (usuários de demonstração no README)"
$PY manage.py runserver "$HOST"
