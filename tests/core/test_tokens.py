"""core.tokens and POST /auth/token: bearer tokens for the API."""

from __future__ import annotations

import pytest
from django.test import Client

from fatura.core.models import ApiToken
from fatura.core.tokens import BadCredentials, token_issue, token_user


def _post_token(client: Client, body: dict[str, str]):
    return client.post("/api/v1/auth/token", data=body, content_type="application/json")


def test_token_endpoint_returns_a_token_that_authenticates(fin_user):
    client = Client()
    response = _post_token(client, {"username": "fin", "password": "secret-pass"})
    assert response.status_code == 200
    token = response.json()["token"]
    assert set(response.json()) == {"token"}
    me = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"username": "fin", "password": "wrong"},
        {"username": "ghost", "password": "secret-pass"},
    ],
)
def test_bad_credentials_are_401_json(fin_user, body):
    response = _post_token(Client(), body)
    assert response.status_code == 401
    assert response.json() == {"detail": "Usuário ou senha inválidos."}


def test_missing_fields_are_422_json(db):
    response = _post_token(Client(), {"username": "fin"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"


def test_only_the_hash_of_the_token_is_stored(fin_user):
    key = token_issue(username="fin", password="secret-pass")
    stored = ApiToken.objects.get(user=fin_user)
    assert key not in stored.key_hash and len(stored.key_hash) == 64
    assert token_user(key) == fin_user
    assert token_user(key + "x") is None


def test_tokens_expire(fin_user, frozen_clock, settings):
    key = token_issue(username="fin", password="secret-pass")
    frozen_clock.advance(hours=settings.FATURA_TOKEN_TTL_HOURS, seconds=-1)
    assert token_user(key) == fin_user
    frozen_clock.advance(seconds=1)
    assert token_user(key) is None


def test_expired_tokens_are_purged_when_a_new_one_is_issued(fin_user, frozen_clock):
    token_issue(username="fin", password="secret-pass")
    frozen_clock.advance(days=2)
    token_issue(username="fin", password="secret-pass")
    assert ApiToken.objects.filter(user=fin_user).count() == 1
    assert ApiToken.objects.get().created_at == frozen_clock.now


def test_inactive_users_get_no_token_and_lose_theirs(fin_user):
    key = token_issue(username="fin", password="secret-pass")
    fin_user.is_active = False
    fin_user.save()
    assert token_user(key) is None
    with pytest.raises(BadCredentials):
        token_issue(username="fin", password="secret-pass")


def test_an_expired_token_is_401_on_the_api(fin_api, frozen_clock):
    frozen_clock.advance(days=1, minutes=1)
    response = fin_api.get("/customers")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
