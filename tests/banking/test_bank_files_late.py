"""A boleto paid late through the bank: the juros/multa the bank collected pays the late charges
the payment service books (issue 11 §4), so the invoice closes and nothing is left as credit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from fatura.banking import bank_files
from fatura.banking.files.write import Title, cnab240_return
from fatura.banking.models import BankEntry, PaymentInstrument
from fatura.receivables import payments
from tests.receivables.builders import Books
from tests.scenarios import frozen_clock

__all__ = ["frozen_clock"]

late_charges = pytest.importorskip("fatura.receivables.late_charges")
if not hasattr(payments, "late_charges"):  # the payment service books them (issue 11 §4)
    pytest.skip("the payment service books no late charges yet", allow_module_level=True)


@pytest.fixture
def books(fin_user: Any, frozen_clock: Any, settings: Any) -> Books:
    from tests.factories import financeiro

    settings.FATURA_LATE_FINE_PERCENT = "2"
    settings.FATURA_LATE_INTEREST_MONTHLY_PERCENT = "1"
    return Books(fin_user, financeiro("aprovador"), frozen_clock)


def test_a_late_boleto_pays_principal_and_late_charges(books: Books) -> None:
    invoice = books.sent(amount="1000.00")
    assert invoice.due_date is not None
    PaymentInstrument.objects.create(
        invoice=invoice, kind="boleto", bank_code="001", reference="12345670000000555"
    )
    paid_on = invoice.due_date + dt.timedelta(days=30)
    books.clock.now = dt.datetime.combine(paid_on, dt.time(15), tzinfo=dt.UTC)
    owed = late_charges.due_if_paid_on(invoice, paid_on)
    assert owed > Decimal("1000.00")
    title = Title(
        "12345670000000555",
        owed,
        paid_on,
        nominal=Decimal("1000.00"),
        interest=owed - Decimal("1000.00"),
    )
    text = cnab240_return([title], generated=paid_on)
    result = bank_files.bank_file_import(by=books.user, data=text.encode(), name="r.ret")
    assert result.matched == 1
    invoice = books.reload(invoice)
    assert (invoice.status, invoice.balance) == ("closed", Decimal("0.00"))
    payment = BankEntry.objects.get().payment
    assert payment is not None and payment.unapplied == Decimal("0.00")
