#!/usr/bin/env bash
# Serve the web app with gunicorn (`fatura serve`: static files collected into DATA_DIR/static and
# served by WhiteNoise) and run the background task worker beside it (`fatura worker`); Ctrl+C
# stops both. `make run` calls it in demo mode (FATURA_DEMO=1); production: README, "Produção".
# The receivables daily routine (recurring invoices, due dates passed, dunning) is queued for
# the worker at start and then every 24 h, and so is the forecast's training (one model a day);
# in production schedule them with cron instead:
#   5 6 * * *  cd /srv/fatura && .venv/bin/fatura receivables_daily
#   30 2 * * * cd /srv/fatura && .venv/bin/fatura forecast train
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${1:-127.0.0.1:8000}
FATURA=.venv/bin/fatura
$FATURA worker --interval 1 &
WORKER=$!
( while true; do
    $PY manage.py receivables_daily --enqueue >/dev/null || true
    $PY manage.py forecast_train --enqueue >/dev/null || true
    sleep 86400
  done ) &
DAILY=$!
trap 'kill $WORKER $DAILY 2>/dev/null || true' EXIT INT TERM
echo "Fatura: http://$HOST  (usuários de demonstração no README)"
$FATURA serve "$HOST"
