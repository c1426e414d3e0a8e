"""A billing run's e-mails: after the run committed, the worker sends the invoices of the
customers under the automatic delivery (``billing.tasks.billing_run_deliver_task`` →
:func:`billing_run_deliver`, progress in the run's cache key) through
``receivables.delivery``; the run page and ``GET /billing-runs/{id}`` show how many were sent,
failed or are held for approval (:func:`billing_run_deliveries`, read live from the invoices,
so a retry that succeeds later shows too). See docs/decisions/0022."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

from fatura.billing.models import BillingRun, BillingRunStatus, RunDeliveryStatus
from fatura.billing.selectors import billing_run_progress_key
from fatura.core import clock
from fatura.receivables.delivery import deliveries_send, delivery_counts, delivery_numbers
from fatura.receivables.models import DeliveryStatus


@dataclass(frozen=True)
class RunDeliveries:
    """How a run's invoices stand: e-mailed, failed (retried by the worker, or "Reenviar"),
    held for approval (above the approval threshold), waiting (queued or being sent) and
    under the manual policy (Financeiro sends them)."""

    status: str
    sent: int = 0
    failed: int = 0
    held: int = 0
    waiting: int = 0
    manual: int = 0


def billing_run_deliveries(run: BillingRun) -> RunDeliveries:
    """The run's delivery counts (one query; none before the run finished)."""
    if run.status != BillingRunStatus.DONE or not run.first_invoice:
        return RunDeliveries(status=run.delivery_status)
    counts = delivery_counts(run.first_invoice, run.last_invoice)
    return RunDeliveries(
        status=run.delivery_status,
        sent=counts.get(DeliveryStatus.DELIVERED, 0),
        failed=counts.get(DeliveryStatus.FAILED, 0),
        held=counts.get(DeliveryStatus.HELD, 0),
        waiting=counts.get(DeliveryStatus.QUEUED, 0) + counts.get(DeliveryStatus.SENDING, 0),
        manual=counts.get("none", 0),
    )


def billing_run_deliveries_queue(run: BillingRun) -> bool:
    """Mark a finished run's e-mails as queued (the task then sends them); False when there
    is nothing to send."""
    if run.status != BillingRunStatus.DONE or not run.first_invoice:
        return False
    updated = BillingRun.objects.filter(pk=run.pk, delivery_status=RunDeliveryStatus.NONE).update(
        delivery_status=RunDeliveryStatus.QUEUED
    )
    run.delivery_status = RunDeliveryStatus.QUEUED
    return bool(updated)


def billing_run_deliver(run_id: int) -> RunDeliveries:
    """Send the run's queued invoices, one attempt each (the worker; safe to run twice: an
    invoice already sent or being sent is skipped). Progress: phase "sending"."""
    run = BillingRun.objects.get(pk=run_id)
    if run.status != BillingRunStatus.DONE or not run.first_invoice:
        return billing_run_deliveries(run)
    BillingRun.objects.filter(pk=run_id).update(delivery_status=RunDeliveryStatus.RUNNING)
    numbers = delivery_numbers(run.first_invoice, run.last_invoice, status=DeliveryStatus.QUEUED)
    key = billing_run_progress_key(run_id)

    def progress(done: int, total: int) -> None:
        if done == total or done % 25 == 0:
            cache.set(key, {"done": done, "total": total, "phase": "sending"}, 86400)

    progress(0, len(numbers))
    deliveries_send(numbers=numbers, progress=progress)
    BillingRun.objects.filter(pk=run_id).update(
        delivery_status=RunDeliveryStatus.DONE, delivery_finished_at=clock.now()
    )
    run.refresh_from_db()
    return billing_run_deliveries(run)
