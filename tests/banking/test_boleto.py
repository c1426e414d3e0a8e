"""FEBRABAN barcode / linha digitável and the free fields of Banco do Brasil (convênio of 7
digits) and Itaú (carteira 109), against published boletos (docs/decisions/0027)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fatura.banking.boleto import (
    BankAccount,
    BoletoError,
    barcode,
    barcode_from_line,
    boleto_build,
    digitable_line,
    due_factor,
    factor_date,
    free_field,
    general_check_digit,
    itau_dac,
    mod10,
    nosso_numero,
    printed_nosso_numero,
)

# The example of Banco do Brasil's "Especificações Técnicas para Confecção de Boleto de
# Cobrança" (due 31/12/2007, R$ 1,00): the general layer (DV mod 11, field DVs mod 10, factor,
# value) whatever the free field.
BB_SPEC_BARCODE = "00193373700000001000500940144816060680935031"
BB_SPEC_LINE = "00190.50095 40144.816069 06809.350314 3 37370000000100"


def test_bb_specification_example() -> None:
    assert digitable_line(BB_SPEC_BARCODE) == BB_SPEC_LINE
    assert barcode_from_line(BB_SPEC_LINE) == BB_SPEC_BARCODE
    assert general_check_digit(BB_SPEC_BARCODE[:4] + BB_SPEC_BARCODE[5:]) == "3"
    assert (
        barcode("001", dt.date(2007, 12, 31), Decimal("1.00"), "0500940144816060680935031")
        == BB_SPEC_BARCODE
    )


@pytest.mark.parametrize(
    ("day", "factor"),
    [
        (dt.date(2000, 7, 3), "1000"),  # first cycle's 1000
        (dt.date(2007, 12, 31), "3737"),
        (dt.date(2025, 2, 21), "9999"),  # last day of the first cycle
        (dt.date(2025, 2, 22), "1000"),  # FEBRABAN's reset
        (dt.date(2025, 8, 30), "1189"),
        (dt.date(2026, 8, 6), "1530"),
    ],
)
def test_due_date_factor_with_the_2025_reset(day: dt.date, factor: str) -> None:
    assert due_factor(day) == factor
    assert factor_date(factor, around=day) == day


def test_factor_outside_the_cycles() -> None:
    with pytest.raises(BoletoError):
        due_factor(dt.date(2000, 7, 2))
    with pytest.raises(BoletoError):
        due_factor(dt.date(2049, 12, 1))


def test_mod10_and_mod11_rules() -> None:
    assert mod10("001905009") == "5"  # field 1 of the BB example
    assert mod10("0") == "0"
    # 0, 10 and 11 become 1 in the general digit
    assert general_check_digit("0" * 43) == "1"


# Banco do Brasil, convênio of 7 digits, carteira 17: free field "000000" + nosso número (17 =
# convênio + 10-digit sequence) + carteira. Real boletos, two after the 2025 factor reset.
BB_CONVENIO_7 = [
    ("3351860", "0025618243", dt.date(2025, 8, 30), "130.00",
     "00190.00009 03351.860006 25618.243171 4 11890000013000"),
    ("3432568", "0000010035", dt.date(2022, 11, 15), "147.80",
     "00190.00009 03432.568008 00010.035178 1 91700000014780"),
    ("2467742", "0000003599", dt.date(2026, 8, 6), "651.61",
     "00190.00009 02467.742009 00003.599172 6 15300000065161"),
]  # fmt: skip


@pytest.mark.parametrize(("convenio", "sequence", "due", "amount", "line"), BB_CONVENIO_7)
def test_banco_do_brasil_convenio_7(
    convenio: str, sequence: str, due: dt.date, amount: str, line: str
) -> None:
    account = BankAccount(
        bank="001", agency="1234", account="99999", wallet="17", agreement=convenio
    )
    number = nosso_numero(account, int(sequence))
    assert number == convenio + sequence and len(number) == 17
    assert free_field(account, number) == "000000" + number + "17"
    slip = boleto_build(account, number, due, Decimal(amount))
    assert slip.digitable_line == line
    assert slip.barcode == barcode_from_line(line)
    assert len(slip.barcode) == 44 and len(line.replace(".", "").replace(" ", "")) == 47


# Itaú carteira 109: carteira + nosso número (8) + DAC + agência + conta + DAC(agência/conta)
# + "000". Real boletos.
ITAU_109 = [
    ("7307", "14446", "00635712", dt.date(2020, 3, 16), "0.62",
     "34191.09008 63571.277308 71444.640008 5 81960000000062",
     "34195819600000000621090063571277307144464000"),
    ("0066", "20147", "00005552", dt.date(2017, 12, 5), "1058.98",
     "34191.09008 00555.270065 62014.760003 7 73640000105898",
     "34197736400001058981090000555270066201476000"),
]  # fmt: skip


@pytest.mark.parametrize(("agency", "account", "number", "due", "amount", "line", "code"), ITAU_109)
def test_itau_carteira_109(
    agency: str, account: str, number: str, due: dt.date, amount: str, line: str, code: str
) -> None:
    bank_account = BankAccount(bank="341", agency=agency, account=account, wallet="109")
    assert nosso_numero(bank_account, int(number)) == number
    slip = boleto_build(bank_account, number, due, Decimal(amount))
    assert slip.barcode == code
    assert slip.digitable_line == line


def test_itau_dac_worked_example() -> None:
    # agência 0057, conta 12345, carteira 110, nosso número 12345678: DAC 8 (Itaú's worked
    # computation of the nosso número's DAC, modulo 10)
    account = BankAccount(bank="341", agency="0057", account="12345", wallet="110")
    assert itau_dac(account, "12345678") == "8"
    assert printed_nosso_numero(account, "12345678") == "110/12345678-8"


def test_layout_limits() -> None:
    with pytest.raises(BoletoError):
        nosso_numero(
            BankAccount(bank="001", agency="1", account="1", wallet="17", agreement="123"), 1
        )
    with pytest.raises(BoletoError):
        nosso_numero(BankAccount(bank="237", agency="1", account="1"), 1)
    with pytest.raises(BoletoError):
        barcode("341", dt.date(2026, 1, 5), Decimal("100000000.00"), "0" * 25)
    with pytest.raises(BoletoError):
        barcode_from_line("00190.50096 40144.816069 06809.350314 3 37370000000100")
