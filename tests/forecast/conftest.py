"""Forecast tests with a database: the receivables' books (frozen clock, services) and a small
payment history (``tests.forecast.db_history``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.forecast.db_history import History, build
from tests.receivables.builders import Books
from tests.scenarios import frozen_clock

__all__ = ["frozen_clock"]


@pytest.fixture
def approver(db: Any) -> Any:
    from tests.factories import financeiro

    return financeiro("aprovador")


@pytest.fixture
def books(fin_user: Any, approver: Any, frozen_clock: Any, settings: Any, tmp_path: Any) -> Books:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.FATURA_APPROVAL_THRESHOLD = "10000.00"
    settings.DATA_DIR = tmp_path  # trained models go to DATA_DIR/models
    return Books(fin_user, approver, frozen_clock)


@pytest.fixture
def history(books: Books) -> History:
    return build(books)


@pytest.fixture
def fin_client(fin_user: Any) -> Client:
    client = Client()
    client.force_login(fin_user)
    return client


@pytest.fixture
def ops_client(ops_user: Any) -> Client:
    client = Client()
    client.force_login(ops_user)
    return client
