"""The static BR Code against the Banco Central's manual (docs/decisions/0026)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fatura.banking.pix import (
    BrCodeError,
    StaticBrCode,
    crc16_ccitt_false,
    normalize_text,
    parse,
    txid_for,
)

# "Manual de Padrões para Iniciação do Pix", the static BR Code example (random key, no
# amount, txid "***"): the payload the manual prints, CRC 1D3D included.
MANUAL_STATIC = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"
    "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D"
)


def test_the_manuals_static_example_byte_for_byte() -> None:
    code = StaticBrCode(
        key="123e4567-e12b-12d1-a456-426655440000",
        merchant_name="Fulano de Tal",
        merchant_city="BRASILIA",
    )
    assert code.payload() == MANUAL_STATIC


def test_crc16_ccitt_false_check_value_and_the_manuals_crc() -> None:
    assert crc16_ccitt_false("123456789") == "29B1"  # the CRC catalogue's check value
    assert crc16_ccitt_false(MANUAL_STATIC[:-4]) == "1D3D"


def test_crc_keeps_leading_zeros() -> None:
    # some libraries print hex(crc) and drop a leading zero; four digits always here
    for amount in range(1, 400):
        payload = StaticBrCode(
            key="financeiro@fatura.example",
            merchant_name="FATURA",
            merchant_city="SAO PAULO",
            amount=Decimal(amount),
        ).payload()
        assert len(payload.rpartition("6304")[2]) == 4
        parse(payload)


def test_amount_txid_and_fields_in_order() -> None:
    payload = StaticBrCode(
        key="financeiro@fatura.example",
        merchant_name="FATURA SERVICOS DIGITAIS",
        merchant_city="SAO PAULO",
        txid="FAT00000042P1",
        amount=Decimal("9385.00"),
    ).payload()
    fields = parse(payload)
    assert list(fields) == ["00", "26", "52", "53", "54", "58", "59", "60", "62", "63"]
    assert fields["00"] == "01"
    assert fields["26"] == "0014br.gov.bcb.pix0125financeiro@fatura.example"
    assert fields["52"] == "0000" and fields["53"] == "986" and fields["58"] == "BR"
    assert fields["54"] == "9385.00"
    assert fields["62"] == "0513FAT00000042P1"
    assert payload.startswith("00020126")


def test_a_wrong_crc_is_refused() -> None:
    with pytest.raises(BrCodeError):
        parse(MANUAL_STATIC[:-1] + "E")


def test_normalization_ascii_upper_case_and_limits() -> None:
    assert normalize_text("Fatura Serviços Digitais Ltda.", 25) == "FATURA SERVICOS DIGITAIS"
    assert normalize_text("São Paulo", 15) == "SAO PAULO"
    assert normalize_text("  Jaboatão   dos Guararapes ", 15) == "JABOATAO DOS GU"


@pytest.mark.parametrize(
    "fields",
    [
        {"merchant_name": "X" * 26},
        {"merchant_city": "C" * 16},
        {"merchant_name": "Açaí"},
        {"txid": "FAT-1"},
        {"txid": "A" * 26},
        {"amount": Decimal("0")},
        {"amount": Decimal("12345678901.00")},
    ],
)
def test_fields_the_br_code_cannot_carry(fields: dict[str, object]) -> None:
    base: dict[str, object] = {"key": "k@x.example", "merchant_name": "N", "merchant_city": "C"}
    with pytest.raises(BrCodeError):
        StaticBrCode(**{**base, **fields}).payload()  # type: ignore[arg-type]


def test_txid_per_invoice_installment() -> None:
    assert txid_for("FAT-00000042", 1) == "FAT00000042P1"
    assert txid_for("FAT-00000042", 12) == "FAT00000042P12"
    with pytest.raises(BrCodeError):
        txid_for("X" * 24, 1)
