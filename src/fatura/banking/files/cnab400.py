"""CNAB 400 return file (cobrança) of Banco do Brasil (CBR643: detail type 7 for convênios of
7 digits, type 1 for 6) and Itaú (detail type 1): header (type 0, "02RETORNO"), details,
trailer (type 9). Other record types a bank adds (Itaú's type 3 with the PIX QR code...) are
skipped. Each bank's positions are from its own layout manual (1-based, both ends included)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from fatura.banking.files.common import (
    BankFileError,
    EntryKind,
    ParsedEntry,
    ParsedFile,
    bounded_id,
    cents,
    cnab_date,
    cut,
    digits_field,
    fixed_lines,
)

WIDTH = 400
BB = "001"
ITAU = "341"


@dataclass(frozen=True)
class Layout:
    detail_types: tuple[str, ...]
    movements: dict[str, str]
    credit_date: tuple[int, int]
    fee: tuple[int, int]


LAYOUTS: dict[str, Layout] = {
    BB: Layout(
        detail_types=("7", "1"),
        movements={
            "02": EntryKind.REGISTRATION,
            "03": EntryKind.REJECTED,
            "05": EntryKind.PAYMENT,  # liquidado sem registro
            "06": EntryKind.PAYMENT,  # liquidação normal
            "07": EntryKind.PAYMENT,  # liquidação por conta (parcial)
            "08": EntryKind.PAYMENT,  # liquidação por saldo
            "09": EntryKind.WRITE_OFF,  # baixa de título
            "10": EntryKind.WRITE_OFF,  # baixa solicitada
            "15": EntryKind.PAYMENT,  # liquidação em cartório
            "28": EntryKind.FEE,  # débito de tarifas/custas
        },
        credit_date=(176, 181),
        fee=(182, 188),
    ),
    ITAU: Layout(
        detail_types=("1",),
        movements={
            "02": EntryKind.REGISTRATION,
            "03": EntryKind.REJECTED,
            "06": EntryKind.PAYMENT,  # liquidação normal
            "07": EntryKind.PAYMENT,  # liquidação parcial
            "08": EntryKind.PAYMENT,  # liquidação em cartório
            "09": EntryKind.WRITE_OFF,  # baixa simples
            "28": EntryKind.FEE,  # débito de tarifas/custas
        },
        credit_date=(296, 301),
        fee=(176, 188),
    ),
}


def looks_like(first_line: str) -> bool:
    return first_line.startswith("02RETORNO") or (
        first_line[:2] == "02" and len(first_line.rstrip("\r\n")) > 240
    )


def parse(text: str) -> ParsedFile:
    lines = fixed_lines(text, width=WIDTH)
    if not lines:
        raise BankFileError("O arquivo está vazio.")
    header = lines[0]
    if cut(header, 1, 2) != "02":
        raise BankFileError(
            "Linha 1: o header de um retorno começa com 0 (registro) e 2 (retorno).",
            line=1,
            field="tipo de registro",
        )
    bank = digits_field(header, 77, 79, number=1, name="código do banco")
    layout = LAYOUTS.get(bank)
    if layout is None:
        raise BankFileError(
            f"Linha 1: banco {bank} não suportado em CNAB 400 (suportados: "
            f"{', '.join(sorted(LAYOUTS))}).",
            line=1,
            field="código do banco",
        )
    if cut(lines[-1], 1, 1) != "9":
        raise BankFileError(
            f"Linha {len(lines)}: falta o trailer (registro tipo 9); o arquivo parece cortado.",
            line=len(lines),
            field="tipo de registro",
        )
    entries: list[ParsedEntry] = []
    for number, line in enumerate(lines[1:-1], start=2):
        record = cut(line, 1, 1)
        if record in layout.detail_types:
            entries.append(_entry(bank, layout, number, line))
        elif record in ("0", "9"):
            raise BankFileError(
                f"Linha {number}: header/trailer no meio do arquivo.",
                line=number,
                field="tipo de registro",
            )
        # other record types (messages, PIX QR code...) carry nothing to settle
    return ParsedFile(kind="cnab400", bank_code=bank, entries=entries)


def _nosso_numero(bank: str, record: str, line: str) -> str:
    if bank == ITAU:
        return cut(line, 86, 93).strip()
    if record == "7":  # BB convênio of 7 digits: 17 digits, no check digit
        return cut(line, 64, 80).strip()
    return cut(line, 63, 73).strip()  # BB convênio of 6 digits: 11 digits, DV at 74


def _entry(bank: str, layout: Layout, number: int, line: str) -> ParsedEntry:
    movement = digits_field(line, 109, 110, number=number, name="código de ocorrência")
    kind = layout.movements.get(movement, EntryKind.OTHER)
    reference = _nosso_numero(bank, cut(line, 1, 1), line)
    if not reference:
        raise BankFileError(
            f"Linha {number}: nosso número em branco.", line=number, field="nosso número"
        )
    occurred = cnab_date(line, 111, 116, number=number, name="data da ocorrência")
    credited = cnab_date(line, *layout.credit_date, number=number, name="data do crédito")
    nominal = cents(line, 153, 165, number=number, name="valor do título")
    fee = cents(line, *layout.fee, number=number, name="tarifa")
    paid = cents(line, 254, 266, number=number, name="valor recebido")
    interest = cents(line, 267, 279, number=number, name="juros de mora")
    discount = cents(line, 241, 253, number=number, name="desconto") + cents(
        line, 228, 240, number=number, name="abatimento"
    )
    amount: Decimal
    if kind == EntryKind.PAYMENT:
        if paid <= 0:
            raise BankFileError(
                f"Linha {number}: liquidação sem valor recebido.",
                line=number,
                field="valor recebido",
            )
        credited = credited or occurred
        if credited is None:
            raise BankFileError(
                f"Linha {number}: liquidação sem data do crédito nem da ocorrência.",
                line=number,
                field="data do crédito",
            )
        amount = paid
    elif kind == EntryKind.FEE:
        amount = fee
    else:
        amount = nominal
    when: dt.date | None = occurred or credited
    stamp = when.strftime("%Y%m%d") if when else "00000000"
    return ParsedEntry(
        entry_id=bounded_id(f"cnab400:{bank}:{reference}:{movement}:{stamp}:{int(amount * 100)}"),
        kind=kind,
        line=number,
        movement=movement,
        amount=amount,
        credited_on=credited,
        occurred_on=occurred,
        bank_code=bank,
        nosso_numero=reference,
        document_number=cut(line, 117, 126).strip(),
        payer_name=cut(line, 325, 354).strip() if bank == ITAU else "",
        interest=interest,
        discount=discount,
        fee=fee,
        extras={"nominal": str(nominal)},
    )
