"""The ``fatura`` command: Django's management commands plus Fatura's own.

fatura serve [ADDR:PORT]   run the web server (default 127.0.0.1:8000)
fatura demo                load the demo data (idempotent)
fatura worker              run the background task worker
fatura mine LOG --json OUT process mining on a log file (no database; see docs/mining.md)
fatura forecast train      train the payment model (manage.py forecast_train; docs/forecast.md)
fatura forecast backtest   the model against the baselines (manage.py forecast_backtest)
fatura migrate | shell | createsuperuser | ...   any Django command
"""

from __future__ import annotations

import os
import sys

ALIASES = {"serve": "runserver", "demo": "demo_load", "worker": "db_worker"}
ALIASES |= {"import-log": "import_log", "export-log": "export_log"}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] == "mine":  # before Django: no settings, no database
        from fatura.mining.cli import entry

        entry(args[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fatura.settings")
    from django.core.management import execute_from_command_line

    if len(args) > 2 and args[1] == "forecast" and args[2] in ("train", "backtest"):
        args[1:3] = [f"forecast_{args[2]}"]
    if len(args) > 1:
        args[1] = ALIASES.get(args[1], args[1])
    if len(args) > 1 and args[1] == "runserver" and len(args) == 2:
        args.append("127.0.0.1:8000")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
