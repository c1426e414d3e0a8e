"""core.logins through POST /api/v1/auth/token: 10 failures for one username from one address
lock that pair for 15 minutes (429); other users and addresses are not affected."""

from __future__ import annotations

from typing import Any

from django.test import Client

from fatura.core.logins import login_locked
from fatura.core.models import LoginFailure
from tests.factories import UserFactory, financeiro

A = "10.0.0.1"
B = "10.0.0.2"
LOCKED = (
    "Muitas tentativas de entrada sem sucesso para este usuário. Por segurança, o acesso foi "
    "bloqueado: tente novamente em 15 minutos."
)


def _login(username: str, password: str, address: str = A, **extra: Any) -> Any:
    return Client().post(
        "/api/v1/auth/token",
        data={"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
        **extra,
    )


def _fail(times: int, username: str = "fin", address: str = A) -> list[int]:
    return [_login(username, "wrong", address).status_code for _ in range(times)]


def test_ten_failures_lock_the_pair_with_429_json(fin_user):
    assert _fail(9) == [401] * 9
    tenth = _login("fin", "wrong")
    assert tenth.status_code == 429
    assert tenth.json() == {"detail": LOCKED}
    # locked: the right password is refused too, and the refusals are not counted
    right = _login("fin", "secret-pass")
    assert right.status_code == 429 and right.json() == {"detail": LOCKED}
    assert LoginFailure.objects.get().failures == 10


def test_the_lock_is_per_username_and_address(fin_user):
    financeiro("other")
    _fail(10)
    assert _login("fin", "secret-pass", A).status_code == 429
    assert _login("fin", "secret-pass", B).status_code == 200  # same user, other address
    assert _login("other", "secret-pass", A).status_code == 200  # other user, same address


def test_the_lock_opens_after_15_minutes(fin_user, frozen_clock):
    _fail(10)
    frozen_clock.advance(minutes=15, seconds=-1)
    assert _login("fin", "secret-pass").status_code == 429
    frozen_clock.advance(seconds=1)
    assert _login("fin", "secret-pass").status_code == 200
    assert not LoginFailure.objects.exists()


def test_after_the_lock_one_more_failure_starts_a_new_count(fin_user, frozen_clock):
    _fail(10)
    frozen_clock.advance(minutes=15)
    assert _fail(9) == [401] * 9
    assert _login("fin", "wrong").status_code == 429


def test_a_success_resets_the_count(fin_user):
    _fail(9)
    assert _login("fin", "secret-pass").status_code == 200
    assert not LoginFailure.objects.exists()
    assert _fail(9) == [401] * 9


def test_failures_far_apart_do_not_add_up(fin_user, frozen_clock):
    for _ in range(12):
        assert _login("fin", "wrong").status_code == 401
        frozen_clock.advance(minutes=16)


def test_unknown_usernames_are_throttled_too(db):
    assert _fail(10, username="ghost")[-1] == 429


def test_behind_trusted_proxies_the_forwarded_address_counts(fin_user, settings):
    settings.FATURA_PROXY_HOPS = 1
    for _ in range(10):
        _login("fin", "wrong", "127.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {A}")
    assert login_locked(username="fin", address=A)
    # the client cannot pick another address by adding its own X-Forwarded-For entries
    spoofed = _login("fin", "secret-pass", "127.0.0.1", HTTP_X_FORWARDED_FOR=f"9.9.9.9, {A}")
    assert spoofed.status_code == 429
    other = _login("fin", "secret-pass", "127.0.0.1", HTTP_X_FORWARDED_FOR=B)
    assert other.status_code == 200


def test_the_admin_login_is_throttled_too(db):
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR=A)
    for _ in range(10):
        client.post("/admin/login/", {"username": "boss", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "boss", "password": "secret-pass"})
    assert response.status_code == 200  # the form again: not logged in
    assert "_auth_user_id" not in client.session
    assert login_locked(username="boss", address=A)
