"""receivables.common.invoice_save: a locked invoice writes only the columns that changed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from fatura.receivables.common import invoice_lock, invoice_save
from fatura.receivables.models import Invoice

pytestmark = pytest.mark.django_db


def test_only_what_changed_is_written(books: Any) -> None:
    invoice = books.draft(amount="100.00")
    with transaction.atomic():
        locked = invoice_lock(invoice.number)
        # another writer's change to a column this one does not touch survives
        Invoice.objects.filter(pk=locked.pk).update(description="por outro")
        locked.balance = Decimal("40.00")
        locked.withholdings = {"iss": "2.00"}
        with CaptureQueriesContext(connection) as queries:
            invoice_save(locked)
        (update,) = queries.captured_queries
        assert update["sql"].startswith("UPDATE")
        assert "description" not in update["sql"] and "balance" in update["sql"]
        with CaptureQueriesContext(connection) as queries:
            invoice_save(locked)  # nothing changed since: no statement
        assert not queries.captured_queries
        locked.withholdings["iss"] = "3.00"  # changed in place: seen too
        invoice_save(locked)
    again = Invoice.objects.get(pk=invoice.pk)
    assert again.balance == Decimal("40.00")
    assert again.withholdings == {"iss": "3.00"}
    assert again.description == "por outro"


def test_an_invoice_not_locked_is_saved_whole(books: Any) -> None:
    invoice = Invoice.objects.get(number=books.draft().number)
    invoice.description = "inteira"
    invoice_save(invoice)
    assert Invoice.objects.get(pk=invoice.pk).description == "inteira"
