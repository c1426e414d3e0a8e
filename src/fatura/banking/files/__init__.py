"""Bank files in: CNAB 240 and CNAB 400 return files, OFX statements. Pure readers (bytes →
:class:`ParsedFile`, every error with its line and field), no Django: the banking services load
what they read (docs/decisions/0028-bank-files-and-matching.md)."""

from __future__ import annotations

from fatura.banking.files import cnab240, cnab400, ofx
from fatura.banking.files.common import (
    MAX_BYTES,
    BankFileError,
    EntryKind,
    ParsedEntry,
    ParsedFile,
    check_size,
    decode,
)

KINDS = ("cnab240", "cnab400", "ofx")

__all__ = [
    "KINDS",
    "BankFileError",
    "EntryKind",
    "ParsedEntry",
    "ParsedFile",
    "detect",
    "parse",
]


def detect(data: bytes) -> str:
    """The kind of file, from its content (never its name)."""
    if ofx.looks_like(data[:4096]):
        return "ofx"
    first = decode(data[:2048]).lstrip("\ufeff").splitlines()[0] if data.strip() else ""
    if cnab240.looks_like(first):
        return "cnab240"
    if cnab400.looks_like(first):
        return "cnab400"
    raise BankFileError(
        "Formato não reconhecido: envie um retorno CNAB 240 ou CNAB 400 ou um extrato OFX.",
        line=1,
        field="file",
    )


def parse(data: bytes, *, max_bytes: int = MAX_BYTES) -> ParsedFile:
    """Read a whole file or raise :class:`BankFileError` (nothing half-read)."""
    check_size(data, max_bytes)
    kind = detect(data)
    if kind == "ofx":
        return ofx.parse(data)
    text = decode(data)
    return cnab240.parse(text) if kind == "cnab240" else cnab400.parse(text)
