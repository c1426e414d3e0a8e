"""Business dates of the receivables entries and the closed accounting periods
(docs/decisions/0021).

Every entry of the ledger has a business date: an invoice its issue date, a payment the day it
was received (and the day it was posted), a credit note, an adjustment, a write-off or a payment
reversal the date of its document. Reports "as of" a day read those dates, never when the entry
was keyed in (that instant stays recorded: ``created_at``/``closed_at``/``reversed_at`` and the
``entered_at`` attribute of the event).

**Event timestamps.** A document dated the day it is entered is stamped with the instant it was
entered; a back-dated one with the start of its day (00:00) in the configured time zone
(``settings.TIME_ZONE``, America/Sao_Paulo): :func:`business_moment`, the one place the rule is
written. Both carry ``entered_at`` (the instant it was keyed in).

**Closed periods.** Financeiro closes a month once it has ended (:func:`period_close`); from then
on no entry dated in it is accepted: :func:`period_check`, the one check every writing service
calls, refuses it with a 409 naming the lock (month, who closed it, when). Reopening
(:func:`period_reopen`) is Financeiro's too; both are events on the case ``period:YYYY-MM``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from fatura.core import clock
from fatura.core.errors import InvalidInput, RuleViolation
from fatura.core.months import Month
from fatura.core.roles import Capability, require
from fatura.core.users import User
from fatura.eventlog import activities
from fatura.eventlog.services import event_record
from fatura.receivables.common import day_start
from fatura.receivables.models import Invoice, Period

# --- business dates -------------------------------------------------------------------------


def business_moment(day: dt.date, now: dt.datetime) -> dt.datetime:
    """The event timestamp of an entry dated ``day`` and keyed in at ``now``: ``now`` when it
    is dated that same day (or later), else the start of ``day`` in the configured time zone."""
    return now if day >= clock.localdate(now) else day_start(day)


def document_date(
    value: dt.date | None,
    *,
    now: dt.datetime,
    not_before: dt.date | None = None,
    before_what: str = "",
    field: str = "date",
) -> dt.date:
    """The date of a correction document: ``value`` or today (in the configured time zone); a
    422 naming ``field`` when it is in the future or before ``not_before`` (the invoice's
    issue date, the payment's receipt: ``before_what`` says which)."""
    today = clock.localdate(now)
    if value is None:
        return today
    if value > today:
        raise InvalidInput(
            f"A data {value:%d/%m/%Y} está no futuro (hoje é {today:%d/%m/%Y}).",
            errors=[{"field": field, "message": "no futuro"}],
        )
    if not_before is not None and value < not_before:
        raise InvalidInput(
            f"A data {value:%d/%m/%Y} é anterior {before_what} ({not_before:%d/%m/%Y}).",
            errors=[{"field": field, "message": "anterior à data mínima"}],
        )
    return value


# --- closed periods -------------------------------------------------------------------------


class PeriodClosed(RuleViolation):
    """409: an entry dated in a closed month."""


def _who(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


def _lock_text(period: Period) -> str:
    at = timezone.localtime(period.closed_at)
    return (
        f"o mês {period.month:%m/%Y} está fechado (fechado por {_who(period.closed_by)} "
        f"em {at:%d/%m/%Y %H:%M})"
    )


def period_check(**dated: dt.date | Iterable[dt.date] | None) -> None:
    """Refuse (409, naming the lock and the field) when any of the given dates falls in a
    closed month: ``period_check(received_at=..., posted_at=...)`` (a field may bring several
    dates). One query; none without dates."""
    months: dict[dt.date, str] = {}
    for field, value in dated.items():
        days = [value] if isinstance(value, dt.date) else (value or [])
        for day in days:
            months.setdefault(day.replace(day=1), field)
    if not months or not _any_closed(list(months)):
        return
    closed = (
        Period.objects.filter(month__in=list(months))
        .select_related("closed_by")
        .order_by("month")
        .first()
    )
    if closed is None:
        return
    field = months[closed.month]
    raise PeriodClosed(
        f"Lançamento recusado: {_lock_text(closed)}. Reabra o mês ou use uma data de um mês "
        "aberto.",
        errors=[{"field": field, "message": f"mês {closed.month:%m/%Y} fechado"}],
    )


def _any_closed(months: list[dt.date]) -> bool:
    """Whether any of these months is closed: what every payment, posting and issue asks, so a
    plain statement (the ORM's query, with the user who closed it, is built only for the
    refusal's message)."""
    connection = transaction.get_connection()
    ops = connection.ops
    table = ops.quote_name(Period._meta.db_table)
    column = ops.quote_name(Period._meta.get_field("month").column)
    marks = ", ".join(["%s"] * len(months))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE {column} IN ({marks}) LIMIT 1",
            [ops.adapt_datefield_value(month) for month in months],
        )
        return cursor.fetchone() is not None


def _month_text(month: Month) -> str:
    return f"{month.month:02d}/{month.year}"


def period_close(*, by: User, month: Month) -> Period:
    """Close ``month`` (it must have ended): no entry dated in it is accepted afterwards."""
    actor = require(by, Capability.CLOSE_PERIODS)
    now = clock.now()
    if month.last_day >= clock.localdate(now):
        raise RuleViolation(
            f"O mês {_month_text(month)} ainda não terminou: só um mês encerrado pode ser fechado.",
            errors=[{"field": "month", "message": "mês não encerrado"}],
        )
    try:
        with transaction.atomic():
            period = Period.objects.create(month=month.first_day, closed_by=actor, closed_at=now)
            event_record(
                case_id=f"period:{month}",
                activity=activities.PERIOD_CLOSED,
                user=actor,
                timestamp=now,
                attributes={"month": str(month)},
            )
    except IntegrityError:
        raise RuleViolation(
            f"O mês {_month_text(month)} já está fechado.",
            errors=[{"field": "month", "message": "já fechado"}],
        ) from None
    return period


def period_reopen(*, by: User, month: Month, reason: str = "") -> None:
    """Reopen a closed month (Financeiro): an audited event naming who had closed it."""
    actor = require(by, Capability.CLOSE_PERIODS)
    now = clock.now()
    with transaction.atomic():
        period = (
            Period.objects.select_for_update()
            .select_related("closed_by")
            .filter(month=month.first_day)
            .first()
        )
        if period is None:
            raise RuleViolation(
                f"O mês {_month_text(month)} não está fechado.",
                errors=[{"field": "month", "message": "não está fechado"}],
            )
        event_record(
            case_id=f"period:{month}",
            activity=activities.PERIOD_REOPENED,
            user=actor,
            timestamp=now,
            attributes={
                "month": str(month),
                "closed_by": period.closed_by.get_username(),
                "closed_at": period.closed_at,
                "reason": (reason or "").strip()[:200],
            },
        )
        period.delete()


@dataclass(frozen=True)
class PeriodRow:
    month: Month
    closed: bool
    closed_by: str  # full name or username; "" while open
    closed_at: dt.datetime | None
    can_close: bool  # the month has ended and is open


def periods_list(*, today: dt.date | None = None) -> list[PeriodRow]:
    """Every month from the first invoice's (or a closed period's; at most 20 years back)
    to the current one, newest first, with its state. Two queries."""
    today = today or clock.today()
    current = Month.of(today)
    closed = {p.month: p for p in Period.objects.select_related("closed_by")}
    first_issue = Invoice.objects.aggregate(first=Min("issue_date"))["first"]
    starts = [day for day in (first_issue, *closed) if day is not None]
    first = Month.of(min(starts)) if starts else current
    first = max(first, Month(current.year - 20, current.month))
    rows: list[PeriodRow] = []
    month = current
    while month >= first:
        period = closed.get(month.first_day)
        rows.append(
            PeriodRow(
                month=month,
                closed=period is not None,
                closed_by=_who(period.closed_by) if period else "",
                closed_at=period.closed_at if period else None,
                can_close=period is None and month < current,
            )
        )
        month = month.previous()
    return rows
