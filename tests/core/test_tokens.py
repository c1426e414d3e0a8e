"""core.tokens and POST /auth/token: bearer tokens for the API."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import call_command
from django.test import Client

from fatura.core.models import ApiToken
from fatura.core.tokens import BadCredentials, token_issue, token_user
from tests.factories import UserFactory, financeiro


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
    key = token_issue(request=None, username="fin", password="secret-pass")
    stored = ApiToken.objects.get(user=fin_user)
    assert key not in stored.key_hash and len(stored.key_hash) == 64
    assert token_user(key) == fin_user
    assert token_user(key + "x") is None


def test_tokens_expire(fin_user, frozen_clock, settings):
    key = token_issue(request=None, username="fin", password="secret-pass")
    frozen_clock.advance(hours=settings.FATURA_TOKEN_TTL_HOURS, seconds=-1)
    assert token_user(key) == fin_user
    frozen_clock.advance(seconds=1)
    assert token_user(key) is None


def test_expired_tokens_are_purged_when_a_new_one_is_issued(fin_user, frozen_clock):
    token_issue(request=None, username="fin", password="secret-pass")
    frozen_clock.advance(days=2)
    token_issue(request=None, username="fin", password="secret-pass")
    assert ApiToken.objects.filter(user=fin_user).count() == 1
    assert ApiToken.objects.get().created_at == frozen_clock.now


def test_inactive_users_get_no_token_and_lose_theirs(fin_user):
    key = token_issue(request=None, username="fin", password="secret-pass")
    fin_user.is_active = False
    fin_user.save()
    assert token_user(key) is None
    with pytest.raises(BadCredentials):
        token_issue(request=None, username="fin", password="secret-pass")


def test_an_expired_token_is_401_on_the_api(fin_api, frozen_clock):
    frozen_clock.advance(days=1, minutes=1)
    response = fin_api.get("/customers")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_no_clear_token_is_stored_anywhere_in_the_database(fin_user):
    key = _post_token(Client(), {"username": "fin", "password": "secret-pass"}).json()["token"]
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    dump = out.getvalue()
    assert hashlib.sha256(key.encode()).hexdigest() in dump  # the dump does hold the token row
    assert key not in dump


def test_logout_revokes_the_token_it_is_called_with(fin_user):
    client = Client()
    first, second = (
        _post_token(client, {"username": "fin", "password": "secret-pass"}).json()["token"]
        for _ in range(2)
    )
    response = client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {first}"})
    assert response.status_code == 204 and response.content == b""
    again = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {first}"})
    assert again.status_code == 401
    assert (
        client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {first}"}).status_code
        == 401
    )
    other = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {second}"})
    assert other.status_code == 200  # only that token goes


def test_logout_needs_a_token(db):
    assert Client().post("/api/v1/auth/logout").status_code == 401


def test_the_openapi_documents_logout_and_the_lockout(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/auth/logout"]["post"]["responses"]) == {"204", "401"}
    # + 400/422 for a body that cannot be parsed or lacks a field (core.openapi)
    assert set(paths["/api/v1/auth/token"]["post"]["responses"]) == {
        "200",
        "400",
        "401",
        "422",
        "429",
    }


def test_changing_the_password_revokes_the_users_tokens(fin_user):
    other_user = financeiro("other")
    key = token_issue(request=None, username="fin", password="secret-pass")
    others = token_issue(request=None, username="other", password="secret-pass")
    fin_user.set_password("a-new-secret-pass")
    fin_user.save()
    assert token_user(key) is None
    assert token_user(others) == other_user
    # a token issued under the new password works; issuing it purged the stale one
    fresh = token_issue(request=None, username="fin", password="a-new-secret-pass")
    assert token_user(fresh) == fin_user
    assert ApiToken.objects.filter(user=fin_user).count() == 1


def test_a_password_changed_in_the_admin_revokes_the_tokens(fin_user):
    key = token_issue(request=None, username="fin", password="secret-pass")
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(boss)
    response = admin.post(
        f"/admin/auth/user/{fin_user.pk}/password/",
        {"password1": "Another-Pass-2026!", "password2": "Another-Pass-2026!"},
    )
    assert response.status_code == 302, response.content
    api = Client().get("/api/v1/customers", headers={"Authorization": f"Bearer {key}"})
    assert api.status_code == 401


def test_changepassword_command_revokes_the_tokens(fin_user, monkeypatch):
    key = token_issue(request=None, username="fin", password="secret-pass")
    monkeypatch.setattr("getpass.getpass", lambda *args, **kwargs: "Another-Pass-2026!")
    call_command("changepassword", "fin", stdout=io.StringIO())
    assert token_user(key) is None
