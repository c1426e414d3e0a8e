"""What an NFS-e import brings in, whatever the file: NFS-e (from the issuer's CSV or from
national-standard XML documents) and cancellations (from XML event documents). Pure, no
database; the CSV reader lives here, the XML one in :mod:`fatura.fiscal.nfse_xml`."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from fatura.fiscal.domain import parse_order_numbers
from fatura.fiscal.import_rows import (
    RowError,
    local_zone,
    parse_document,
    parse_moment,
    parse_money,
    parse_rate,
    read_table,
    text_field,
)

ISSUED, CANCELLED, REPLACED = "issued", "cancelled", "replaced"

_STATUSES = {
    "emitida": ISSUED,
    "issued": ISSUED,
    "cancelada": CANCELLED,
    "cancelled": CANCELLED,
    "canceled": CANCELLED,
    "substituida": REPLACED,
    "replaced": REPLACED,
}


@dataclass(frozen=True)
class Origin:
    """Where a record came from, to point errors at it: ``file`` is the XML file (or zip
    member) name, empty for the CSV upload itself; ``names`` renames the logical fields to the
    source's own (XML element names) and ``lines`` gives their lines when known."""

    line: int
    file: str = ""
    names: Mapping[str, str] = field(default_factory=dict)
    lines: Mapping[str, int] = field(default_factory=dict)

    def error(self, name: str, message: str) -> RowError:
        return RowError(
            self.lines.get(name, self.line), self.names.get(name, name), message, self.file
        )

    def where(self) -> str:
        return f"{self.file}, linha {self.line}" if self.file else f"linha {self.line}"


@dataclass
class IncomingNfse:
    origin: Origin
    number: str
    issued_at: dt.datetime
    value: Decimal
    customer_document: str
    orders: list[tuple[str, Decimal | None]]  # (order number, share or None: proportional)
    status: str | None = None  # None: the source does not tell (an XML document)
    access_key: str | None = None
    verification_code: str = ""
    iss_rate: Decimal | None = None
    iss_amount: Decimal | None = None
    net_value: Decimal | None = None
    service_code: str = ""
    cancelled_at: dt.datetime | None = None
    replaced_by: str = ""  # the substitute's number (CSV)
    substitutes_key: str | None = None  # the NFS-e this one replaces (XML subst/chSubstda)
    xml: str = ""


@dataclass(frozen=True)
class IncomingCancellation:
    origin: Origin
    event: str  # e101101, e105102, e105104
    access_key: str
    cancelled_at: dt.datetime
    replaced: bool = False
    substitute_key: str | None = None
    implied: bool = False  # read from a substitute's subst/chSubstda, not from an event


# --- shared field readers ------------------------------------------------------------------


def parse_status(text: str) -> str:
    key = unicodedata.normalize("NFKD", text.strip().lower())
    key = "".join(c for c in key if not unicodedata.combining(c))
    if key not in _STATUSES:
        raise ValueError(f"Situação inválida {text!r}; use emitida, cancelada ou substituída.")
    return _STATUSES[key]


def parse_order_shares(text: str) -> list[tuple[str, Decimal | None]]:
    """``OS-1;OS-2`` (value split in proportion to the orders' values) or
    ``OS-1=600,00;OS-2=400,00`` (explicit shares). Every order has a share or none does."""
    parts = parse_order_numbers(text)
    if not parts:
        raise ValueError("Informe as OS cobertas pela NFS-e (separadas por ;).")
    orders: list[tuple[str, Decimal | None]] = []
    for part in parts:
        number, sep, share_text = (p.strip() for p in part.partition("="))
        if not number:
            raise ValueError(f"Parcela sem número de OS: {part!r}.")
        if len(number) > 60:
            raise ValueError(f"Número de OS com mais de 60 caracteres: {number!r}.")
        if any(number == known for known, _ in orders):
            raise ValueError(f"OS {number} repetida na mesma NFS-e.")
        share = None
        if sep:
            try:
                share = parse_money(share_text)
            except ValueError as error:
                raise ValueError(f"Parcela da OS {number}: {error}") from None
        orders.append((number, share))
    given = [share is not None for _, share in orders]
    if any(given) and not all(given):
        raise ValueError(
            "Informe a parcela de todas as OS ou de nenhuma (ex.: OS-1=600,00;OS-2=400,00)."
        )
    return orders


_SERVICE_CODE = re.compile(r"^\d{6}$")


