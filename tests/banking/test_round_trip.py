"""The loop of issue 13 end to end: invoice → boleto (remittance) and PIX → the bank's return
file and statement → payments applied, nothing applied twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from fatura.banking.bank_files import bank_file_import
from fatura.banking.files import write
from fatura.receivables.models import Invoice

pytestmark = pytest.mark.django_db


def test_remittance_then_return_file_and_statement_settle_the_invoices(
    books: Any, fin_api: Any, fin_user: Any
) -> None:
    by_boleto = books.sent(amount="1500.00")
    by_pix = books.sent(amount="99.90")
    remittance = fin_api.post("/remittances", {"invoice_numbers": [by_boleto.number]})
    segment_p = remittance.content.decode("ascii").split("\r\n")[2]
    nosso_numero = segment_p[37:57].strip()  # positions 38-57
    assert (
        nosso_numero == fin_api.get(f"/invoices/{by_boleto.number}/boleto").json()["nosso_numero"]
    )
    txid = fin_api.get(f"/invoices/{by_pix.number}/pix").json()["txid"]

    returned = write.cnab240_return(
        [write.Title(nosso_numero, Decimal("1500.00"), dt.date(2026, 5, 5))],
        bank="341",
        generated=dt.date(2026, 5, 5),
    ).encode("ascii")
    statement = write.ofx_statement(
        [
            write.Transaction(
                "E2E-1", dt.date(2026, 5, 5), Decimal("99.90"), memo=f"PIX RECEBIDO {txid}"
            )
        ],
    )
    first = bank_file_import(by=fin_user, data=returned, name="retorno.ret")
    second = bank_file_import(by=fin_user, data=statement, name="extrato.ofx")
    assert (first.matched, first.unmatched) == (1, 0)
    assert (second.matched, second.unmatched) == (1, 0)
    for invoice in (by_boleto, by_pix):
        reloaded = Invoice.objects.get(pk=invoice.pk)
        assert reloaded.balance == 0 and reloaded.payment_status == "paid"
    again = bank_file_import(by=fin_user, data=returned, name="retorno.ret")
    assert again.duplicates == 1 and again.matched == 0
