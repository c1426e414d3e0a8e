"""A CNAB 240 remittance ("remessa") of boletos to register, per FEBRABAN's "Layout Padrão de
Arquivos CNAB 240" v10 (cobrança): header de arquivo, header de lote, segments P and Q per
title, trailer de lote, trailer de arquivo; every record 240 characters, CRLF between them.
Pure, no Django (docs/decisions/0027-boleto-and-remittance.md).

Numeric fields (N) right-aligned, zero-filled; alphanumeric (A) left-aligned, space-filled,
upper case ASCII. Positions in comments are the layout's, 1-based and inclusive.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from fatura.banking.boleto import BANK_NAMES, BankAccount

RECORD = 240
FILE_LAYOUT = "103"  # header de arquivo: versão do layout do arquivo (v10.x)
BATCH_LAYOUT = "060"  # header de lote: versão do layout do lote (cobrança)
SERVICE_COBRANCA = "01"
MOVE_ENTRY = "01"  # código de movimento remessa: entrada de títulos
KIND_DS = "04"  # espécie: duplicata de serviço


class RemittanceError(ValueError):
    """A field that does not fit the layout."""


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Z0-9 .,/&@-]", " ", plain.upper())


def alpha(text: str, size: int) -> str:
    return _ascii(text)[:size].ljust(size)


def num(value: int | str, size: int) -> str:
    text = str(value)
    if not text.isdigit():
        text = re.sub(r"\D", "", text)
    if len(text) > size:
        raise RemittanceError(f"{text!r} não cabe em {size} dígitos")
    return text.zfill(size)


def money(value: Decimal, size: int = 15) -> str:
    """An amount with two implied decimals."""
    return num(int((value * 100).quantize(Decimal("1"))), size)


def date8(day: dt.date | None) -> str:
    return day.strftime("%d%m%Y") if day else "0" * 8


def _document(document: str) -> tuple[str, str]:
    """(tipo de inscrição: 1 CPF, 2 CNPJ; the digits)."""
    number = re.sub(r"\D", "", document)
    return ("1" if len(number) == 11 else "2"), number


@dataclass(frozen=True)
class Company:
    name: str
    document: str  # CNPJ (or CPF)


@dataclass(frozen=True)
class Title:
    """One boleto to register."""

    nosso_numero: str
    document_number: str  # seu número: the invoice number
    due_date: dt.date
    amount: Decimal
    issue_date: dt.date
    payer_name: str
    payer_document: str
    payer_address: str = ""
    payer_district: str = ""
    payer_zip: str = ""
    payer_city: str = ""
    payer_state: str = ""


def _check(record: str) -> str:
    if len(record) != RECORD:
        raise AssertionError(f"registro de {len(record)} posições, não {RECORD}")
    return record


def _account_fields(account: BankAccount) -> str:
    """Agência (5 N) + DV (1 A) + conta (12 N) + DV (1 A) + DV agência/conta (1 A)."""
    return (
        num(account.agency, 5)
        + alpha(account.agency_digit, 1)
        + num(account.account, 12)
        + alpha(account.account_digit, 1)
        + " "
    )


def header_file(account: BankAccount, company: Company, sequence: int, at: dt.datetime) -> str:
    kind, number = _document(company.document)
    return _check(
        num(account.bank, 3)  # 001-003 banco
        + "0000"  # 004-007 lote
        + "0"  # 008 tipo de registro
        + " " * 9  # 009-017 CNAB
        + kind  # 018 tipo de inscrição
        + num(number, 14)  # 019-032 inscrição
        + alpha(account.agreement, 20)  # 033-052 convênio
        + _account_fields(account)  # 053-072
        + alpha(company.name, 30)  # 073-102 nome da empresa
        + alpha(BANK_NAMES.get(account.bank, ""), 30)  # 103-132 nome do banco
        + " " * 10  # 133-142 CNAB
        + "1"  # 143 código remessa
        + at.strftime("%d%m%Y")  # 144-151 data de geração
        + at.strftime("%H%M%S")  # 152-157 hora de geração
        + num(sequence, 6)  # 158-163 NSA
        + FILE_LAYOUT  # 164-166 versão do layout
        + "0" * 5  # 167-171 densidade
        + " " * 20  # 172-191 reservado banco
        + " " * 20  # 192-211 reservado empresa
        + " " * 29  # 212-240 CNAB
    )


def header_batch(
    account: BankAccount, company: Company, sequence: int, at: dt.datetime, batch: int = 1
) -> str:
    kind, number = _document(company.document)
    return _check(
        num(account.bank, 3)  # 001-003
        + num(batch, 4)  # 004-007 lote
        + "1"  # 008 tipo de registro
        + "R"  # 009 operação: remessa
        + SERVICE_COBRANCA  # 010-011 serviço
        + "  "  # 012-013 CNAB
        + BATCH_LAYOUT  # 014-016 versão do layout do lote
        + " "  # 017 CNAB
        + kind  # 018
        + num(number, 15)  # 019-033
        + alpha(account.agreement, 20)  # 034-053 convênio
        + _account_fields(account)  # 054-073
        + alpha(company.name, 30)  # 074-103
        + " " * 40  # 104-143 mensagem 1
        + " " * 40  # 144-183 mensagem 2
        + num(sequence, 8)  # 184-191 número remessa
        + at.strftime("%d%m%Y")  # 192-199 data de gravação
        + "0" * 8  # 200-207 data do crédito
        + " " * 33  # 208-240 CNAB
    )


def segment_p(account: BankAccount, title: Title, record: int, batch: int = 1) -> str:
    return _check(
        num(account.bank, 3)  # 001-003
        + num(batch, 4)  # 004-007
        + "3"  # 008 detalhe
        + num(record, 5)  # 009-013 nº do registro no lote
        + "P"  # 014 segmento
        + " "  # 015 CNAB
        + MOVE_ENTRY  # 016-017 código de movimento
        + _account_fields(account)  # 018-037
        + alpha(title.nosso_numero, 20)  # 038-057 nosso número
        + "1"  # 058 carteira: cobrança simples
        + "1"  # 059 forma de cadastramento: com registro
        + "1"  # 060 tipo de documento: tradicional
        + "2"  # 061 emissão do boleto: pelo beneficiário
        + "2"  # 062 distribuição: pelo beneficiário
        + alpha(title.document_number, 15)  # 063-077 seu número
        + date8(title.due_date)  # 078-085 vencimento
        + money(title.amount)  # 086-100 valor nominal
        + "0" * 5  # 101-105 agência cobradora
        + " "  # 106 DV
        + KIND_DS  # 107-108 espécie do título
        + "N"  # 109 aceite
        + date8(title.issue_date)  # 110-117 data de emissão
        + "3"  # 118 juros de mora: isento
        + "0" * 8  # 119-126 data dos juros
        + "0" * 15  # 127-141 juros por dia/taxa
        + "0"  # 142 desconto: sem
        + "0" * 8  # 143-150 data do desconto
        + "0" * 15  # 151-165 valor do desconto
        + "0" * 15  # 166-180 IOF
        + "0" * 15  # 181-195 abatimento
        + alpha(title.document_number, 25)  # 196-220 uso da empresa
        + "3"  # 221 protesto: não protestar
        + "00"  # 222-223 prazo de protesto
        + "2"  # 224 baixa/devolução: não baixar
        + "000"  # 225-227 prazo de baixa
        + "09"  # 228-229 moeda: real
        + "0" * 10  # 230-239 contrato da operação de crédito
        + " "  # 240 uso livre
    )


def segment_q(account: BankAccount, title: Title, record: int, batch: int = 1) -> str:
    kind, number = _document(title.payer_document)
    zip_code = re.sub(r"\D", "", title.payer_zip).ljust(8, "0")[:8]
    return _check(
        num(account.bank, 3)  # 001-003
        + num(batch, 4)  # 004-007
        + "3"  # 008
        + num(record, 5)  # 009-013
        + "Q"  # 014
        + " "  # 015
        + MOVE_ENTRY  # 016-017
        + kind  # 018 tipo de inscrição do pagador
        + num(number, 15)  # 019-033
        + alpha(title.payer_name, 40)  # 034-073 nome
        + alpha(title.payer_address, 40)  # 074-113 endereço
        + alpha(title.payer_district, 15)  # 114-128 bairro
        + zip_code[:5]  # 129-133 CEP
        + zip_code[5:]  # 134-136 sufixo do CEP
        + alpha(title.payer_city, 15)  # 137-151 cidade
        + alpha(title.payer_state, 2)  # 152-153 UF
        + "0"  # 154 tipo de inscrição do sacador/avalista
        + "0" * 15  # 155-169
        + " " * 40  # 170-209 nome do sacador/avalista
        + "000"  # 210-212 banco correspondente
        + " " * 20  # 213-232 nosso número no correspondente
        + " " * 8  # 233-240 CNAB
    )


def trailer_batch(account: BankAccount, titles: Sequence[Title], batch: int = 1) -> str:
    records = 2 + 2 * len(titles)  # header + P/Q per title + trailer
    total = sum((t.amount for t in titles), Decimal("0"))
    return _check(
        num(account.bank, 3)  # 001-003
        + num(batch, 4)  # 004-007
        + "5"  # 008
        + " " * 9  # 009-017
        + num(records, 6)  # 018-023 quantidade de registros do lote
        + num(len(titles), 6)  # 024-029 títulos em cobrança simples
        + money(total, 17)  # 030-046 valor total
        + "0" * 6  # 047-052 cobrança vinculada
        + "0" * 17  # 053-069
        + "0" * 6  # 070-075 cobrança caucionada
        + "0" * 17  # 076-092
        + "0" * 6  # 093-098 cobrança descontada
        + "0" * 17  # 099-115
        + " " * 8  # 116-123 aviso de lançamento
        + " " * 117  # 124-240
    )


def trailer_file(account: BankAccount, titles: Sequence[Title]) -> str:
    records = 4 + 2 * len(titles)  # file header/trailer + batch header/trailer + details
    return _check(
        num(account.bank, 3)  # 001-003
        + "9999"  # 004-007
        + "9"  # 008
        + " " * 9  # 009-017
        + num(1, 6)  # 018-023 quantidade de lotes
        + num(records, 6)  # 024-029 quantidade de registros
        + "0" * 6  # 030-035 contas para conciliação
        + " " * 205  # 036-240
    )


def remittance(
    account: BankAccount,
    company: Company,
    titles: Sequence[Title],
    *,
    sequence: int,
    at: dt.datetime,
) -> str:
    """The whole file: one batch of the titles, records joined by CRLF (and a final CRLF)."""
    if not titles:
        raise RemittanceError("remessa sem títulos")
    lines = [
        header_file(account, company, sequence, at),
        header_batch(account, company, sequence, at),
    ]
    for index, title in enumerate(titles):
        lines.append(segment_p(account, title, 2 * index + 1))
        lines.append(segment_q(account, title, 2 * index + 2))
    lines.append(trailer_batch(account, titles))
    lines.append(trailer_file(account, titles))
    return "\r\n".join(lines) + "\r\n"
