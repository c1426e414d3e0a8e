"""Billing runs: a user asks for the month's charges to be finalized; the worker runs it
(``tasks.billing_run_execute_task`` → ``services.billing_run_execute``) and the page follows
its progress (``selectors.billing_run_progress``)."""

from __future__ import annotations

from django.db import transaction

from fatura.billing.models import BillingRun, BillingRunStatus
from fatura.billing.services import _clean_text
from fatura.billing.tasks import billing_run_execute_task
from fatura.core import clock
from fatura.core.errors import InvalidInput, RuleViolation
from fatura.core.months import Month
from fatura.core.roles import Capability, require
from fatura.core.users import User


def billing_run_request(*, by: User, month: Month, result_center: str, ticket: str) -> BillingRun:
    """Queue a run; the worker executes it (``tasks.billing_run_execute_task``)."""
    by = require(by, Capability.FINALIZE_CHARGES)
    errors: list[dict[str, str]] = []
    result_center = _clean_text(result_center, "result_center", "o centro de resultado", errors)
    ticket = _clean_text(ticket, "ticket", "o chamado", errors)
    if errors:
        raise InvalidInput("; ".join(e["message"] for e in errors), errors=errors)
    active = BillingRun.objects.filter(
        month=month.first_day, status__in=[BillingRunStatus.QUEUED, BillingRunStatus.RUNNING]
    ).first()
    if active is not None:
        raise RuleViolation(
            f"Já há um faturamento de {month.label_pt()} em andamento (nº {active.pk})."
        )
    with transaction.atomic():
        run = BillingRun.objects.create(
            month=month.first_day,
            result_center=result_center,
            ticket=ticket,
            requested_by=by,
            requested_at=clock.now(),
        )
        transaction.on_commit(lambda: billing_run_execute_task.enqueue(run.pk))
    return run
