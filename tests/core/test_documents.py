"""core.documents: CPF and CNPJ check digits.

A note on "any single-digit change is invalid": with Receita Federal's algorithm this holds
whenever the first check digit is not 0. A 0 stands for two remainders (CPF: 0 and 10; CNPJ: 0
and 1), so a changed digit can land on the other remainder and still validate — e.g. CPFs
323.192.703-02 and 423.192.703-02 are both valid. The validator must accept both (they are real
numbers), so the properties below state exactly what the algorithm guarantees.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from fatura.core.documents import (
    CNPJ,
    CPF,
    cnpj_with_check_digits,
    cpf_with_check_digits,
    document_kind,
    format_document,
    only_digits,
)

cpf_bases = st.text(alphabet="0123456789", min_size=9, max_size=9)
cnpj_bases = st.text(alphabet="0123456789", min_size=12, max_size=12)


def _changed(digits: str, position: int, delta: int) -> str:
    new_digit = (int(digits[position]) + delta) % 10
    return digits[:position] + str(new_digit) + digits[position + 1 :]


def _valid(text: str) -> bool:
    try:
        document_kind(text)
    except ValueError:
        return False
    return True


@given(base=cpf_bases)
def test_generated_cpfs_are_valid_with_or_without_punctuation(base):
    digits = cpf_with_check_digits(base)
    assume(len(set(digits)) > 1)
    assert document_kind(digits) == CPF
    assert document_kind(format_document(digits)) == CPF


@given(base=cnpj_bases)
def test_generated_cnpjs_are_valid_with_or_without_punctuation(base):
    digits = cnpj_with_check_digits(base)
    assume(len(set(digits)) > 1)
    assert document_kind(digits) == CNPJ
    assert document_kind(format_document(digits)) == CNPJ


@given(base=cpf_bases, position=st.integers(0, 10), delta=st.integers(1, 9))
def test_a_single_digit_change_invalidates_a_cpf(base, position, delta):
    digits = cpf_with_check_digits(base)
    assume(digits[9] != "0" or position >= 9)  # see the module docstring
    assert not _valid(_changed(digits, position, delta))


@given(base=cnpj_bases, position=st.integers(0, 13), delta=st.integers(1, 9))
def test_a_single_digit_change_invalidates_a_cnpj(base, position, delta):
    digits = cnpj_with_check_digits(base)
    assume(digits[12] != "0" or position >= 12)  # see the module docstring
    assert not _valid(_changed(digits, position, delta))


@given(base=cpf_bases, delta=st.integers(1, 9), which=st.sampled_from([9, 10]))
def test_a_changed_cpf_check_digit_is_always_invalid(base, delta, which):
    assert not _valid(_changed(cpf_with_check_digits(base), which, delta))


@given(base=cnpj_bases, delta=st.integers(1, 9), which=st.sampled_from([12, 13]))
def test_a_changed_cnpj_check_digit_is_always_invalid(base, delta, which):
    assert not _valid(_changed(cnpj_with_check_digits(base), which, delta))


def test_the_zero_check_digit_ambiguity_is_the_official_algorithm():
    assert document_kind("32319270302") == CPF
    assert document_kind("42319270302") == CPF


@pytest.mark.parametrize("repeated", [str(d) * 11 for d in range(10)] + ["0" * 14, "1" * 14])
def test_repeated_digits_are_invalid_even_with_matching_check_digits(repeated):
    with pytest.raises(ValueError, match="inválido"):
        document_kind(repeated)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("123.456.789-00", "CPF inválido"),
        ("11.222.333/0001-80", "CNPJ inválido"),
        ("123", "11 ou 14 dígitos"),
        ("", "11 ou 14 dígitos"),
        ("1234567890123", "11 ou 14 dígitos"),
    ],
)
def test_invalid_numbers_say_why(text, message):
    with pytest.raises(ValueError, match=message):
        document_kind(text)


def test_known_valid_numbers():
    assert document_kind("111.444.777-35") == CPF
    assert document_kind("11.222.333/0001-81") == CNPJ


def test_format_and_only_digits():
    assert format_document("11222333000181") == "11.222.333/0001-81"
    assert format_document("11144477735") == "111.444.777-35"
    assert format_document("123") == "123"
    assert only_digits("11.222.333/0001-81") == "11222333000181"
    assert only_digits("") == ""
