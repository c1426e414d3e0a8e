#!/usr/bin/env bash
# Serve the web app and run the background task worker beside it; Ctrl+C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${1:-127.0.0.1:8000}
$PY manage.py db_worker --interval 1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo "Fatura: http://$HOST  (usuários de demonstração no README)"
$PY manage.py runserver "$HOST"
