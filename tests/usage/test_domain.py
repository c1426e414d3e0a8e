"""usage.domain: reading a volume file into typed rows, every problem with its row and field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fatura.core.money import parse_decimal
from fatura.core.months import Month
from fatura.usage.domain import decode, parse_volume_file
from tests.scenarios import VOLUME_HEADER

DOC = "11222333000181"


def _errors(text: str) -> list[tuple[int, str]]:
    _, errors = parse_volume_file(text)
    return [(e.line, e.field) for e in errors]


def test_a_good_file_gives_typed_rows():
    rows, errors = parse_volume_file(
        VOLUME_HEADER
        + f"{DOC},2026-04,Armazenamento,Cloud,GB,0.3333,1500.5\n"
        + "111.444.777-35,2026-05,Suporte,Serviços,hora,,10\n"
    )
    assert errors == []
    first, second = rows
    assert (first.line, first.customer_document, first.month) == (2, DOC, Month(2026, 4))
    assert (first.item, first.product, first.unit) == ("Armazenamento", "Cloud", "GB")
    assert (first.unit_price, first.quantity) == (Decimal("0.3333"), Decimal("1500.5"))
    assert second.customer_document == "11144477735"  # punctuation dropped
    assert second.unit_price is None  # optional: the catalogue price applies


def test_semicolons_pt_br_numbers_bom_and_column_order():
    text = (
        "\ufeffquantity;unit_price;unit;product;item;month;customer_document\n"
        f"1.500,5;0,3333;GB;Cloud;Armazenamento;2026-04;{DOC}\n"
        "\n"  # blank lines are skipped
    )
    rows, errors = parse_volume_file(decode(text.encode("utf-8")))
    assert errors == []
    assert (rows[0].quantity, rows[0].unit_price) == (Decimal("1500.5"), Decimal("0.3333"))


def test_windows_1252_files_are_read():
    data = (VOLUME_HEADER + f"{DOC},2026-04,Serviço,Gestão,hora,1,1\n").encode("cp1252")
    rows, errors = parse_volume_file(decode(data))
    assert errors == [] and rows[0].item == "Serviço" and rows[0].product == "Gestão"


def test_every_bad_row_and_field_is_reported():
    text = (
        VOLUME_HEADER
        + f"{DOC},2026-04,Armazenamento,Cloud,GB,1,10\n"  # line 2: fine
        + "123,2026-13,,Cloud,GB,1,10\n"  # line 3: document, month, item
        + f"{DOC},2026-04,X,Cloud,GB,-1,abc\n"  # line 4: unit_price, quantity
        + f"{DOC},2026-04,X,,,0.00001,-2\n"  # line 5: product, unit, unit_price, quantity
        + f"{DOC},2026-04,X,Cloud,GB,1,0.0000001\n"  # line 6: quantity (7 places)
    )
    assert _errors(text) == [
        (3, "customer_document"),
        (3, "month"),
        (3, "item"),
        (4, "unit_price"),
        (4, "quantity"),
        (5, "product"),
        (5, "unit"),
        (5, "unit_price"),
        (5, "quantity"),
        (6, "quantity"),
    ]


def test_short_rows_are_missing_fields_not_a_crash():
    assert _errors(VOLUME_HEADER + f"{DOC},2026-04\n") == [
        (2, "item"),
        (2, "product"),
        (2, "unit"),
        (2, "quantity"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [(1, "file")]),
        ("customer_document,month,item\n1,2,3\n", [(1, "header")]),
        (VOLUME_HEADER, [(2, "file")]),
    ],
)
def test_empty_files_and_missing_columns(text, expected):
    assert _errors(text) == expected


def test_missing_columns_are_named():
    _, [error] = parse_volume_file("customer_document,month,item\n")
    assert error.message == "Colunas ausentes: product, unit, unit_price, quantity."
    assert error.as_dict() == {"row": 1, "field": "header", "message": error.message}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1234.5", "1234.5"), ("1234,5", "1234.5"), ("1.234,5", "1234.5"), (" 7 ", "7")],
)
def test_parse_decimal(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "Infinity", "1,2,3"])
def test_parse_decimal_refuses(text):
    with pytest.raises(ArithmeticError):
        parse_decimal(text)
