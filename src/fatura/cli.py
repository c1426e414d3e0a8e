"""The ``fatura`` command: Django's management commands plus Fatura's own.

fatura serve [ADDR:PORT]   the web server: gunicorn (default 127.0.0.1:8000; FATURA_WORKERS,
                           FATURA_THREADS), static files collected into DATA_DIR/static first
                           and served by WhiteNoise
fatura demo                load the demo data (idempotent; only with FATURA_DEMO=1)
fatura worker              run the background task worker (django-tasks' database worker)
fatura mine LOG --json OUT process mining on a log file (no database; see docs/mining.md)
fatura forecast train      train the payment model (manage.py forecast_train; docs/forecast.md)
fatura forecast backtest   the model against the baselines (manage.py forecast_backtest)
fatura migrate | shell | createsuperuser | ...   any Django command
"""

from __future__ import annotations

import os
import sys

ALIASES = {"demo": "demo_load", "worker": "db_worker"}
ALIASES |= {"import-log": "import_log", "export-log": "export_log"}
DEFAULT_ADDRESS = "127.0.0.1:8000"


def gunicorn_command(address: str) -> list[str]:
    """The gunicorn command line of ``fatura serve``: FATURA_WORKERS processes (default 2) of
    FATURA_THREADS threads (default 4) each; FATURA_PROXY_HOPS > 0 trusts the proxy's forwarded
    headers (gunicorn's forwarded_allow_ips)."""
    command = [sys.executable, "-m", "gunicorn", "fatura.wsgi:application"]
    command += ["--bind", address]
    command += ["--workers", os.environ.get("FATURA_WORKERS", "2")]
    command += ["--threads", os.environ.get("FATURA_THREADS", "4")]
    command += ["--timeout", os.environ.get("FATURA_TIMEOUT", "120")]
    command += ["--access-logfile", "-", "--error-logfile", "-"]
    command += ["--no-control-socket"]  # gunicorn 27's admin socket in ~/.gunicorn: not used
    if int(os.environ.get("FATURA_PROXY_HOPS", "0")) > 0:
        command += ["--forwarded-allow-ips", os.environ.get("FATURA_FORWARDED_ALLOW_IPS", "*")]
    return command


def serve(args: list[str]) -> None:
    """Collect the static files, then replace this process by gunicorn."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    command = gunicorn_command(args[0] if args else DEFAULT_ADDRESS)
    os.execv(command[0], command)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] == "mine":  # before Django: no settings, no database
        from fatura.mining.cli import entry

        entry(args[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fatura.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        django.setup()
    except ImproperlyConfigured as exc:  # e.g. no FATURA_SECRET_KEY: one line, no traceback
        sys.exit(f"fatura: {exc}")
    if len(args) > 1 and args[1] == "serve":
        serve(args[2:])
        return
    if len(args) > 2 and args[1] == "forecast" and args[2] in ("train", "backtest"):
        args[1:3] = [f"forecast_{args[2]}"]
    if len(args) > 1:
        args[1] = ALIASES.get(args[1], args[1])
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
