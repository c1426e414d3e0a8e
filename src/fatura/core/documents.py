"""Brazilian taxpayer numbers: CPF (people, 11 digits) and CNPJ (companies, 14 digits)."""

from __future__ import annotations

import re

CPF = "CPF"
CNPJ = "CNPJ"


def only_digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def _cpf_valid(digits: str) -> bool:
    if len(digits) != 11 or digits == digits[0] * 11:
        return False
    for size in (9, 10):
        total = sum(int(d) * w for d, w in zip(digits[:size], range(size + 1, 1, -1), strict=True))
        check = (total * 10) % 11 % 10
        if check != int(digits[size]):
            return False
    return True


def _cnpj_valid(digits: str) -> bool:
    if len(digits) != 14 or digits == digits[0] * 14:
        return False
    weights = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    for size in (12, 13):
        w = weights if size == 12 else [6, *weights]
        total = sum(int(d) * k for d, k in zip(digits[:size], w, strict=True))
        remainder = total % 11
        check = 0 if remainder < 2 else 11 - remainder
        if check != int(digits[size]):
            return False
    return True


def document_kind(text: str) -> str:
    """Return ``"CPF"`` or ``"CNPJ"`` for a valid number.

    Raises ``ValueError`` with the reason otherwise.
    """
    digits = only_digits(text)
    if len(digits) == 11:
        if _cpf_valid(digits):
            return CPF
        raise ValueError(f"CPF inválido: {text}")
    if len(digits) == 14:
        if _cnpj_valid(digits):
            return CNPJ
        raise ValueError(f"CNPJ inválido: {text}")
    raise ValueError(f"CPF/CNPJ deve ter 11 ou 14 dígitos: {text!r}")


def format_document(digits: str) -> str:
    """``12345678000195`` -> ``12.345.678/0001-95``; ``12345678909`` -> ``123.456.789-09``."""
    if len(digits) == 14:
        return f"{digits[:2]}.{digits[2:5]}.{digits[5:8]}/{digits[8:12]}-{digits[12:]}"
    if len(digits) == 11:
        return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"
    return digits


def cnpj_with_check_digits(base12: str) -> str:
    """Complete a 12-digit CNPJ base with its check digits (used by demo data and tests)."""
    weights = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    digits = base12
    for w in (weights, [6, *weights]):
        total = sum(int(d) * k for d, k in zip(digits, w, strict=True))
        remainder = total % 11
        digits += str(0 if remainder < 2 else 11 - remainder)
    return digits


def cpf_with_check_digits(base9: str) -> str:
    digits = base9
    for size in (9, 10):
        total = sum(int(d) * w for d, w in zip(digits[:size], range(size + 1, 1, -1), strict=True))
        digits += str((total * 10) % 11 % 10)
    return digits
