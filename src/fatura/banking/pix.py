"""The static PIX BR Code (EMV® QRCPS-MPM as the Banco Central's "Manual de Padrões para
Iniciação do Pix" profiles it): pure, no Django. Written from the manual (docs/decisions/
0026-pix-br-code.md); tested against its published example byte for byte, CRC included.

Each data object is ``ID`` (2 digits) + length (2 digits) + value; the payload ends with the
CRC object ``6304`` + CRC16-CCITT-FALSE (polynomial 0x1021, initial 0xFFFF) of everything
before it including ``6304``, as four upper-case hex digits.
"""

from __future__ import annotations

import binascii
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

GUI = "br.gov.bcb.pix"
MERCHANT_NAME_MAX = 25
MERCHANT_CITY_MAX = 15
TXID_MAX = 25
TXID_NONE = "***"  # the manual's value when the receiver does not identify the payment
_TXID = re.compile(r"^[A-Za-z0-9]{1,25}$")
_ASCII_PRINTABLE = re.compile(r"^[\x20-\x7e]*$")


class BrCodeError(ValueError):
    """A field the BR Code cannot carry (too long, not ASCII, a bad amount or txid)."""


def crc16_ccitt_false(data: str) -> str:
    """CRC-16/CCITT-FALSE of the UTF-8 bytes, four upper-case hex digits.
    ``binascii.crc_hqx`` is that CRC (poly 0x1021, no reflection) with the initial value given."""
    return f"{binascii.crc_hqx(data.encode('utf-8'), 0xFFFF):04X}"


def emv(field_id: str, value: str) -> str:
    """One data object: ID, two-digit length, value (at most 99 characters)."""
    if len(value) > 99:
        raise BrCodeError(f"campo {field_id}: mais de 99 caracteres")
    return f"{field_id}{len(value):02d}{value}"


def normalize_text(text: str, limit: int) -> str:
    """The merchant name/city as the manual's examples write them: ASCII without accents,
    upper case, single spaces, cut at ``limit`` characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ascii_text = re.sub(r"[^A-Za-z0-9 .,/&-]", " ", ascii_text)
    return " ".join(ascii_text.upper().split())[:limit].rstrip()


def amount_text(amount: Decimal) -> str:
    """Field 54: the amount with a point and two decimals ("1234.50"), at most 13 characters."""
    if amount <= 0:
        raise BrCodeError("valor do PIX deve ser positivo")
    text = f"{amount.quantize(Decimal('0.01')):.2f}"
    if len(text) > 13:
        raise BrCodeError("valor do PIX grande demais")
    return text


@dataclass(frozen=True)
class StaticBrCode:
    key: str  # the PIX key (e-mail, CPF/CNPJ digits, +55 phone, or random EVP)
    merchant_name: str
    merchant_city: str
    txid: str = TXID_NONE
    amount: Decimal | None = None  # None: the payer types it
    description: str = ""  # 26/02, optional free text for the payer

    def payload(self) -> str:
        return br_code(self)


def _check(name: str, value: str, limit: int) -> None:
    if not value or len(value) > limit:
        raise BrCodeError(f"{name}: de 1 a {limit} caracteres")
    if not _ASCII_PRINTABLE.match(value):
        raise BrCodeError(f"{name}: só caracteres ASCII")


def br_code(code: StaticBrCode) -> str:
    """The "copia e cola" text of a static BR Code, CRC included. Fields are taken as given
    (validated, not rewritten): normalize name and city with :func:`normalize_text` first."""
    _check("nome do recebedor", code.merchant_name, MERCHANT_NAME_MAX)
    _check("cidade do recebedor", code.merchant_city, MERCHANT_CITY_MAX)
    if code.txid != TXID_NONE and not _TXID.match(code.txid):
        raise BrCodeError("txid: de 1 a 25 letras e dígitos")
    if not code.key or len(code.key) > 77:
        raise BrCodeError("chave PIX: de 1 a 77 caracteres")
    account = emv("00", GUI) + emv("01", code.key)
    if code.description:
        account += emv("02", code.description)
    parts = [
        emv("00", "01"),  # payload format indicator
        emv("26", account),  # merchant account information: PIX
        emv("52", "0000"),  # merchant category code
        emv("53", "986"),  # transaction currency: BRL
    ]
    if code.amount is not None:
        parts.append(emv("54", amount_text(code.amount)))
    parts += [
        emv("58", "BR"),
        emv("59", code.merchant_name),
        emv("60", code.merchant_city),
        emv("62", emv("05", code.txid)),  # additional data: reference label (txid)
    ]
    body = "".join(parts) + "6304"
    return body + crc16_ccitt_false(body)


def parse(payload: str) -> dict[str, str]:
    """The top-level data objects of a BR Code (ID → value); raises when the CRC is wrong."""
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise BrCodeError("BR Code sem CRC (6304)")
    if crc16_ccitt_false(payload[:-4]) != payload[-4:].upper():
        raise BrCodeError("CRC do BR Code não confere")
    fields: dict[str, str] = {}
    position = 0
    while position < len(payload):
        field_id = payload[position : position + 2]
        size = int(payload[position + 2 : position + 4])
        fields[field_id] = payload[position + 4 : position + 4 + size]
        position += 4 + size
    return fields


def txid_for(invoice_number: str, installment_number: int) -> str:
    """The txid of an invoice installment: the number's letters and digits + "P" + the
    installment ("FAT-00000042", 1 → "FAT00000042P1"); unique because invoice numbers are."""
    base = re.sub(r"[^A-Za-z0-9]", "", invoice_number)
    txid = f"{base}P{installment_number}"
    if not _TXID.match(txid):
        raise BrCodeError("txid: de 1 a 25 letras e dígitos")
    return txid
