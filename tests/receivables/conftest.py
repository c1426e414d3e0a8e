"""Receivables tests: frozen clock (``tests.scenarios.NOW``), locmem e-mail, invoices made
through the services."""

from __future__ import annotations

from typing import Any

import pytest

from tests.receivables.builders import Books
from tests.scenarios import frozen_clock

__all__ = ["frozen_clock"]


@pytest.fixture
def approver(db: Any) -> Any:
    from tests.factories import financeiro

    return financeiro("aprovador")


@pytest.fixture
def books(fin_user: Any, approver: Any, frozen_clock: Any, settings: Any) -> Books:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.FATURA_APPROVAL_THRESHOLD = "10000.00"
    return Books(fin_user, approver, frozen_clock)
