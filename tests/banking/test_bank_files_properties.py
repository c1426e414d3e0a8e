"""Hypothesis: importing any permutation or repetition of the same bank entries — split over
any number of files, in CNAB 240 and OFX — applies each entry exactly once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fatura.banking import bank_files
from fatura.banking.files.write import Title, Transaction, cnab240_return, ofx_statement
from fatura.banking.models import BankEntry, PaymentInstrument
from fatura.eventlog.models import Event
from fatura.receivables.models import Allocation, Invoice, Payment
from tests.receivables.builders import Books
from tests.scenarios import frozen_clock

__all__ = ["frozen_clock"]

CREDIT = dt.date(2026, 5, 6)
BOLETOS = 3  # entries 0..2: boletos paid (one partly) by a CNAB 240 return
PIXES = 3  # entries 3..5: PIX received on the statement (txid in the memo)


@pytest.fixture
def books(fin_user: Any, frozen_clock: Any, settings: Any) -> Books:
    from tests.factories import financeiro

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return Books(fin_user, financeiro("aprovador"), frozen_clock)


@contextmanager
def _rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _world(books: Books) -> tuple[list[Invoice], list[Title], list[Transaction]]:
    invoices = [books.sent(amount=f"{100 + 10 * n}.00") for n in range(BOLETOS + PIXES)]
    titles = []
    for n, invoice in enumerate(invoices[:BOLETOS]):
        reference = f"1234567{n:010d}"
        PaymentInstrument.objects.create(
            invoice=invoice, kind="boleto", bank_code="001", reference=reference
        )
        paid = invoice.balance if n else Decimal("40.00")  # the first one partly
        titles.append(Title(reference, paid, CREDIT))
    transactions = []
    for n, invoice in enumerate(invoices[BOLETOS:]):
        txid = invoice.number.replace("-", "") + "P1"
        PaymentInstrument.objects.create(invoice=invoice, kind="pix", reference=txid)
        transactions.append(Transaction(f"PIX{n}", CREDIT, invoice.balance, memo=f"PIX {txid}"))
    return invoices, titles, transactions


files_strategy = st.lists(
    st.lists(st.integers(0, BOLETOS + PIXES - 1), min_size=1, max_size=8),
    min_size=1,
    max_size=5,
)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(files=files_strategy)
def test_any_permutation_or_repetition_applies_each_entry_once(
    books: Books, files: list[list[int]]
) -> None:
    with _rolled_back():
        invoices, titles, transactions = _world(books)
        seen: set[int] = set()
        for number, picks in enumerate(files, start=1):
            boletos = [titles[i] for i in picks if i < BOLETOS]
            pixes = [transactions[i - BOLETOS] for i in picks if i >= BOLETOS]
            if boletos:
                text = cnab240_return(boletos, generated=CREDIT, sequence=number)
                bank_files.bank_file_import(by=books.user, data=text.encode(), name="r.ret")
            if pixes:
                data = ofx_statement(pixes)
                bank_files.bank_file_import(by=books.user, data=data, name="e.ofx")
            seen.update(picks)
        # each entry seen is kept once and paid by one payment
        assert BankEntry.objects.count() == len(seen)
        assert BankEntry.objects.filter(status="matched").count() == len(seen)
        for i in seen:
            invoice = Invoice.objects.get(pk=invoices[i].pk)
            applied = sum(
                (a.amount for a in Allocation.objects.filter(invoice=invoice)), Decimal(0)
            )
            expected = Decimal("40.00") if i == 0 else invoices[i].total_charged
            assert applied == expected, (i, applied)
            received = Event.objects.filter(case_id=invoice.number, activity="Payment Received")
            assert received.count() == 1
        for i in set(range(BOLETOS + PIXES)) - seen:
            assert not Allocation.objects.filter(invoice_id=invoices[i].pk).exists()
        assert Payment.objects.count() == BankEntry.objects.filter(status="matched").count()
