"""``fatura serve`` runs gunicorn (not runserver) after collecting the static files;
``fatura worker`` is the django-tasks database worker."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from fatura import cli


def test_serve_collects_static_files_then_becomes_gunicorn(
    monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    settings.STATIC_ROOT = tmp_path / "static"
    monkeypatch.setenv("FATURA_WORKERS", "3")
    monkeypatch.setenv("FATURA_THREADS", "5")
    monkeypatch.delenv("FATURA_PROXY_HOPS", raising=False)
    ran: list[list[str]] = []
    monkeypatch.setattr(cli.os, "execv", lambda path, args: ran.append(args))
    cli.main(["fatura", "serve", "127.0.0.1:8765"])
    assert (tmp_path / "static" / "web" / "charts.js").exists()
    gunicorn = [sys.executable, "-m", "gunicorn", "fatura.wsgi:application"]
    options = ["--bind", "127.0.0.1:8765", "--workers", "3", "--threads", "5", "--timeout", "120"]
    logs = ["--access-logfile", "-", "--error-logfile", "-"]
    assert ran == [[*gunicorn, *options, *logs, "--no-control-socket"]]


def test_serve_defaults_to_loopback_and_trusts_a_proxy_only_when_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FATURA_PROXY_HOPS", "1")
    command = cli.gunicorn_command(cli.DEFAULT_ADDRESS)
    assert command[command.index("--bind") + 1] == "127.0.0.1:8000"
    assert command[-2:] == ["--forwarded-allow-ips", "*"]


def test_worker_is_the_task_database_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core import management

    seen: list[list[str]] = []
    monkeypatch.setattr(management, "execute_from_command_line", seen.append)
    cli.main(["fatura", "worker"])
    assert seen == [["fatura", "db_worker"]]
