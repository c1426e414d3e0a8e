"""The receiving accounts, from the settings (or the environment): ``FATURA_PIX_KEY``,
``FATURA_PIX_MERCHANT_NAME``, ``FATURA_PIX_MERCHANT_CITY``; ``FATURA_BOLETO_BANK`` ("001" Banco
do Brasil, "341" Itaú), ``FATURA_BOLETO_AGENCY``, ``FATURA_BOLETO_ACCOUNT`` ("12345-6"),
``FATURA_BOLETO_CONVENIO`` (BB, 7 digits), ``FATURA_BOLETO_CARTEIRA`` (BB "17"/"18", Itaú
"109"). Unset: that instrument is not offered. The demo (``FATURA_DEMO=1``) has its own."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from fatura.banking.boleto import BankAccount, digits
from fatura.banking.pix import MERCHANT_CITY_MAX, MERCHANT_NAME_MAX, normalize_text

_DEMO = {
    "FATURA_PIX_KEY": "financeiro@fatura.example",
    "FATURA_PIX_MERCHANT_CITY": "São Paulo",
    "FATURA_BOLETO_BANK": "341",
    "FATURA_BOLETO_AGENCY": "0057",
    "FATURA_BOLETO_ACCOUNT": "12345-7",
    "FATURA_BOLETO_CARTEIRA": "109",
}


def _value(name: str) -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    if value is None and getattr(settings, "FATURA_DEMO", False):
        value = _DEMO.get(name)
    return str(value or "").strip()


@dataclass(frozen=True)
class PixAccount:
    key: str
    merchant_name: str  # normalized: ASCII, upper case, ≤ 25
    merchant_city: str  # normalized: ASCII, upper case, ≤ 15


def pix_account() -> PixAccount | None:
    key = _value("FATURA_PIX_KEY")
    if not key:
        return None
    name = _value("FATURA_PIX_MERCHANT_NAME") or settings.FATURA_COMPANY["name"]
    city = _value("FATURA_PIX_MERCHANT_CITY") or "SAO PAULO"
    return PixAccount(
        key=key,
        merchant_name=normalize_text(name, MERCHANT_NAME_MAX),
        merchant_city=normalize_text(city, MERCHANT_CITY_MAX),
    )


def boleto_account() -> BankAccount | None:
    return _boleto_account(_value)


def demo_boleto_account() -> BankAccount:
    """The demo's account (Itaú 0057/12345-7, carteira 109), whatever the settings: the demo
    year's bank files are written for it."""
    account = _boleto_account(lambda name: _DEMO.get(name, ""))
    assert account is not None
    return account


def _boleto_account(value: Callable[[str], str]) -> BankAccount | None:
    bank = digits(value("FATURA_BOLETO_BANK"))
    if not bank:
        return None
    agency, _, agency_digit = value("FATURA_BOLETO_AGENCY").partition("-")
    account, _, account_digit = value("FATURA_BOLETO_ACCOUNT").partition("-")
    return BankAccount(
        bank=bank.zfill(3),
        agency=digits(agency).zfill(4),
        agency_digit=agency_digit.strip(),
        account=digits(account),
        account_digit=account_digit.strip(),
        wallet=digits(value("FATURA_BOLETO_CARTEIRA")),
        agreement=digits(value("FATURA_BOLETO_CONVENIO")),
    )
