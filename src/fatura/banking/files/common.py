"""What every bank-file reader hands back, and the small shared pieces: a parse error that names
its line and field, fixed-width fields, CNAB amounts and dates, text decoding and bounds.

Pure: no Django, no database (the readers are tested on bytes alone)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import operator
import re
from dataclasses import dataclass, field
from decimal import Decimal

# The bounds of one file (the request body limit comes first, in core.uploads).
MAX_BYTES = 50 * 1024 * 1024
MAX_LINES = 2_000_000
MAX_ENTRIES = 200_000
# ``Payment.idempotency_key`` holds 80 characters: longer bank ids are hashed.
MAX_ENTRY_ID = 80


class EntryKind:
    """What a bank entry is; only payments (credits) are matched to invoices."""

    PAYMENT = "payment"  # liquidação / a credit on the statement
    REGISTRATION = "registration"  # entrada confirmada
    REJECTED = "rejected"  # entrada rejeitada, instrução rejeitada
    WRITE_OFF = "write_off"  # baixa
    FEE = "fee"  # tarifa / custas
    DEBIT = "debit"  # money out of the account (statements)
    OTHER = "other"

    ALL = (PAYMENT, REGISTRATION, REJECTED, WRITE_OFF, FEE, DEBIT, OTHER)


class BankFileError(ValueError):
    """The file cannot be read: ``line`` (1-based, 0 for the whole file) and ``field`` say
    where; the message is pt-BR for the person who uploaded it."""

    def __init__(self, message: str, *, line: int = 0, field: str = "file") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.field = field


@dataclass(frozen=True)
class ParsedEntry:
    """One movement of a bank file. ``entry_id`` is stable across files (the bank's id, or the
    title's nosso número + movement + date + amount for CNAB), so the same entry imported again
    is recognised; it becomes the payment's idempotency key."""

    entry_id: str
    kind: str
    line: int
    movement: str  # the bank's movement/occurrence code (CNAB) or TRNTYPE (OFX)
    amount: Decimal  # what was paid (payments), the fee (fees), the title's value otherwise
    credited_on: dt.date | None
    occurred_on: dt.date | None = None
    bank_code: str = ""
    nosso_numero: str = ""  # as issued: digits without check digit
    document_number: str = ""  # seu número / número do documento
    payer_document: str = ""  # CPF/CNPJ digits when the file tells it
    payer_name: str = ""
    memo: str = ""
    interest: Decimal = Decimal("0.00")  # juros/multa/encargos paid
    discount: Decimal = Decimal("0.00")  # desconto + abatimento granted by the bank
    fee: Decimal = Decimal("0.00")  # tarifa charged on this title
    net: Decimal | None = None  # what was credited to the account, when told
    extras: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedFile:
    kind: str  # "cnab240" | "cnab400" | "ofx"
    bank_code: str
    entries: list[ParsedEntry]


def bounded_id(entry_id: str) -> str:
    """The id as is when it fits the idempotency key, else a stable hash of it."""
    if len(entry_id) <= MAX_ENTRY_ID:
        return entry_id
    prefix = entry_id.split(":", 1)[0]
    return f"{prefix}:sha256:{hashlib.sha256(entry_id.encode()).hexdigest()[:64]}"


def decode(data: bytes) -> str:
    """UTF-8 when the bytes are UTF-8, else Windows-1252 (what Brazilian banks' exports use),
    else Latin-1 (which decodes any byte)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise BankFileError(
            f"Arquivo grande demais: {len(data)} bytes (limite {max_bytes}).", field="file"
        )
    if not data.strip():
        raise BankFileError("O arquivo está vazio.", field="file")


def fixed_lines(text: str, *, width: int) -> list[str]:
    """The records of a CNAB file: CR/LF/CRLF separated, the DOS end-of-file mark and blank
    lines at the end dropped; a record shorter than ``width`` (trailing blanks trimmed by some
    exports) is padded back; longer is an error."""
    lines = text.replace("\x1a", "").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) > MAX_LINES:
        raise BankFileError(f"Arquivo com mais de {MAX_LINES} linhas.", line=MAX_LINES + 1)
    padded: list[str] = []
    for number, line in enumerate(lines, start=1):
        if len(line) > width:
            raise BankFileError(
                f"Linha {number}: {len(line)} caracteres; o registro tem {width}.",
                line=number,
                field="registro",
            )
        padded.append(line.ljust(width))
    return padded


def cut(line: str, start: int, end: int) -> str:
    """Positions as the layouts print them: 1-based, both ends included."""
    return line[start - 1 : end]


def digits_field(line: str, start: int, end: int, *, number: int, name: str) -> str:
    value = cut(line, start, end)
    if not value.isdigit():
        raise BankFileError(
            f"Linha {number}, {name} (posições {start}-{end}): esperado número, veio {value!r}.",
            line=number,
            field=name,
        )
    return value


def cents(line: str, start: int, end: int, *, number: int, name: str) -> Decimal:
    """An amount written as digits with two implied decimals; blank is zero (some banks leave
    unused amount fields blank)."""
    value = cut(line, start, end)
    if not value.strip():
        return Decimal("0.00")
    if not value.isdigit():
        raise BankFileError(
            f"Linha {number}, {name} (posições {start}-{end}): valor inválido {value!r}.",
            line=number,
            field=name,
        )
    return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


def cnab_date(line: str, start: int, end: int, *, number: int, name: str) -> dt.date | None:
    """DDMMAAAA (8 positions) or DDMMAA (6; years 2000-2099); zeros or blanks: no date."""
    value = cut(line, start, end)
    if not value.strip() or not value.strip("0"):
        return None
    try:
        if len(value) == 8 and value.isdigit():
            return dt.date(int(value[4:]), int(value[2:4]), int(value[:2]))
        if len(value) == 6 and value.isdigit():
            return dt.date(2000 + int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        pass
    raise BankFileError(
        f"Linha {number}, {name} (posições {start}-{end}): data inválida {value!r}.",
        line=number,
        field=name,
    )


def payer_document(kind: str, number: str) -> str:
    """The CPF/CNPJ digits of a CNAB ``tipo de inscrição`` + number (15 positions), "" when
    absent or not a valid number."""
    digits = re.sub(r"\D", "", number)
    if not digits.strip("0"):
        return ""
    candidates = {"1": [digits[-11:]], "2": [digits[-14:]]}.get(kind, [digits[-14:], digits[-11:]])
    for candidate in candidates:
        if valid_document(candidate):
            return candidate
    return ""


_CPF_WEIGHTS = (tuple(range(10, 1, -1)), tuple(range(11, 1, -1)))
_CNPJ_WEIGHTS = ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2))


@functools.lru_cache(maxsize=65536)
def valid_document(digits: str) -> bool:
    """A valid CPF (11 digits) or CNPJ (14): the check digits of ``core.documents`` computed
    with ``map`` (a statement of 100,000 lines checks tens of thousands of them; a payer that
    pays often is checked once)."""
    if not digits.isdigit() or digits == digits[0] * len(digits):
        return False
    numbers = [ord(c) - 48 for c in digits]
    if len(digits) == 11:
        for size, weights in zip((9, 10), _CPF_WEIGHTS, strict=True):
            total = sum(map(operator.mul, numbers[:size], weights))
            if (total * 10) % 11 % 10 != numbers[size]:
                return False
        return True
    if len(digits) == 14:
        for size, weights in zip((12, 13), _CNPJ_WEIGHTS, strict=True):
            remainder = sum(map(operator.mul, numbers[:size], weights)) % 11
            if (0 if remainder < 2 else 11 - remainder) != numbers[size]:
                return False
        return True
    return False


_DOCUMENT = re.compile(
    r"(?<!\d)(\d{2}\.?\d{3}\.?\d{3}/?\d{4}-?\d{2}|\d{3}\.?\d{3}\.?\d{3}-?\d{2})(?!\d)"
)


def documents_in(text: str) -> list[str]:
    """The valid CPF/CNPJ numbers written in a statement memo (formatted or bare digits)."""
    found: list[str] = []
    for match in _DOCUMENT.finditer(text or ""):
        digits = match.group(0).replace(".", "").replace("/", "").replace("-", "")
        if valid_document(digits) and digits not in found:
            found.append(digits)
    return found
