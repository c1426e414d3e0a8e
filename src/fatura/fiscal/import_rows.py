"""Reading the fiscal import files: pure, no database. Each reader returns typed rows and every
problem found (line as in the file, the header being line 1; field; pt-BR message), so the
user sees all of them at once. The rules are documented in docs/nfse-kpi.md ("## Imports").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings

from fatura.core.bounds import MAX_DATE, MIN_DATE, check_text
from fatura.core.documents import only_digits
from fatura.core.errors import InvalidInput
from fatura.core.limits import MAX_CSV_CELL
from fatura.core.money import CENT, format_brl, parse_decimal

MAX_AMOUNT_DIGITS = 12  # DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class ImportResult:
    """What an import did: records created, existing ones changed, ones already as the file
    says; for NFS-e also cancellations recorded and event documents read but not used."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    ignored: int = 0


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str
    file: str = ""

    def as_dict(self) -> dict[str, object]:
        answer: dict[str, object] = {"line": self.line, "field": self.field}
        if self.file:
            answer["file"] = self.file
        answer["message"] = self.message
        return answer


# --- text and table ----------------------------------------------------------------------


class UndecodableText(ValueError):  # noqa: N818 - a ValueError with the line it is on
    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252. Raises ``ValueError``
    with a pt-BR message for bytes that are none of these, or for a binary file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ValueError("O arquivo começa como UTF-16 mas não é texto UTF-16.") from None
    if data.startswith(b"PK\x03\x04"):
        raise ValueError(
            "O arquivo é uma planilha ou um zip, não um CSV: salve-o como CSV (separado por "
            "vírgula ou ponto e vírgula)."
        )
    if b"\x00" in data[:4096]:
        raise ValueError("O arquivo é binário, não um CSV.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        raise UndecodableText(
            f"Linha {line}: o byte 0x{byte:02X} não é texto UTF-8 nem Windows-1252; "
            "salve o arquivo como CSV UTF-8.",
            line,
        ) from None


def read_text(data: bytes) -> tuple[str, list[RowError]]:
    """:func:`decode_text`, its refusal as a file error on its line."""
    try:
        return decode_text(data), []
    except ValueError as error:
        return "", [RowError(getattr(error, "line", 1), "file", str(error))]


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


@dataclass
class Table:
    """A CSV file read against its expected columns: ``records`` yields (line, cells by
    column name); ``errors`` has the header's problems (then there are no records)."""

    columns: list[str]
    records: Iterator[tuple[int, dict[str, str]]]
    errors: list[RowError] = field(default_factory=list)


