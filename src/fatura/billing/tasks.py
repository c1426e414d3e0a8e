"""Background jobs of billing: thin wrappers that take ids and call the services."""

from __future__ import annotations

from django_tasks import task

from fatura.billing.deliveries import billing_run_deliver, billing_run_deliveries_queue
from fatura.billing.models import BillingRunStatus
from fatura.billing.services import billing_run_execute


@task()
def billing_run_execute_task(run_id: int) -> str:
    run = billing_run_execute(run_id)
    if run.status == BillingRunStatus.DONE and billing_run_deliveries_queue(run):
        billing_run_deliver_task.enqueue(run.pk)  # the e-mails, in a task of their own
    return run.status


@task()
def billing_run_deliver_task(run_id: int) -> dict[str, int | str]:
    """E-mail a finished run's invoices (``billing.deliveries``); the counts as JSON."""
    done = billing_run_deliver(run_id)
    return {"sent": done.sent, "failed": done.failed, "held": done.held, "manual": done.manual}
