"""Racing calls on PostgreSQL: each call in its own thread and connection (Django's are per
thread), released together by a barrier, its connection closed at the end."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from django.db import connection

from fatura.core.errors import DomainError

T = TypeVar("T")

# The marks of a PostgreSQL-only concurrency module. serialized_rollback: the flush after each
# test would drop the role groups of the migrations.
POSTGRES_ONLY = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and concurrency: PostgreSQL only"
    ),
]


def at_once(calls: list[Callable[[], T]]) -> list[T | DomainError]:
    """Run every call at the same moment. A domain error is an answer; anything else (a
    deadlock, an IntegrityError) propagates and fails the test."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T | DomainError:
        try:
            barrier.wait()
            return call()
        except DomainError as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
