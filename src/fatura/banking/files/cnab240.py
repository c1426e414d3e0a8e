"""CNAB 240 return file (FEBRABAN "Layout Padrão de Arquivos", cobrança): file header (record
type 0), batches (1 header, 3 details, 5 trailer), file trailer (9). Each title comes as a
segment T (nosso número, movement, value, payer, tarifa) followed by its segment U (juros/multa,
desconto, abatimento, valor pago, líquido, occurrence and credit dates); optional segments a bank
adds after them (Y, W...) are skipped. The counts in the trailers are checked: a cut file is
refused, not half-read.

Positions below are the FEBRABAN layout's (1-based, both ends included)."""

from __future__ import annotations

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
    payer_document,
)

WIDTH = 240

# Código de movimento retorno (FEBRABAN note C044), by what it does to the title.
MOVEMENTS: dict[str, str] = {
    "02": EntryKind.REGISTRATION,  # entrada confirmada
    "03": EntryKind.REJECTED,  # entrada rejeitada
    "06": EntryKind.PAYMENT,  # liquidação
    "09": EntryKind.WRITE_OFF,  # baixa
    "17": EntryKind.PAYMENT,  # liquidação após baixa ou de título não registrado
    "25": EntryKind.WRITE_OFF,  # protestado e baixado
    "26": EntryKind.REJECTED,  # instrução rejeitada
    "28": EntryKind.FEE,  # débito de tarifas/custas
    "30": EntryKind.REJECTED,  # alteração de dados rejeitada
}


def looks_like(first_line: str) -> bool:
    line = first_line.rstrip("\r\n")
    return len(line) <= WIDTH and len(line) >= 143 and line[3:8] == "00000" and line[:3].isdigit()


def nosso_numero(bank: str, raw: str) -> str:
    """The nosso número as the boleto was issued (digits, no check digit): Itaú writes
    carteira (3) + number (8) + DAC (1) in the field; Banco do Brasil and the others write the
    number left-aligned."""
    value = raw.strip()
    if bank == "341" and len(value) >= 11 and value[:11].isdigit():
        return value[3:11]
    return value


def parse(text: str) -> ParsedFile:
    lines = fixed_lines(text, width=WIDTH)
    if not lines:
        raise BankFileError("O arquivo está vazio.")
    header = lines[0]
    if cut(header, 8, 8) != "0":
        raise BankFileError(
            "Linha 1: o arquivo deve começar pelo header de arquivo (registro tipo 0).",
            line=1,
            field="tipo de registro",
        )
    bank = digits_field(header, 1, 3, number=1, name="código do banco")
    if cut(header, 143, 143) == "1":
        raise BankFileError(
            "Linha 1: este é um arquivo de remessa (código 1), não de retorno.",
            line=1,
            field="código remessa/retorno",
        )
    if cut(lines[-1], 8, 8) != "9":
        raise BankFileError(
            f"Linha {len(lines)}: falta o trailer de arquivo (registro tipo 9); o arquivo "
            "parece cortado.",
            line=len(lines),
            field="tipo de registro",
        )
    entries: list[ParsedEntry] = []
    batches = 0
    batch_start = 0
    pending: tuple[int, str] | None = None  # the segment T waiting for its U
    for number, line in enumerate(lines[1:-1], start=2):
        record = cut(line, 8, 8)
        if cut(line, 1, 3) != bank:
            raise BankFileError(
                f"Linha {number}: código do banco {cut(line, 1, 3)!r} difere do header ({bank}).",
                line=number,
                field="código do banco",
            )
        if record == "1":
            batches += 1
            batch_start = number
        elif record == "3":
            if not batch_start:
                raise BankFileError(
                    f"Linha {number}: detalhe fora de um lote.", line=number, field="lote"
                )
            segment = cut(line, 14, 14)
            if segment == "T":
                if pending is not None:
                    raise _missing_u(pending[0])
                pending = (number, line)
            elif segment == "U":
                if pending is None:
                    raise BankFileError(
                        f"Linha {number}: segmento U sem o segmento T do título.",
                        line=number,
                        field="segmento",
                    )
                entries.append(_entry(bank, pending, (number, line)))
                pending = None
        elif record == "5":
            if pending is not None:
                raise _missing_u(pending[0])
            if not batch_start:
                raise BankFileError(
                    f"Linha {number}: trailer de lote sem header.", line=number, field="lote"
                )
            declared = int(
                digits_field(line, 18, 23, number=number, name="quantidade de registros")
            )
            if declared != number - batch_start + 1:
                raise BankFileError(
                    f"Linha {number}: o lote declara {declared} registros e tem "
                    f"{number - batch_start + 1}.",
                    line=number,
                    field="quantidade de registros",
                )
            batch_start = 0
        elif record in ("0", "9"):
            raise BankFileError(
                f"Linha {number}: header/trailer de arquivo no meio do arquivo.",
                line=number,
                field="tipo de registro",
            )
        else:
            raise BankFileError(
                f"Linha {number}: tipo de registro {record!r} desconhecido.",
                line=number,
                field="tipo de registro",
            )
    if pending is not None:
        raise _missing_u(pending[0])
    if batch_start:
        raise BankFileError(
            f"Linha {batch_start}: lote sem trailer.", line=batch_start, field="lote"
        )
    trailer = lines[-1]
    last = len(lines)
    declared_batches = int(digits_field(trailer, 18, 23, number=last, name="quantidade de lotes"))
    declared_records = int(
        digits_field(trailer, 24, 29, number=last, name="quantidade de registros")
    )
    if declared_batches != batches or declared_records != last:
        raise BankFileError(
            f"Linha {last}: o trailer declara {declared_batches} lote(s) e {declared_records} "
            f"registros; o arquivo tem {batches} e {last}.",
            line=last,
            field="quantidade de registros",
        )
    return ParsedFile(kind="cnab240", bank_code=bank, entries=entries)


