"""CNAB 240 remittance: fixed widths and positions of FEBRABAN's layout v10 (cobrança), and
POST /remittances."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from fatura.banking.boleto import BankAccount
from fatura.banking.cnab240 import Company, RemittanceError, Title, num, remittance
from fatura.banking.models import Remittance

ACCOUNT = BankAccount(bank="341", agency="0057", account="12345", account_digit="7", wallet="109")
COMPANY = Company(name="Fatura Serviços Digitais Ltda.", document="11.222.333/0001-81")
AT = dt.datetime(2026, 5, 5, 11, 30, 15)


def _title(number: str, amount: str, **kw: Any) -> Title:
    return Title(
        nosso_numero=number,
        document_number=f"FAT-{number}",
        due_date=dt.date(2026, 6, 4),
        amount=Decimal(amount),
        issue_date=dt.date(2026, 5, 5),
        payer_name=kw.pop("payer_name", "Padaria São João Ltda"),
        payer_document=kw.pop("payer_document", "12.345.678/0001-95"),
        **kw,
    )


def _at(record: str, start: int, end: int) -> str:
    """Positions as the layout numbers them: 1-based, inclusive."""
    return record[start - 1 : end]


def test_fixed_widths_and_record_order() -> None:
    text = remittance(
        ACCOUNT, COMPANY, [_title("00000001", "1500.00"), _title("00000002", "99.90")],
        sequence=7, at=AT,
    )  # fmt: skip
    assert text.endswith("\r\n")
    records = text.split("\r\n")[:-1]
    assert [len(r) for r in records] == [240] * 8
    assert [_at(r, 8, 8) for r in records] == ["0", "1", "3", "3", "3", "3", "5", "9"]
    assert [_at(r, 14, 14) for r in records[2:6]] == ["P", "Q", "P", "Q"]
    assert text.isascii()


def test_header_de_arquivo_positions() -> None:
    header = remittance(ACCOUNT, COMPANY, [_title("00000001", "1.00")], sequence=7, at=AT)[:240]
    assert _at(header, 1, 3) == "341"
    assert _at(header, 4, 7) == "0000"
    assert _at(header, 18, 18) == "2"  # CNPJ
    assert _at(header, 19, 32) == "11222333000181"
    assert _at(header, 53, 57) == "00057"
    assert _at(header, 59, 70) == "000000012345"
    assert _at(header, 71, 71) == "7"
    assert _at(header, 73, 102) == "FATURA SERVICOS DIGITAIS LTDA."
    assert _at(header, 143, 143) == "1"  # remessa
    assert _at(header, 144, 151) == "05052026"
    assert _at(header, 152, 157) == "113015"
    assert _at(header, 158, 163) == "000007"  # NSA
    assert _at(header, 164, 166) == "103"


def test_segments_p_and_q_positions() -> None:
    records = remittance(
        ACCOUNT, COMPANY, [_title("00000001", "1500.00")], sequence=1, at=AT
    ).split("\r\n")
    batch, p, q = records[1], records[2], records[3]
    assert _at(batch, 9, 9) == "R" and _at(batch, 10, 11) == "01" and _at(batch, 14, 16) == "060"
    assert _at(batch, 184, 191) == "00000001"
    assert _at(p, 4, 7) == "0001" and _at(p, 9, 13) == "00001"
    assert _at(p, 16, 17) == "01"  # entrada de títulos
    assert _at(p, 38, 57) == "00000001".ljust(20)
    assert _at(p, 63, 77) == "FAT-00000001".ljust(15)
    assert _at(p, 78, 85) == "04062026"
    assert _at(p, 86, 100) == "000000000150000"
    assert _at(p, 107, 108) == "04"  # duplicata de serviço
    assert _at(p, 110, 117) == "05052026"
    assert _at(p, 228, 229) == "09"
    assert _at(q, 9, 13) == "00002"
    assert _at(q, 18, 18) == "2" and _at(q, 19, 33) == "012345678000195"
    assert _at(q, 34, 73) == "PADARIA SAO JOAO LTDA".ljust(40)


def test_trailers_count_and_sum() -> None:
    titles = [_title("00000001", "1500.00"), _title("00000002", "99.90")]
    records = remittance(ACCOUNT, COMPANY, titles, sequence=1, at=AT).split("\r\n")
    batch_trailer, file_trailer = records[6], records[7]
    assert _at(batch_trailer, 18, 23) == "000006"  # header + 4 details + trailer
    assert _at(batch_trailer, 24, 29) == "000002"
    assert _at(batch_trailer, 30, 46) == "00000000000159990"
    assert _at(file_trailer, 4, 7) == "9999"
    assert _at(file_trailer, 18, 23) == "000001" and _at(file_trailer, 24, 29) == "000008"


def test_a_cpf_payer_and_limits() -> None:
    records = remittance(
        ACCOUNT, COMPANY, [_title("00000001", "10.00", payer_document="123.456.789-09")],
        sequence=1, at=AT,
    ).split("\r\n")  # fmt: skip
    assert _at(records[3], 18, 33) == "1000012345678909"
    with pytest.raises(RemittanceError):
        remittance(ACCOUNT, COMPANY, [], sequence=1, at=AT)
    with pytest.raises(RemittanceError):
        num(1234567, 6)


# --- POST /remittances --------------------------------------------------------------------


@pytest.mark.django_db
def test_post_remittances(books: Any, fin_api: Any) -> None:
    first = books.sent(amount="1500.00")
    second = books.sent(amount="99.90")
    response = fin_api.post(
        "/remittances", {"invoice_numbers": [first.number, second.number, first.number]}
    )
    assert response.status_code == 201, response.content
    assert response["Content-Disposition"] == 'attachment; filename="remessa-341-000001.rem"'
    records = response.content.decode("ascii").split("\r\n")[:-1]
    assert len(records) == 8 and all(len(r) == 240 for r in records)
    assert _at(records[2], 38, 57).strip() == "00000001"
    assert _at(records[4], 38, 57).strip() == "00000002"
    assert _at(records[4], 86, 100) == "000000000009990"
    remittance_row = Remittance.objects.get()
    assert remittance_row.instruments.count() == 2
    again = fin_api.post("/remittances", {"invoice_numbers": [first.number]})
    assert again["Content-Disposition"].endswith('000002.rem"')  # NSA goes on
    # the same boleto (nosso número) is sent again, not a new one
    assert _at(again.content.decode("ascii").split("\r\n")[2], 38, 57).strip() == "00000001"


@pytest.mark.django_db
def test_post_remittances_refusals(books: Any, fin_api: Any, ops_api: Any) -> None:
    open_invoice = books.sent(amount="100.00")
    paid = books.sent(amount="100.00")
    books.pay(paid, "100.00")
    response = fin_api.post("/remittances", {"invoice_numbers": [open_invoice.number, paid.number]})
    assert response.status_code == 409 and paid.number in response.json()["detail"]
    response = fin_api.post("/remittances", {"invoice_numbers": ["FAT-99999999"]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "invoice_numbers"
    assert fin_api.post("/remittances", {"invoice_numbers": []}).status_code == 422
    assert (
        ops_api.post("/remittances", {"invoice_numbers": [open_invoice.number]}).status_code == 403
    )
    assert not Remittance.objects.exists()
