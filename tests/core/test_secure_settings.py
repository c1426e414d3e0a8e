"""Secure unless told otherwise (docs/decisions/0014-secure-by-default.md): the settings as a
fresh process loads them from the environment, outside the test suite's own settings."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = secrets.token_urlsafe(50)


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    """A production-like environment: no key, no debug, no demo, unless given."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FATURA_")
        # the browser tests' conftest allows async-unsafe calls in the test process only
        and key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env |= {"FATURA_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "fatura.settings"}
    return env | extra


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-c", textwrap.dedent(code)], env)


def test_without_a_secret_key_the_app_refuses_to_start_with_one_line(tmp_path: Path) -> None:
    result = _run([sys.executable, "manage.py", "check"], _env(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "FATURA_SECRET_KEY is not set" in lines[0]
    assert not (tmp_path / "secret_key").exists()


def test_demo_mode_makes_a_key_once_and_reuses_it(tmp_path: Path) -> None:
    show = (
        "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY)"
    )
    first = _python(show, _env(tmp_path, FATURA_DEMO="1"))
    second = _python(show, _env(tmp_path, FATURA_DEMO="1"))
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 50
    assert first.stdout.strip() == second.stdout.strip() == key
    assert "insecure" not in key


def test_debug_is_off_unless_asked_for(tmp_path: Path) -> None:
    show = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    assert _python(show, _env(tmp_path, FATURA_SECRET_KEY=STRONG_KEY)).stdout.strip() == "False"
    on = _env(tmp_path, FATURA_SECRET_KEY=STRONG_KEY, FATURA_DEBUG="1")
    assert _python(show, on).stdout.strip() == "True"


ERROR_PAGES = """
    import django
    django.setup()
    from django.http import HttpRequest
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment
    from django.urls import include, path

    def boom(request: HttpRequest) -> None:
        raise RuntimeError("boom")

    class Urls:
        urlpatterns = [path("boom/", boom), path("", include("fatura.urls"))]

    setup_test_environment(debug=None)  # keep DEBUG as the settings loaded it
    with override_settings(ROOT_URLCONF=Urls, ALLOWED_HOSTS=["testserver"]):
        client = Client(raise_request_exception=False)
        for url in ("/nao-existe/", "/boom/"):
            response = client.get(url)
            print("=====", response.status_code)
            print(response.content.decode())
"""


def test_404_and_500_pages_are_generic(tmp_path: Path) -> None:
    """No URL patterns, no settings, no environment (the database password) on the error pages."""
    env = _env(
        tmp_path,
        FATURA_SECRET_KEY=STRONG_KEY,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        FATURA_SMTP_PASSWORD="hunter2-smtp",
        SOME_TOKEN="hunter2-env",
    )
    result = _python(ERROR_PAGES, env)
    assert result.returncode == 0, result.stderr
    _, not_found, server_error = result.stdout.split("===== ")
    assert not_found.startswith("404")
    assert server_error.startswith("500")
    for page in (not_found, server_error):
        for leak in ("hunter2", "api/v1", "URLconf", "Traceback", "SECRET_KEY", "DATABASE"):
            assert leak not in page, leak
    assert "Página não encontrada" in not_found
    assert "Erro no servidor" in server_error


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = """
        import django
        django.setup()
        from django.core.management import call_command
        call_command("check", deploy=True, fail_level="WARNING")
    """
    return _python(code, env)


def test_production_settings_pass_check_deploy_without_warnings(tmp_path: Path) -> None:
    env = _env(tmp_path, FATURA_SECRET_KEY=STRONG_KEY, FATURA_HTTPS="1")
    result = _check_deploy(env)
    assert result.returncode == 0, result.stderr
    assert "no issues (0 silenced)" in result.stdout + result.stderr


def test_plain_http_warns_outside_demo_mode_and_is_silenced_in_it(tmp_path: Path) -> None:
    production = _check_deploy(_env(tmp_path, FATURA_SECRET_KEY=STRONG_KEY))
    assert production.returncode == 1
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in production.stderr
    demo = _check_deploy(_env(tmp_path, FATURA_DEMO="1"))
    assert demo.returncode == 0, demo.stderr
    assert "(4 silenced)" in demo.stdout + demo.stderr


def test_https_settings(tmp_path: Path) -> None:
    code = """
        import django
        django.setup()
        from django.conf import settings as s
        print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,
              s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS,
              s.SECURE_PROXY_SSL_HEADER)
    """
    env = _env(tmp_path, FATURA_SECRET_KEY=STRONG_KEY, FATURA_HTTPS="1", FATURA_PROXY_HOPS="1")
    result = _python(code, env)
    assert result.stdout.strip() == (
        "True True True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https')"
    )


@pytest.mark.parametrize(
    "password", ["12345678901", "password123", "financeiro-demo-user", "curta"]
)
def test_djangos_four_password_validators(password: str, db: None) -> None:
    from django.contrib.auth.models import User
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    user = User(username="financeiro-demo-user", email="financeiro@fatura.example")
    with pytest.raises(ValidationError):
        validate_password(password, user)
    validate_password("Correto-Cavalo-Bateria-Grampo", user)


def test_demo_load_refuses_outside_demo_mode(db: None, settings: Any) -> None:
    from django.contrib.auth.models import User
    from django.core.management import CommandError, call_command

    settings.FATURA_DEMO = False
    with pytest.raises(CommandError, match="FATURA_DEMO=1"):
        call_command("demo_load", "--small")
    assert not User.objects.exists()
