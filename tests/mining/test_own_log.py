"""Fatura's own event log read into Arrow: typed attribute columns, filters, the engine and
pm4py agree with the rows in the database. Events are made through the receivables services."""

from __future__ import annotations

import datetime as dt
import io
import warnings
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from django.core.management import call_command
from django.db import transaction

from fatura.core.errors import InvalidInput
from fatura.eventlog.models import Event
from fatura.eventlog.services import event_record
from fatura.mining.engine import mine
from fatura.mining.own_log import own_event_log, own_table
from tests.mining.conftest import assert_matches_pm4py, pm4py_outputs, read_xes_with_pm4py
from tests.receivables.builders import Books
from tests.receivables.conftest import approver, books
from tests.scenarios import NOW, frozen_clock

__all__ = ["approver", "books", "frozen_clock"]


@pytest.fixture
def invoices(books: Books, frozen_clock: Any) -> list[str]:
    """Three invoices: paid, approved and sent (above the approval threshold), a draft."""
    customer = books.customer(name="Padaria Sol Ltda", segment="Varejo")
    paid = books.sent(customer, amount="1000.00")
    frozen_clock.advance(hours=2)
    books.pay(paid, "1000.00")
    frozen_clock.advance(days=1)
    big = books.sent(customer, amount="20000.00")
    frozen_clock.advance(minutes=30)
    draft = books.draft(amount="55.10")
    with transaction.atomic():  # master data: a case that is not an invoice
        for note in (5, "five"):  # one key, two JSON kinds: read as text
            event_record(
                case_id="customer:1",
                activity="Customer Updated",
                user=None,
                attributes={"note": note},
            )
    return [paid.number, big.number, draft.number]


def _reference(**filters: Any) -> dict[str, Any]:
    """pm4py on the rows as the ORM gives them (time order, then id)."""
    import pandas as pd

    rows = Event.objects.filter(**filters).order_by("timestamp", "id")
    frame = pd.DataFrame(
        list(rows.values("case_id", "activity", "timestamp")),
        columns=["case_id", "activity", "timestamp"],
    )
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pm4py_outputs(
            frame, case_id="case_id", activity_key="activity", timestamp_key="timestamp"
        )


@pytest.mark.django_db
def test_own_log_equals_pm4py_on_the_database_rows(invoices: list[str]) -> None:
    log = own_event_log(invoices_only=True, chunk_size=7)  # several chunks
    assert sorted(log.case_names.to_pylist()) == sorted(invoices)
    document = mine(log).to_json()
    assert_matches_pm4py(document, _reference(case_id__startswith="FAT-"))
    assert mine(log, "duckdb").to_json() == document
    assert own_table().column("note").drop_null().to_pylist() == ["5", "five"]
    everything = mine(own_event_log()).to_json()
    assert everything["events"] == Event.objects.count()
    assert everything["cases"] > len(invoices)  # customer:... cases too


@pytest.mark.django_db
def test_attributes_become_typed_columns(invoices: list[str]) -> None:
    table = own_table(invoices_only=True)
    types = {field.name: field.type for field in table.schema}
    assert types["timestamp"] == pa.timestamp("us", "UTC")
    assert types["resource"] == pa.string()
    assert types["is_automated"] == pa.bool_()
    assert types["amount"] == pa.float64()  # decimal -> float64
    assert types["due_date"] == pa.date32()  # a calendar day stays a day
    assert types["customer"] == pa.string()
    created = table.filter(pa.compute.equal(table.column("activity"), "Invoice Created"))
    row = created.filter(pa.compute.equal(created.column("case_id"), invoices[0])).to_pylist()[0]
    assert row["amount"] == 1000.0
    assert row["resource"] == "fin"
    assert row["customer"] == "Padaria Sol Ltda"
    assert isinstance(row["due_date"], dt.date) and not isinstance(row["due_date"], dt.datetime)
    stored = Event.objects.get(case_id=invoices[0], activity="Invoice Created")
    assert stored.attribute_types["amount"] == "decimal"


@pytest.mark.django_db
def test_filters(invoices: list[str], frozen_clock: Any) -> None:
    only_invoice_steps = own_table(activity_prefix="Invoice")
    assert set(only_invoice_steps.column("activity").to_pylist()) <= {
        a for a in Event.objects.values_list("activity", flat=True) if a.startswith("Invoice")
    }
    later = own_table(since=NOW + dt.timedelta(days=1))
    assert later.num_rows == Event.objects.filter(timestamp__gte=NOW + dt.timedelta(days=1)).count()
    assert invoices[0] not in later.column("case_id").to_pylist()
    window = own_table(until=NOW + dt.timedelta(hours=1), invoices_only=True)
    assert set(window.column("case_id").to_pylist()) == {invoices[0]}
    with pytest.raises(InvalidInput, match="Fatura's event log: the log has no events"):
        own_event_log(since=NOW + dt.timedelta(days=300))
    assert own_table(since=NOW + dt.timedelta(days=300)).num_rows == 0


@pytest.mark.django_db
def test_export_own_log_as_xes_reads_in_pm4py(invoices: list[str], tmp_path: Path) -> None:
    out = tmp_path / "fatura.xes"
    stdout = io.StringIO()
    call_command("export_log", "fatura", str(out), format="xes", invoices_only=True, stdout=stdout)
    assert "exported 'fatura'" in stdout.getvalue()
    reference = pm4py_outputs(read_xes_with_pm4py(out))
    assert_matches_pm4py(mine(own_event_log(invoices_only=True)).to_json(), reference)
    assert '<float key="amount" value="1000"/>' in out.read_text()