def _missing_u(line: int) -> BankFileError:
    return BankFileError(
        f"Linha {line}: segmento T sem o segmento U que o segue.", line=line, field="segmento"
    )


def _entry(bank: str, t: tuple[int, str], u: tuple[int, str]) -> ParsedEntry:
    t_number, t_line = t
    u_number, u_line = u
    movement = digits_field(t_line, 16, 17, number=t_number, name="código de movimento")
    if cut(u_line, 16, 17) != movement:
        raise BankFileError(
            f"Linha {u_number}: o segmento U tem movimento {cut(u_line, 16, 17)!r} e o T "
            f"{movement!r}.",
            line=u_number,
            field="código de movimento",
        )
    kind = MOVEMENTS.get(movement, EntryKind.OTHER)
    number = nosso_numero(bank, cut(t_line, 38, 57))
    if not number:
        raise BankFileError(
            f"Linha {t_number}: nosso número em branco.", line=t_number, field="nosso número"
        )
    nominal = cents(t_line, 82, 96, number=t_number, name="valor nominal")
    fee = cents(t_line, 199, 213, number=t_number, name="valor da tarifa")
    interest = cents(u_line, 18, 32, number=u_number, name="juros/multa")
    discount = cents(u_line, 33, 47, number=u_number, name="desconto") + cents(
        u_line, 48, 62, number=u_number, name="abatimento"
    )
    paid = cents(u_line, 78, 92, number=u_number, name="valor pago")
    net = cents(u_line, 93, 107, number=u_number, name="valor líquido")
    occurred = cnab_date(u_line, 138, 145, number=u_number, name="data da ocorrência")
    credited = cnab_date(u_line, 146, 153, number=u_number, name="data do crédito")
    if kind == EntryKind.PAYMENT:
        if paid <= 0:
            raise BankFileError(
                f"Linha {u_number}: liquidação sem valor pago.", line=u_number, field="valor pago"
            )
        credited = credited or occurred
        if credited is None:
            raise BankFileError(
                f"Linha {u_number}: liquidação sem data do crédito nem da ocorrência.",
                line=u_number,
                field="data do crédito",
            )
        amount = paid
    elif kind == EntryKind.FEE:
        amount = fee or cents(u_line, 108, 122, number=u_number, name="outras despesas")
    else:
        amount = nominal
    when = occurred or credited
    stamp = when.strftime("%Y%m%d") if when else "00000000"
    cents_text = str(int(amount * 100))
    return ParsedEntry(
        entry_id=bounded_id(f"cnab240:{bank}:{number}:{movement}:{stamp}:{cents_text}"),
        kind=kind,
        line=t_number,
        movement=movement,
        amount=amount,
        credited_on=credited,
        occurred_on=occurred,
        bank_code=bank,
        nosso_numero=number,
        document_number=cut(t_line, 59, 73).strip(),
        payer_document=payer_document(cut(t_line, 133, 133), cut(t_line, 134, 148)),
        payer_name=cut(t_line, 149, 188).strip(),
        interest=interest,
        discount=discount,
        fee=fee,
        net=net if net > 0 else None,
        extras={"nominal": str(nominal), "reason": cut(t_line, 214, 223).strip()},
    )
