"""Reading a volume file ("arquivo de volumetria"): pure, no database.

The file is CSV with the header ``customer_document,month,item,product,unit,unit_price,quantity``
(comma or semicolon separated; UTF-8, with or without BOM, or Windows-1252). Numbers may be
written ``1234.5`` or ``1.234,5``. Every problem is reported with its line number (the header is
line 1) and field, and parsing goes on so the user sees all of them at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from fatura.core.bounds import check_date, check_text, fit_decimal
from fatura.core.documents import only_digits
from fatura.core.limits import MAX_CSV_CELL
from fatura.core.money import parse_decimal
from fatura.core.months import Month

COLUMNS = ("customer_document", "month", "item", "product", "unit", "unit_price", "quantity")
MAX_ERRORS = 1000


@dataclass(frozen=True)
class VolumeRow:
    line: int
    customer_document: str
    month: Month
    item: str
    product: str
    unit: str
    unit_price: Decimal | None
    quantity: Decimal


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.line, "field": self.field, "message": self.message}


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _sniff_delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


def parse_volume_file(text: str) -> tuple[list[VolumeRow], list[RowError]]:
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return [], [RowError(1, "file", "O arquivo está vazio.")]
    # strict: a quote opened and never closed is an error, not the rest of the file in one cell
    reader = csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(lines[0]), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as error:
        return [], [csv_error(1, error)]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [RowError(1, "header", f"Colunas ausentes: {', '.join(missing)}.")]
    index = {name: header.index(name) for name in COLUMNS}
    rows: list[VolumeRow] = []
    errors: list[RowError] = []
    for line_no, record in _records(reader, errors):
        if not any(cell.strip() for cell in record):
            continue
        if len(errors) >= MAX_ERRORS:
            break
        row, row_errors = _parse_record(line_no, record, index)
        errors.extend(row_errors)
        if row is not None:
            rows.append(row)
    if not rows and not errors:
        errors.append(RowError(2, "file", "O arquivo não tem linhas de consumo."))
    return rows, errors


def _records(reader: Any, errors: list[RowError]) -> Iterator[tuple[int, list[str]]]:
    """The records after the header with their line number; a CSV error (a cell over 128 KB, a
    quote never closed) ends the file with an error on the line where its record starts."""
    line_no = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            errors.append(csv_error(line_no + 1, error))
            return
        line_no += 1
        yield line_no, record


def csv_error(line: int, error: csv.Error) -> RowError:
    text = str(error)
    if "field larger than field limit" in text:
        message = f"Célula com mais de {MAX_CSV_CELL // 1024} KB; o arquivo não é um CSV válido."
    elif "unexpected end of data" in text:
        message = "Aspas abertas e não fechadas até o fim do arquivo."
    else:
        message = f"CSV malformado ({text}); confira as aspas."
    return RowError(line, "file", message)


def _fits(
    errors: list[RowError], line: int, field: str, value: Decimal, digits: int, places: int
) -> None:
    try:
        fit_decimal(value, max_digits=digits, places=places)
    except ValueError as exc:
        errors.append(RowError(line, field, f"Número fora do limite {value}: {exc}."))


def _parse_record(
    line: int, record: list[str], index: dict[str, int]
) -> tuple[VolumeRow | None, list[RowError]]:
    errors: list[RowError] = []

    def cell(name: str) -> str:
        position = index[name]
        return record[position].strip() if position < len(record) else ""

    document = only_digits(cell("customer_document"))
    if len(document) not in (11, 14):
        errors.append(RowError(line, "customer_document", "CPF/CNPJ deve ter 11 ou 14 dígitos."))
    month: Month | None = None
    try:
        month = Month.parse(cell("month"))
        check_date(month.first_day)
    except ValueError:
        errors.append(RowError(line, "month", f"Mês inválido {cell('month')!r}; use AAAA-MM."))
        month = None
    for name, label, max_length in (
        ("item", "o item", 120),
        ("product", "o produto", 120),
        ("unit", "a unidade", 30),
    ):
        if not cell(name):
            errors.append(RowError(line, name, f"Informe {label}."))
            continue
        try:
            check_text(cell(name), max_length=max_length)
        except ValueError as exc:
            errors.append(RowError(line, name, str(exc).capitalize() + "."))
    unit_price: Decimal | None = None
    if cell("unit_price"):
        try:
            unit_price = parse_decimal(cell("unit_price"))
            if unit_price < 0:
                errors.append(RowError(line, "unit_price", "Preço unitário negativo."))
            elif unit_price != unit_price.quantize(Decimal("0.0001")):
                errors.append(RowError(line, "unit_price", "Mais de 4 casas decimais."))
            else:  # the column: DecimalField(max_digits=14, decimal_places=4)
                _fits(errors, line, "unit_price", unit_price, 14, 4)
        except (InvalidOperation, ValueError):
            errors.append(RowError(line, "unit_price", f"Número inválido {cell('unit_price')!r}."))
    quantity = Decimal(0)
    try:
        quantity = parse_decimal(cell("quantity"))
        if quantity < 0:
            errors.append(RowError(line, "quantity", "Quantidade negativa."))
        elif quantity != quantity.quantize(Decimal("0.000001")):
            errors.append(RowError(line, "quantity", "Mais de 6 casas decimais."))
        else:  # the column: DecimalField(max_digits=18, decimal_places=6)
            _fits(errors, line, "quantity", quantity, 18, 6)
    except (InvalidOperation, ValueError):
        errors.append(RowError(line, "quantity", f"Quantidade inválida {cell('quantity')!r}."))
    if errors or month is None:
        return None, errors
    return (
        VolumeRow(
            line=line,
            customer_document=document,
            month=month,
            item=cell("item"),
            product=cell("product"),
            unit=cell("unit"),
            unit_price=unit_price,
            quantity=quantity,
        ),
        [],
    )
