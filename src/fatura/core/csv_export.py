"""CSV files for Excel in Brazil: ``;`` between fields, decimal comma, UTF-8 with a BOM (so
Excel reads the accents), dates dd/mm/aaaa and months mm/aaaa."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone

from fatura.core.months import Month

BOM = "\ufeff"
# A text cell starting with one of these would be read by Excel as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "sim" if value else "não"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if value.as_tuple().exponent != -2:  # amounts keep their cents; quantities and
            value = value.normalize()  # prices drop the zeros the column pads them with
        return format(value, "f").replace(".", ",")
    if isinstance(value, Month):
        return f"{value.month:02d}/{value.year}"
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield (BOM + writer.writerow(header)).encode("utf-8")
    for row in rows:
        yield writer.writerow([cell(v) for v in row]).encode("utf-8")


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """Stream the rows, so a long event log does not sit in memory."""
    response = StreamingHttpResponse(_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
