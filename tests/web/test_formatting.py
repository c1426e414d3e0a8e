"""Template filters and the CSV cell format, without the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fatura.core.errors import InvalidInput
from fatura.core.months import Month
from fatura.web.csv_export import cell
from fatura.web.forms import BillingItemForm, decimal_from_input
from fatura.web.templatetags import fatura_format as f
from fatura.web.templatetags.fatura_forms import error_title


def test_money_and_quantities_in_brazilian_format():
    assert f.brl(Decimal("1234.56")) == "R$ 1.234,56"
    assert f.brl("-0.5") == "-R$ 0,50"
    assert f.brl(None) == "" and f.brl("abc") == ""
    assert f.price_brl(Decimal("12.5000")) == "R$ 12,50"
    assert f.price_brl(Decimal("0.0125")) == "R$ 0,0125"
    assert f.price_brl(Decimal("1234.3333")) == "R$ 1.234,3333"
    assert f.decimal_br(Decimal("1500.500000")) == "1.500,5"
    assert f.decimal_br(Decimal("2"), 2) == "2,00"
    assert f.decimal_input(Decimal("2300.12")) == "2300,12"


def test_months_and_dates():
    assert f.month_label(dt.date(2026, 4, 1)) == "abril/2026"
    assert f.month_label(Month(2026, 12)) == "dezembro/2026"
    assert f.month_label("2026-03") == "março/2026"
    assert f.month_label("nope") == ""
    assert f.month_value(dt.date(2026, 4, 1)) == "2026-04"
    assert f.date_br(dt.date(2026, 5, 5)) == "05/05/2026"
    moment = dt.datetime(2026, 5, 5, 14, 30, tzinfo=dt.UTC)
    assert f.datetime_br(moment) == "05/05/2026 11:30"  # America/Sao_Paulo
    assert f.date_br(dt.datetime(2026, 5, 6, 1, 0, tzinfo=dt.UTC)) == "05/05/2026"


def test_activity_labels_and_event_summary():
    assert f.activity_label("Invoice Created") == "Fatura criada"
    assert f.activity_label("Something New") == "Something New"
    summary = f.attributes_summary(
        {"customer": "ACME", "month": "2026-04", "total_charged": "10.5", "other": 1}
    )
    assert summary == "cliente: ACME · mês: abril/2026 · total cobrado: R$ 10,50"
    assert f.attribute_value(True, "adjusted") == "sim"
    assert f.attribute_value(Decimal("3.5"), "quantity") == "3,5"


def test_csv_cells_for_excel_in_brazil():
    assert cell(Decimal("2300.12")) == "2300,12"
    assert cell(Decimal("1500.500000")) == "1500,5"
    assert cell(Decimal("0.3333")) == "0,3333"
    assert cell(Decimal("-1.00")) == "-1,00"
    assert cell(3) == "3"
    assert cell(Month(2026, 4)) == "04/2026"
    assert cell(dt.date(2026, 5, 5)) == "05/05/2026"
    assert cell(None) == "" and cell(False) == "não"
    assert cell("=SUM(A1)") == "'=SUM(A1)" and cell("@x") == "'@x" and cell("ok") == "ok"


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("1.234,56", "1234.56"),
        ("1234,5", "1234.5"),
        ("12.5", "12.5"),
        (" R$ 10 ", "10"),
        ("abc", "abc"),
        ("", ""),
    ],
)
def test_numbers_typed_the_brazilian_way(typed, sent):
    assert decimal_from_input(typed) == sent


def test_month_field_parses_and_refuses():
    form = BillingItemForm({"valid_from": "2026-04"})
    form.is_valid()
    assert form.cleaned_data["valid_from"] == Month(2026, 4)
    form = BillingItemForm({"valid_from": "04/2026"})
    assert not form.is_valid()
    assert "AAAA-MM" in form.errors["valid_from"][0]


def test_alert_title_does_not_repeat_the_field_messages():
    form = BillingItemForm()
    joined = InvalidInput(
        "Informe o nome do item.; Informe o produto.",
        errors=[
            {"field": "name", "message": "Informe o nome do item."},
            {"field": "product", "message": "Informe o produto."},
        ],
    )
    assert error_title(joined, form) == "Corrija os campos destacados abaixo."
    specific = InvalidInput(
        "Preço unitário inválido: 'x'.",
        errors=[{"field": "unit_price", "message": "informe um número"}],
    )
    assert error_title(specific, form) == "Preço unitário inválido: 'x'."
