"""The login page under login throttling (core.logins): 10 failures for one username from one
address answer 429 with a clear message for 15 minutes; other users and addresses log in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from fatura.core import clock
from tests.factories import financeiro

NOW = dt.datetime(2026, 5, 5, 14, 30, tzinfo=dt.UTC)
A = "10.0.0.1"
B = "10.0.0.2"
MESSAGE = "Muitas tentativas de entrada sem sucesso para este usuário"


def _login(username: str, password: str, address: str = A) -> Any:
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def _fail(times: int, username: str = "fin", address: str = A) -> list[int]:
    return [_login(username, "wrong", address).status_code for _ in range(times)]


def test_ten_failures_show_the_lockout_message_with_429(fin_user: Any) -> None:
    with clock.override(NOW):
        assert _fail(9) == [200] * 9
        tenth = _login("fin", "wrong")
        page = tenth.content.decode()
        assert tenth.status_code == 429
        assert 'id="login-locked"' in page and MESSAGE in page
        assert "tente novamente em 15 minutos" in page
        assert 'id="login-error"' not in page
        right = _login("fin", "secret-pass")
        assert right.status_code == 429 and MESSAGE in right.content.decode()


def test_other_users_and_addresses_still_log_in(fin_user: Any) -> None:
    financeiro("other")
    with clock.override(NOW):
        _fail(10)
        assert _login("fin", "secret-pass", B).status_code == 302
        assert _login("other", "secret-pass", A).status_code == 302


def test_the_page_opens_again_after_15_minutes(fin_user: Any) -> None:
    with clock.override(NOW):
        _fail(10)
    with clock.override(NOW + dt.timedelta(minutes=14, seconds=59)):
        assert _login("fin", "secret-pass").status_code == 429
    with clock.override(NOW + dt.timedelta(minutes=15)):
        response = _login("fin", "secret-pass")
        assert response.status_code == 302 and response["Location"] == "/"


def test_a_successful_login_resets_the_count(fin_user: Any) -> None:
    with clock.override(NOW):
        _fail(9)
        assert _login("fin", "secret-pass").status_code == 302
        assert _fail(9) == [200] * 9
        assert _login("fin", "wrong").status_code == 429


def test_the_message_is_translated(fin_user: Any) -> None:
    with clock.override(NOW):
        _fail(9)
        client = Client(REMOTE_ADDR=A, HTTP_ACCEPT_LANGUAGE="en")
        client.cookies["django_language"] = "en"
        page = client.post("/login/", {"username": "fin", "password": "wrong"})
        assert page.status_code == 429
        assert "try again in 15 minutes" in page.content.decode()
