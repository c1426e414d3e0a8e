"""Billing runs: the month's charges finalized by the worker, with progress for the page."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction

from fatura.billing.models import BillingRun, BillingRunStatus
from fatura.billing.services import _clean_text, month_finalize_all
from fatura.core import clock
from fatura.core.errors import DomainError, InvalidInput, RuleViolation
from fatura.core.months import Month
from fatura.core.roles import Capability, require


def _progress_key(run_id: int) -> str:
    return f"billing-run:{run_id}:progress"


def billing_run_progress(run_id: int) -> dict[str, int | str] | None:
    value = cache.get(_progress_key(run_id))
    return dict(value) if value else None


def billing_run_request(*, by: Any, month: Month, result_center: str, ticket: str) -> BillingRun:
    """Queue a run; the worker executes it (``tasks.billing_run_execute_task``)."""
    require(by, Capability.FINALIZE_CHARGES)
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
    from fatura.billing.tasks import billing_run_execute_task

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


def billing_run_execute(run_id: int) -> BillingRun:
    """Run a queued billing run once; a run already started or finished is left alone, so a
    task delivered twice does no harm."""
    updated = BillingRun.objects.filter(pk=run_id, status=BillingRunStatus.QUEUED).update(
        status=BillingRunStatus.RUNNING
    )
    run = BillingRun.objects.select_related("requested_by").get(pk=run_id)
    if not updated:
        return run

    def progress(done: int, total: int, phase: str) -> None:
        cache.set(_progress_key(run_id), {"done": done, "total": total, "phase": phase}, 86400)

    try:
        invoices = month_finalize_all(
            by=run.requested_by,
            month=Month.of(run.month),
            result_center=run.result_center,
            ticket=run.ticket,
            progress=progress,
        )
    except DomainError as exc:
        run.status = BillingRunStatus.FAILED
        run.error = exc.message
        if exc.errors:
            run.error += "\n" + "\n".join(str(e.get("message", "")) for e in exc.errors[:50])
    except Exception as exc:
        # Left "running", the run would block the month for good ("já há um faturamento em
        # andamento"); record the failure, then let the task fail so the worker logs it.
        run.status = BillingRunStatus.FAILED
        run.error = f"Erro inesperado: {exc}"
        run.finished_at = clock.now()
        run.save()
        raise
    else:
        run.status = BillingRunStatus.DONE
        run.charges_finalized = len(invoices)
        run.total_charged = sum((i.total_charged for i in invoices), start=run.total_charged * 0)
        run.first_invoice = invoices[0].number
        run.last_invoice = invoices[-1].number
    run.finished_at = clock.now()
    run.save()
    return run