def read_table(text: str, required: tuple[str, ...]) -> Table:
    """Header on line 1 with at least the ``required`` columns (any order, any case; other
    columns are kept for the caller, who may ignore them). Blank lines are skipped."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    if not first.strip():
        return Table([], iter(()), [RowError(1, "file", "O arquivo está vazio.")])
    # strict: a quote opened and never closed is an error, not the rest of the file in one cell
    reader = csv.reader(
        io.StringIO(text.lstrip("\ufeff")), delimiter=_delimiter(first), strict=True
    )
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as error:
        return Table([], iter(()), [_csv_error(1, error)])
    repeated = sorted(name for name, count in Counter(header).items() if name and count > 1)
    missing = [name for name in required if name not in header]
    errors = []
    if missing:
        errors.append(RowError(1, "header", f"Colunas ausentes: {', '.join(missing)}."))
    if repeated:
        errors.append(RowError(1, "header", f"Colunas repetidas: {', '.join(repeated)}."))
    if errors:
        return Table(header, iter(()), errors)

    found: list[tuple[int, dict[str, str]]] = []
    previous_end = reader.line_num
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:  # the file cannot be read past here: only this error
            return Table(header, iter(()), [_csv_error(previous_end + 1, error)])
        start, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        cells = dict.fromkeys(header, "")
        for name, cell in zip(header, record, strict=False):
            cells[name] = cell.strip()
        found.append((start, cells))
    return Table(header, iter(found))


def _csv_error(line: int, error: csv.Error) -> RowError:
    """A CSV that cannot be read from ``line`` on: a cell over 128 KB, or a quote opened and
    not closed (or text right after a closing quote)."""
    text = str(error)
    if "field larger than field limit" in text:
        message = f"Célula com mais de {MAX_CSV_CELL // 1024} KB; o arquivo não é um CSV válido."
    elif "unexpected end of data" in text:
        message = "Aspas abertas e não fechadas até o fim do arquivo."
    else:
        message = f"CSV malformado ({text}); confira as aspas."
    return RowError(line, "file", message)


# --- fields ------------------------------------------------------------------------------

_BR_MOMENT = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def parse_moment(text: str, zone: dt.tzinfo) -> dt.datetime:
    """``2026-03-10T14:30:00-03:00``, ``2026-03-10 14:30``, ``2026-03-10``, ``10/03/2026``,
    ``10/03/2026 14:30``. No offset means local time in ``zone``; a date alone means 00:00
    local. Raises ``ValueError`` with a pt-BR message."""
    match = _BR_MOMENT.match(text)
    try:
        if match:
            day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
            moment = dt.datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - zone below
        else:
            moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"Data inválida {text!r}; use AAAA-MM-DD[THH:MM[:SS][±HH:MM]] ou DD/MM/AAAA [HH:MM]."
        ) from None
    if not MIN_DATE.year <= moment.year <= MAX_DATE.year:
        raise ValueError(f"Data fora do intervalo aceito (1900 a 2200): {text!r}.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def parse_money(text: str) -> Decimal:
    """A non-negative amount with at most 2 decimal places: ``1234.56``, ``1234,56`` or
    ``1.234,56``. Raises ``ValueError`` with a pt-BR message."""
    try:
        amount = parse_decimal(text)
    except (InvalidOperation, ValueError):
        raise ValueError(f"Valor inválido {text!r}; use 1234,56 ou 1234.56.") from None
    if amount < 0:
        raise ValueError(f"Valor negativo: {text!r}.")
    if amount and amount.adjusted() >= MAX_AMOUNT_DIGITS:
        raise ValueError(f"Valor grande demais: {text!r}.")
    if amount != amount.quantize(CENT):
        raise ValueError(f"Mais de 2 casas decimais: {text!r}.")
    return amount.quantize(CENT)


def parse_rate(text: str) -> Decimal:
    """A percentage from 0 to 100 with at most 2 decimal places (``2``, ``2,5``, ``5.00``)."""
    rate = parse_money(text)
    if rate > 100:
        raise ValueError(f"Alíquota acima de 100%: {text!r}.")
    return rate


def parse_document(text: str) -> str:
    """A CPF or CNPJ, punctuated or not -> its digits."""
    digits = only_digits(text)
    if len(digits) not in (11, 14) or len(text) > 20:
        raise ValueError(f"CPF/CNPJ deve ter 11 ou 14 dígitos: {text!r}.")
    return digits


def text_field(cells: dict[str, str], name: str, label: str, max_length: int) -> str:
    value = cells.get(name, "")
    if not value:
        raise ValueError(f"Informe {label}.")
    if len(value) > max_length:
        raise ValueError(f"No máximo {max_length} caracteres ({len(value)}).")
    return check_text(value, max_length=max_length)


# --- service orders ------------------------------------------------------------------------

ORDER_COLUMNS = (
    "number",
    "customer_document",
    "service_type",
    "team",
    "completed_at",
    "billed_at",
    "value",
)


@dataclass(frozen=True)
class OrderRow:
    line: int
    number: str
    customer_document: str
    service_type: str
    team: str
    completed_at: dt.datetime | None
    billed_at: dt.datetime | None
    value: Decimal

    @property
    def status(self) -> str:
        if self.billed_at is not None:
            return "billed"
        return "completed" if self.completed_at is not None else "open"


def parse_order_rows(text: str) -> tuple[list[OrderRow], list[RowError]]:
    """The service-order CSV: ``number,customer_document,service_type,team,completed_at,
    billed_at,value``. Open orders have no ``completed_at``; ``billed_at`` needs
    ``completed_at`` and is not before it; a number appears once."""
    table = read_table(text, ORDER_COLUMNS)
    if table.errors:
        return [], table.errors
    zone = local_zone()
    rows: list[OrderRow] = []
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    for line, cells in table.records:
        row, row_errors = _order_row(line, cells, zone)
        errors.extend(row_errors)
        number = cells["number"]
        if number in first_line:
            errors.append(
                RowError(
                    line, "number", f"OS {number} repetida no arquivo (linha {first_line[number]})."
                )
            )
        elif number:
            first_line[number] = line
        if row is not None:
            rows.append(row)
    if not rows and not errors:
        errors.append(RowError(2, "file", "O arquivo não tem ordens de serviço."))
    return rows, errors


def _order_row(
    line: int, cells: dict[str, str], zone: dt.tzinfo
) -> tuple[OrderRow | None, list[RowError]]:
    errors: list[RowError] = []
    values: dict[str, object] = {}
    readers = {
        "number": lambda: text_field(cells, "number", "o número da OS", 60),
        "customer_document": lambda: parse_document(cells["customer_document"]),
        "service_type": lambda: text_field(cells, "service_type", "o tipo de serviço", 80),
        "team": lambda: text_field(cells, "team", "a equipe", 80),
        "value": lambda: parse_money(cells["value"]),
        "completed_at": lambda: (
            parse_moment(cells["completed_at"], zone) if cells["completed_at"] else None
        ),
        "billed_at": lambda: parse_moment(cells["billed_at"], zone) if cells["billed_at"] else None,
    }
    for name, read in readers.items():
        try:
            values[name] = read()
        except ValueError as error:
            errors.append(RowError(line, name, str(error)))
    completed, billed = values.get("completed_at"), values.get("billed_at")
    if billed is not None and "completed_at" in values:
        if completed is None:
            errors.append(RowError(line, "billed_at", "OS faturada sem data de conclusão."))
        elif billed < completed:  # type: ignore[operator]
            errors.append(RowError(line, "billed_at", "Faturamento antes da conclusão."))
    if errors:
        return None, errors
    return OrderRow(line=line, **values), []  # type: ignore[arg-type]


def brl(value: Decimal | None) -> str:
    return format_brl(value) if value is not None else "vazio"


MAX_ERRORS_LISTED = 1000


def invalid(errors: list[RowError], filename: str) -> InvalidInput:
    """The one 422 of an import: every error (the first :data:`MAX_ERRORS_LISTED`, in file
    and line order), and a summary saying nothing was imported."""
    ordered = sorted(errors, key=lambda e: (e.file, e.line))
    lines = sorted({e.line for e in ordered if not e.file})
    files = sorted({e.file for e in ordered if e.file})
    where = []
    if lines:
        shown = ", ".join(map(str, lines[:20])) + ("…" if len(lines) > 20 else "")
        where.append(f"na(s) linha(s) {shown}")
    if files:
        where.append(f"em {len(files)} arquivo(s) XML")
    return InvalidInput(
        f"O arquivo {filename} tem {len(errors)} erro(s) {' e '.join(where)}; nada foi importado.",
        errors=[e.as_dict() for e in ordered[:MAX_ERRORS_LISTED]],
    )
