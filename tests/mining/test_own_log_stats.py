"""``mining.selectors.own_log_stats``: how much of the invoice log there is, in one query."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fatura.mining.selectors import own_invoice_log, own_log_stats
from tests.receivables.builders import Books
from tests.receivables.conftest import approver, books
from tests.scenarios import frozen_clock

__all__ = ["approver", "books", "frozen_clock"]


def test_own_log_stats_counts_the_invoice_cases_in_one_query(books: Books) -> None:
    first = books.sent(amount="100.00")
    books.draft(amount="50.00")
    with CaptureQueriesContext(connection) as captured:
        stats = own_log_stats()
    assert len(captured) == 1
    assert stats["cases"] == 2
    assert stats["events"] == own_invoice_log().events
    assert stats["first_at"] <= stats["last_at"]
    assert first.number.startswith("FAT-")


def test_own_log_stats_of_an_empty_log(db: Any) -> None:
    assert own_log_stats()["events"] == 0