# --- the issuer's CSV ----------------------------------------------------------------------

NFSE_COLUMNS = (
    "number",
    "issued_at",
    "value",
    "customer_document",
    "service_order_numbers",
    "status",
)
NFSE_OPTIONAL = (
    "verification_code",
    "iss_rate",
    "iss_amount",
    "net_value",
    "service_code",
    "cancelled_at",
    "replaced_by",
)


def parse_nfse_rows(text: str) -> tuple[list[IncomingNfse], list[RowError]]:
    table = read_table(text, NFSE_COLUMNS)
    if table.errors:
        return [], table.errors
    if "shares" in table.columns:
        return [], [
            RowError(
                1,
                "shares",
                "A coluna shares não é lida: informe as parcelas em service_order_numbers, "
                "como OS-1=600,00;OS-2=400,00.",
            )
        ]
    zone = local_zone()
    rows: list[IncomingNfse] = []
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    for line, cells in table.records:
        row, row_errors = _nfse_row(line, cells, zone)
        errors.extend(row_errors)
        number = cells["number"]
        if number in first_line:
            errors.append(
                RowError(
                    line,
                    "number",
                    f"NFS-e {number} repetida no arquivo (linha {first_line[number]}).",
                )
            )
        elif number:
            first_line[number] = line
        if row is not None:
            rows.append(row)
    if not rows and not errors:
        errors.append(RowError(2, "file", "O arquivo não tem NFS-e."))
    return rows, errors


def _optional(cells: dict[str, str], name: str, read: object) -> object:
    return read(cells[name]) if cells.get(name) else None  # type: ignore[operator]


def _nfse_row(
    line: int, cells: dict[str, str], zone: dt.tzinfo
) -> tuple[IncomingNfse | None, list[RowError]]:
    errors: list[RowError] = []
    values: dict[str, object] = {}

    def code(text: str) -> str:
        if not _SERVICE_CODE.match(text):
            raise ValueError(f"Código de tributação nacional tem 6 dígitos: {text!r}.")
        return text

    def short(limit: int) -> object:
        def read(text: str) -> str:
            if len(text) > limit:
                raise ValueError(f"No máximo {limit} caracteres ({len(text)}).")
            return text

        return read

    readers = {
        "number": lambda: text_field(cells, "number", "o número da NFS-e", 15),
        "issued_at": lambda: parse_moment(cells["issued_at"], zone),
        "value": lambda: parse_money(cells["value"]),
        "customer_document": lambda: parse_document(cells["customer_document"]),
        "orders": lambda: parse_order_shares(cells["service_order_numbers"]),
        "status": lambda: parse_status(cells["status"]),
        "verification_code": lambda: _optional(cells, "verification_code", short(60)) or "",
        "iss_rate": lambda: _optional(cells, "iss_rate", parse_rate),
        "iss_amount": lambda: _optional(cells, "iss_amount", parse_money),
        "net_value": lambda: _optional(cells, "net_value", parse_money),
        "service_code": lambda: _optional(cells, "service_code", code) or "",
        "cancelled_at": lambda: _optional(cells, "cancelled_at", lambda t: parse_moment(t, zone)),
        "replaced_by": lambda: _optional(cells, "replaced_by", short(15)) or "",
    }
    for name, read in readers.items():
        try:
            values[name] = read()
        except ValueError as error:
            reported = "service_order_numbers" if name == "orders" else name
            errors.append(RowError(line, reported, str(error)))
    status, issued_at = values.get("status"), values.get("issued_at")
    cancelled_at = values.get("cancelled_at")
    if status == ISSUED and cancelled_at is not None:
        errors.append(
            RowError(
                line, "cancelled_at", "Data de cancelamento numa NFS-e emitida (não cancelada)."
            )
        )
    if cancelled_at is not None and issued_at is not None and cancelled_at < issued_at:  # type: ignore[operator]
        errors.append(RowError(line, "cancelled_at", "Cancelamento antes da emissão."))
    replaced_by = values.get("replaced_by")
    if replaced_by and status in (ISSUED, CANCELLED):
        errors.append(
            RowError(line, "replaced_by", "Substituta informada numa NFS-e que não é substituída.")
        )
    if replaced_by and replaced_by == values.get("number"):
        errors.append(RowError(line, "replaced_by", "Uma NFS-e não substitui a si mesma."))
    if errors:
        return None, errors
    return IncomingNfse(origin=Origin(line), **values), []  # type: ignore[arg-type]
