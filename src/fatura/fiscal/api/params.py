"""Query parameters of the fiscal API read the same way everywhere: dates as AAAA-MM-DD, lists
as repeated parameters or comma lists, pages as ``limit``/``offset``. Every bad value is a 422
naming its parameter (``fatura.api`` maps ``InvalidInput``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated
from zoneinfo import ZoneInfo

from django.conf import settings
from ninja import Query

from fatura.core import pagination
from fatura.core.bounds import MAX_DATE, MIN_DATE, MONTH_PATTERN
from fatura.core.errors import InvalidInput
from fatura.core.months import Month
from fatura.core.schemas import patterned, text_in
from fatura.customers.models import Customer

MIN_DAY = MIN_DATE
MAX_DAY = MAX_DATE
# Pages as every list of the API reads them (fatura.core.pagination).
DEFAULT_LIMIT = pagination.DEFAULT_LIMIT
MAX_LIMIT = pagination.MAX_LIMIT
LIMIT_DOC = pagination.LIMIT_DOC
OFFSET_DOC = pagination.OFFSET_DOC
Limit = pagination.Limit
Offset = pagination.Offset

# Repeated query parameters (module-level: a call in a default argument is evaluated once
# anyway, and ruff's B008 asks to say so).
CUSTOMER_IDS = Query(None, description="Id do cliente; repetido ou lista: 1,2.")
# The bounds of the parameters, in the schema (a bad value is a 422 before the handler runs).
IdList = Annotated[
    str,
    patterned(
        r"^ *[0-9]{1,18}( *, *[0-9]{1,18})* *$",
        "Id de cliente inválido {value!r}: use números (ex.: 1,2).",
        part="[0-9]{1,18}",
    ),
]
MonthList = Annotated[
    str,
    patterned(
        MONTH_PATTERN.removesuffix("$") + "(," + MONTH_PATTERN[1:-1] + ")*$",
        "Mês inválido {value!r}: use AAAA-MM (de 1900 a 2200).",
        part=MONTH_PATTERN[1:-1],
    ),
]
Name = Annotated[str, text_in(80)]
OrderNumber = Annotated[str, text_in(60, required=True)]
SERVICE_TYPES = Query(None, description="Tipo de serviço; repetido para vários.")
TEAMS = Query(None, description="Equipe; repetido para vários.")
MONTHS = Query(None, description="Mês de emissão AAAA-MM; repetido ou lista: 2026-02,2026-03.")


def invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", errors=[{"field": field, "message": message}])


def day(field: str, text: str | None) -> dt.date | None:
    if text is None or not text.strip():
        return None
    try:
        value = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise invalid(field, f"Data inválida {text!r}: use AAAA-MM-DD.") from None
    if not MIN_DAY <= value <= MAX_DAY:
        raise invalid(field, "A data deve estar entre 1900-01-01 e 2200-12-31.")
    return value


def day_range(
    names: tuple[str, str], start: str | None, end: str | None
) -> tuple[dt.date | None, dt.date | None]:
    """Two optional dates, the second not before the first."""
    low, high = day(names[0], start), day(names[1], end)
    if low and high and low > high:
        raise invalid(names[1], f"Deve ser igual ou posterior a {names[0]} ({low.isoformat()}).")
    return low, high


def start_of(day_: dt.date) -> dt.datetime:
    """Local midnight starting ``day_``: date filters on date-times are local days."""
    return dt.datetime.combine(day_, dt.time(), ZoneInfo(settings.TIME_ZONE))


def end_of(day_: dt.date) -> dt.datetime:
    """Local midnight after ``day_`` (filters take ``< end_of(to)``: ``to`` is inclusive)."""
    return start_of(day_ + dt.timedelta(days=1))


def moment(field: str, text: str | None) -> dt.datetime | None:
    """An ISO 8601 date-time; without an offset it is local time."""
    if text is None or not text.strip():
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise invalid(field, f"Data e hora inválidas {text!r}: use AAAA-MM-DDTHH:MM.") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return value


def choice(field: str, text: str | None, allowed: Iterable[str]) -> str | None:
    if text is None or not text.strip():
        return None
    options = tuple(allowed)
    if text.strip() not in options:
        raise invalid(field, f"Valor {text!r} inválido; use um de: {', '.join(options)}.")
    return text.strip()


def _parts(values: Iterable[str] | None, *, split: bool) -> list[str]:
    out: list[str] = []
    for value in values or ():
        out.extend(value.split(",") if split else [value])
    return [part.strip() for part in out if part.strip()]


def texts(values: Iterable[str] | None) -> tuple[str, ...]:
    """A repeated parameter (names may hold commas: no comma lists)."""
    return tuple(dict.fromkeys(_parts(values, split=False)))


def months(field: str, values: Iterable[str] | None) -> tuple[str, ...]:
    out = []
    for part in _parts(values, split=True):
        try:
            out.append(str(Month.parse(part)))
        except ValueError:
            raise invalid(field, f"Mês inválido {part!r}: use AAAA-MM.") from None
    return tuple(dict.fromkeys(out))


def customer_ids(field: str, values: Iterable[str] | None) -> tuple[int, ...]:
    """Ids of customers that exist (an unknown id is a 422, not an empty answer)."""
    ids: list[int] = []
    for part in _parts(values, split=True):
        if not part.isdigit():
            raise invalid(field, f"Id de cliente inválido {part!r}: use números (ex.: 1,2).")
        ids.append(int(part))
    unique = tuple(dict.fromkeys(ids))
    if unique:
        found = set(Customer.objects.filter(pk__in=unique).values_list("pk", flat=True))
        missing = [str(pk) for pk in unique if pk not in found]
        if missing:
            raise invalid(field, f"Cliente(s) não encontrado(s): {', '.join(missing)}.")
    return unique


def page_bounds(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid("limit", f"Use de 1 a {MAX_LIMIT}.")
    if offset < 0:
        raise invalid("offset", "Use 0 ou mais.")
