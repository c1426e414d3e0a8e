"""Boleto de cobrança: the FEBRABAN 44-digit barcode and 47-digit linha digitável, and the
free field ("campo livre") of two banks' layouts. Pure, no Django (docs/decisions/
0027-boleto-and-remittance.md).

Barcode (44): bank (3) + currency "9" (1) + general check digit (1) + due-date factor (4) +
amount in cents (10) + free field (25). The general check digit is modulo 11 (weights 2..9 from
the right over the other 43 digits; 0, 10 and 11 become 1). The linha digitável is three fields
of the barcode's first nine digits and free field, each with a modulo 10 check digit (weights
2, 1 from the right, products' digits summed), then the general check digit, then factor +
amount.

Due-date factor: days since 07/10/1997 (1000 on 03/07/2000, 9999 on 21/02/2025); it restarts at
1000 on 22/02/2025 (FEBRABAN's factor reset), so from then on it is days since 22/02/2025 + 1000.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

CURRENCY_REAL = "9"
FACTOR_BASE = dt.date(1997, 10, 7)
FACTOR_RESET = dt.date(2025, 2, 22)  # factor 1000 again
FACTOR_FIRST = dt.date(2000, 7, 3)  # factor 1000 of the first cycle
AMOUNT_MAX = Decimal("99999999.99")

BANCO_DO_BRASIL = "001"
ITAU = "341"
BANK_NAMES = {BANCO_DO_BRASIL: "Banco do Brasil S.A.", ITAU: "Itaú Unibanco S.A."}


class BoletoError(ValueError):
    """A boleto that cannot be built (a field of the wrong size, a date outside the factor)."""


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def mod10(number: str) -> str:
    """FEBRABAN's modulo 10: weights 2, 1, 2… from the right; a product's digits are summed;
    the digit is 10 − (sum mod 10), 0 when that is 10."""
    total = 0
    for position, char in enumerate(reversed(number)):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


def mod11_weights(number: str) -> int:
    """Σ digit × weight, weights 2..9 from the right and again."""
    return sum(int(char) * (2 + position % 8) for position, char in enumerate(reversed(number)))


def general_check_digit(barcode_43: str) -> str:
    """The barcode's check digit (position 5): 11 − (Σ mod 11); 0, 10 or 11 give 1."""
    result = 11 - mod11_weights(barcode_43) % 11
    return "1" if result in (0, 10, 11) else str(result)


def due_factor(due_date: dt.date) -> str:
    """The four-digit due-date factor, with the 22/02/2025 reset."""
    if due_date >= FACTOR_RESET:
        factor = (due_date - FACTOR_RESET).days + 1000
    else:
        if due_date < FACTOR_FIRST:
            raise BoletoError("vencimento anterior a 03/07/2000 não tem fator")
        factor = (due_date - FACTOR_BASE).days
    if factor > 9999:
        raise BoletoError("vencimento fora do ciclo do fator (após 9999)")
    return f"{factor:04d}"


def factor_date(factor: str, *, around: dt.date) -> dt.date:
    """The due date a factor stands for: of the two cycles, the one nearer ``around``."""
    number = int(factor)
    candidates = [
        FACTOR_BASE + dt.timedelta(days=number),
        FACTOR_RESET + dt.timedelta(days=number - 1000),
    ]
    return min(candidates, key=lambda day: abs((day - around).days))


def amount_cents(amount: Decimal) -> str:
    if amount < 0 or amount > AMOUNT_MAX:
        raise BoletoError("valor do boleto fora de 0,00 a 99.999.999,99")
    return f"{int((amount * 100).quantize(Decimal('1'))):010d}"


def barcode(bank: str, due_date: dt.date, amount: Decimal, free_field: str) -> str:
    """The 44 digits of the barcode."""
    if len(bank) != 3 or not bank.isdigit():
        raise BoletoError("código do banco: 3 dígitos")
    if len(free_field) != 25 or not free_field.isdigit():
        raise BoletoError("campo livre: 25 dígitos")
    rest = due_factor(due_date) + amount_cents(amount) + free_field
    head = bank + CURRENCY_REAL
    return head + general_check_digit(head + rest) + rest


def digitable_line(code: str, *, formatted: bool = True) -> str:
    """The 47-digit linha digitável of a 44-digit barcode ("AAAAA.AAAAA BBBBB.BBBBBB
    CCCCC.CCCCCC D EEEEEEEEEEEEEE" when ``formatted``)."""
    if len(code) != 44 or not code.isdigit():
        raise BoletoError("código de barras: 44 dígitos")
    free = code[19:]
    field1 = code[0:4] + free[0:5]
    field2 = free[5:15]
    field3 = free[15:25]
    field1 += mod10(field1)
    field2 += mod10(field2)
    field3 += mod10(field3)
    field4 = code[4]
    field5 = code[5:19]
    if not formatted:
        return field1 + field2 + field3 + field4 + field5
    return (
        f"{field1[:5]}.{field1[5:]} {field2[:5]}.{field2[5:]} "
        f"{field3[:5]}.{field3[5:]} {field4} {field5}"
    )


