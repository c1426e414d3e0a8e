from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.factories import financeiro, operacao

pytest_plugins: list[str] = []

# Property tests check values, not speed: on a busy machine (CI neighbours, parallel jobs) the
# time to draw inputs or run one example says nothing about correctness.
hypothesis_settings.register_profile(
    "fatura", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("fatura")

# Tests hash passwords with MD5: the production hasher (PBKDF2, ~1M rounds) would cost ~0.4 s for
# every user made and every API login. PBKDF2 stays listed so hashes made elsewhere still verify.
FAST_PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


class ApiClient:
    """A thin JSON client for /api/v1 with a bearer token."""

    def __init__(self, client: Client, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _call(self, method: str, path: str, data: Any = None, **kw: Any) -> Any:
        fn = getattr(self.client, method)
        url = f"/api/v1{path}"
        if method in {"post", "put", "patch"} and "files" not in kw:
            return fn(url, data=data, content_type="application/json", headers=self.headers)
        if "files" in kw:
            return fn(url, data=kw["files"], headers=self.headers)
        return fn(url, data=data, headers=self.headers)

    def get(self, path: str, params: Any = None) -> Any:
        return self._call("get", path, params)

    def post(self, path: str, data: Any = None) -> Any:
        return self._call("post", path, data)

    def upload(self, path: str, files: dict[str, Any]) -> Any:
        return self._call("post", path, files=files)

    def delete(self, path: str) -> Any:
        return self._call("delete", path)


def _token_for(client: Client, username: str) -> str:
    response = client.post(
        "/api/v1/auth/token",
        data={"username": username, "password": "secret-pass"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


@pytest.fixture
def fin_user(db: Any) -> Any:
    return financeiro()


@pytest.fixture
def ops_user(db: Any) -> Any:
    return operacao()


@pytest.fixture
def api_as(db: Any) -> Callable[[Any], ApiClient]:
    def make(user: Any) -> ApiClient:
        client = Client()
        return ApiClient(client, _token_for(client, user.username))

    return make


@pytest.fixture
def fin_api(api_as: Callable[[Any], ApiClient], fin_user: Any) -> ApiClient:
    return api_as(fin_user)


@pytest.fixture
def ops_api(api_as: Callable[[Any], ApiClient], ops_user: Any) -> ApiClient:
    return api_as(ops_user)
