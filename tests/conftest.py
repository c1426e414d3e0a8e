from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.factories import financeiro, operacao, restore_seeded_rows

pytest_plugins: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """Under xdist each worker gets a data folder of its own (DATA_DIR/<gw0>: logs, models, the
    latest backtest, the file cache, the outbox): the workers' databases are separate
    (pytest-django suffixes their names), and files named after row ids must be too."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    from django.conf import settings
    from django.test import override_settings

    folder = Path(settings.DATA_DIR) / worker
    folder.mkdir(parents=True, exist_ok=True)
    caches = {
        alias: {**options, "LOCATION": str(folder / "cache")}
        if options["BACKEND"].endswith("FileBasedCache")
        else options
        for alias, options in settings.CACHES.items()
    }
    # For the whole run (never disabled): the setting_changed signals reset the cache handler.
    override_settings(
        DATA_DIR=folder,
        CACHES=caches,
        EMAIL_FILE_PATH=folder / "outbox",
        STATIC_ROOT=folder / "static",
    ).enable()


# Tests that take more than ~5 s on the 2-core machine (``make test-fast`` leaves them out), by
# node id prefix: a file, a folder or one test. tests/architecture/test_markers.py checks that
# each still names something.
SLOW = (
    "tests/demo/test_load.py",  # the demo year, loaded once for the module
    "tests/demo/test_fiscal.py",  # the same, with its fiscal side
    "tests/forecast/test_model.py",  # trains the models on a synthetic history
    "tests/forecast/test_backtest.py",  # trains one model per fold
    "tests/bench/",  # the benchmarks' generated data
    "tests/test_openapi_conformance.py",  # schemathesis: every API operation, 25 examples each
    "tests/receivables/test_properties.py::test_random_actions_and_payments_keep_the_books",
    # the largest real log (BPIC 2020), read whole and mined by pm4py as the reference
    "tests/mining/test_against_pm4py.py::test_real_logs_equal_pm4py[bpic2020-domestic]",
    "tests/mining/test_against_pm4py.py::test_real_logs_with_every_attribute_read_give_the_same"
    "[bpic2020-domestic]",
    "tests/mining/test_xes_fast.py::test_real_logs_read_the_same[all-bpic2020",
    "tests/mining/test_xes_fast.py::test_real_logs_read_the_same[standard-bpic2020",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``slow`` from the list above; tests that start PySpark are ``spark`` whether or not they
    say so. A transactional test must say ``serialized_rollback=True``: a plain flush re-creates
    the content types (post_migrate), and the next serialized test then fails to load its own
    (which test follows which depends on the xdist worker, so it failed only now and then)."""
    plain = [
        item.nodeid
        for item in items
        if (marker := item.get_closest_marker("django_db")) is not None
        and marker.kwargs.get("transaction")
        and not marker.kwargs.get("serialized_rollback")
    ]
    if plain:
        raise pytest.UsageError(
            "transactional tests without serialized_rollback=True: " + ", ".join(plain)
        )
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
        if "spark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.spark)


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
def _seeded_rows(request: pytest.FixtureRequest) -> None:
    """The rows data migrations seed (payment terms, delay reasons), for every test that uses
    the database: a transactional test's flush drops them, and serialized_rollback cannot
    restore them after the browser tests (see tests/e2e/test_uso_e_faturas.py), as with the
    roles."""
    names = set(request.fixturenames)
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    elif request.node.get_closest_marker("django_db") is None:
        return
    restore_seeded_rows()


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

    def patch(self, path: str, data: Any = None) -> Any:
        return self._call("patch", path, data)

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