def barcode_from_line(line: str) -> str:
    """The barcode a linha digitável stands for (checks its three field digits)."""
    number = digits(line)
    if len(number) != 47:
        raise BoletoError("linha digitável: 47 dígitos")
    fields = (number[0:10], number[10:21], number[21:32])
    for field in fields:
        if mod10(field[:-1]) != field[-1]:
            raise BoletoError("dígito de um campo da linha digitável não confere")
    free = fields[0][4:9] + fields[1][:10] + fields[2][:10]
    return number[0:4] + number[32] + number[33:47] + free


# --- the banks' free fields --------------------------------------------------------------


@dataclass(frozen=True)
class BankAccount:
    """The beneficiary's account as the bank registered it (``FATURA_BOLETO_*``)."""

    bank: str  # FEBRABAN code: "001" Banco do Brasil, "341" Itaú
    agency: str  # 4 digits, no check digit
    account: str  # digits, no check digit (Itaú: 5; BB: up to 8)
    account_digit: str = ""
    agency_digit: str = ""
    wallet: str = ""  # carteira: BB "17"/"18"; Itaú "109"
    agreement: str = ""  # convênio (BB: 7 digits)


def nosso_numero(account: BankAccount, sequence: int) -> str:
    """The nosso número without check digit for the ``sequence``-th boleto of the account:
    BB convênio of 7 digits: convênio + 10-digit sequence (17 digits, no check digit);
    Itaú: the 8-digit sequence."""
    if account.bank == BANCO_DO_BRASIL:
        if len(account.agreement) != 7:
            raise BoletoError("Banco do Brasil: convênio de 7 dígitos")
        if sequence >= 10**10:
            raise BoletoError("sequência do nosso número esgotada")
        return f"{account.agreement}{sequence:010d}"
    if account.bank == ITAU:
        if sequence >= 10**8:
            raise BoletoError("sequência do nosso número esgotada")
        return f"{sequence:08d}"
    raise BoletoError(f"banco {account.bank} sem leiaute de boleto")


def itau_dac(account: BankAccount, number: str) -> str:
    """Itaú's DAC of the nosso número: modulo 10 of agência + conta + carteira + nosso número
    (carteiras other than 126, 131, 146, 150 and 168)."""
    return mod10(account.agency + account.account + account.wallet + number)


def free_field(account: BankAccount, number: str) -> str:
    """The 25-digit free field of the bank's layout for nosso número ``number``."""
    if account.bank == BANCO_DO_BRASIL:
        # BB, convênio of 7 digits: "000000" + nosso número (17) + carteira (2)
        if len(number) != 17 or len(account.wallet) != 2:
            raise BoletoError("Banco do Brasil: nosso número de 17 e carteira de 2 dígitos")
        return "000000" + number + account.wallet
    if account.bank == ITAU:
        # Itaú carteira 109 (and the other "normal" carteiras): carteira (3) + nosso número (8)
        # + DAC (1) + agência (4) + conta (5) + DAC of agência/conta (1) + "000"
        if len(number) != 8 or len(account.wallet) != 3:
            raise BoletoError("Itaú: nosso número de 8 e carteira de 3 dígitos")
        if len(account.agency) != 4 or len(account.account) != 5:
            raise BoletoError("Itaú: agência de 4 e conta de 5 dígitos")
        return (
            account.wallet
            + number
            + itau_dac(account, number)
            + account.agency
            + account.account
            + mod10(account.agency + account.account)
            + "000"
        )
    raise BoletoError(f"banco {account.bank} sem leiaute de boleto")


def printed_nosso_numero(account: BankAccount, number: str) -> str:
    """The nosso número as the boleto prints it (Itaú "109/12345678-9"; BB the 17 digits)."""
    if account.bank == ITAU:
        return f"{account.wallet}/{number}-{itau_dac(account, number)}"
    return number


@dataclass(frozen=True)
class Boleto:
    bank: str
    nosso_numero: str
    barcode: str
    digitable_line: str
    due_date: dt.date
    amount: Decimal
    installment_number: int = 1


def boleto_build(account: BankAccount, number: str, due_date: dt.date, amount: Decimal) -> Boleto:
    code = barcode(account.bank, due_date, amount, free_field(account, number))
    return Boleto(
        bank=account.bank,
        nosso_numero=number,
        barcode=code,
        digitable_line=digitable_line(code),
        due_date=due_date,
        amount=amount,
    )
