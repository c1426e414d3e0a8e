"""Background jobs of billing: thin wrappers that take ids and call the services."""

from __future__ import annotations

from django_tasks import task

from fatura.billing.services import billing_run_execute


@task()
def billing_run_execute_task(run_id: int) -> str:
    run = billing_run_execute(run_id)
    return run.status
