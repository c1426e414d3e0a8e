"""Recurring invoices: a template with a monthly or yearly schedule; the scheduled task issues
each period's invoice once. A unique constraint on (template, period) makes a re-run or a
restarted worker skip what was issued, never issue it twice."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from fatura.core import clock
from fatura.core.errors import InvalidInput
from fatura.core.users import Actor
from fatura.customers.models import Customer
from fatura.eventlog import activities
from fatura.receivables.common import event, record
from fatura.receivables.delivery import deliveries_after_commit, delivery_initial
from fatura.receivables.issue import invoice_build, parse_lines
from fatura.receivables.models import (
    DeliveryStatus,
    Frequency,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    RecurringTemplate,
)
from fatura.receivables.periods import PeriodClosed

SYSTEM = None  # events of the task are written as user "system"


def _add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def periods(template: RecurringTemplate, until: dt.date) -> list[dt.date]:
    """Issue dates from the start up to ``until`` (and the template's end)."""
    step = 1 if template.frequency == Frequency.MONTHLY else 12
    out: list[dt.date] = []
    n = 0
    while True:
        day = _add_months(template.start, step * n)
        if day > until or (template.end and day > template.end):
            return out
        out.append(day)
        n += 1


def recurring_template_create(
    *,
    by: Actor,
    customer: Customer,
    description: str,
    frequency: str,
    start: dt.date,
    end: Any,
    payment_terms: str,
    lines: list[dict[str, Any]],
    now: dt.datetime,
) -> RecurringTemplate:
    if frequency not in Frequency.values:
        raise InvalidInput(
            f"Frequência inválida: {frequency!r}. Use monthly ou yearly.",
            errors=[{"field": "recurrence.frequency", "message": "inválida"}],
        )
    if isinstance(end, str) and end:
        try:
            end = dt.date.fromisoformat(end)
        except ValueError:
            raise InvalidInput(
                f"Data final inválida: {end!r} (use AAAA-MM-DD).",
                errors=[{"field": "recurrence.end", "message": "inválida"}],
            ) from None
    if end and end < start:
        raise InvalidInput(
            "A data final da recorrência é anterior à primeira emissão.",
            errors=[{"field": "recurrence.end", "message": "antes do início"}],
        )
    return RecurringTemplate.objects.create(
        customer=customer,
        description=description[:200],
        frequency=frequency,
        start=start,
        end=end or None,
        payment_terms=payment_terms,
        lines=[
            {k: str(line.get(k)) for k in ("description", "quantity", "unit_price")}
            for line in lines
        ],
        created_by=by,
        created_at=now,
    )


def _queued(invoices: list[Invoice]) -> list[str]:
    return [i.number for i in invoices if i.delivery == DeliveryStatus.QUEUED]


def recurring_issue_due(*, today: dt.date | None = None) -> list[Invoice]:
    """Issue every period due up to ``today`` that has no invoice yet (completed; e-mailed once
    its transaction commits when the customer's delivery is automatic, see
    ``receivables.delivery``). Each period in its own transaction; a period already issued is
    skipped."""
    today = today or clock.today()
    issued: list[Invoice] = []
    templates = list(
        RecurringTemplate.objects.filter(active=True).select_related(
            "customer__collector", "created_by"
        )
    )
    done = set(  # every template's issued periods in one query, not one per template
        Invoice.objects.filter(recurring_template__in=templates).values_list(
            "recurring_template_id", "recurring_period"
        )
    )
    for template in templates:
        for period in periods(template, today):
            if (template.pk, period) in done:
                continue
            now = clock.now()
            try:
                with transaction.atomic():
                    invoice = invoice_build(
                        by=template.created_by,
                        customer=template.customer,
                        kind=InvoiceKind.RECURRING,
                        issue_date=period,
                        payment_terms=template.payment_terms,
                        lines=parse_lines(template.lines),
                        description=template.description,
                        now=now,
                        status=InvoiceStatus.COMPLETED,
                    )
                    invoice.recurring_template = template
                    invoice.recurring_period = period
                    invoice.completed_at = now
                    delivery_initial(invoice, now)
                    invoice.save(
                        update_fields=[
                            "recurring_template",
                            "recurring_period",
                            "completed_at",
                            "delivery",
                            "delivery_retry_at",
                        ]
                    )
                    deliveries_after_commit(_queued([invoice]))
                    extra = {"recurring_template": template.pk, "period": period}
                    record(
                        event(
                            invoice,
                            activities.INVOICE_CREATED,
                            by=SYSTEM,
                            now=now,
                            automated=True,
                            **extra,
                        ),
                        event(
                            invoice,
                            activities.INVOICE_COMPLETED,
                            by=SYSTEM,
                            now=now,
                            automated=True,
                            **extra,
                        ),
                    )
            except IntegrityError:
                continue  # issued by another worker meanwhile
            except PeriodClosed:
                continue  # dated in a closed month: issued once the month is reopened
            issued.append(invoice)
    return issued
