"""Background tasks of receivables (django-tasks, database-backed worker): thin and safe to
re-run, each step's uniqueness lives in the services and the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from fatura.core import clock
from fatura.receivables.collections import dunning_run
from fatura.receivables.delivery import deliveries_retry
from fatura.receivables.recurring import recurring_issue_due


def daily_run(*, today: dt.date | None = None) -> dict[str, Any]:
    """The day's receivables routine: issue the recurring invoices due (e-mailed as they are
    issued under the automatic policy), retry the deliveries whose time has come, then record
    the due dates passed and run the dunning strategies. Running it twice on a day does
    nothing the second time (a period, a due date and a dunning level are each done once)."""
    today = today or clock.today()
    issued = recurring_issue_due(today=today)
    delivered = deliveries_retry()
    report = dunning_run(today=today)
    return {
        "date": today.isoformat(),
        "recurring_issued": [invoice.number for invoice in issued],
        "due_dates_passed": report.due_dates_passed,
        "dunning_notices": report.notices,
        "call_tasks": report.call_tasks,
        "mail_failures": report.mail_failures,
        "deliveries_retried_sent": delivered.sent,
        "deliveries_retried_failed": delivered.failed,
    }


@task()
def receivables_daily(today: str | None = None) -> dict[str, Any]:
    """``today`` as ``YYYY-MM-DD`` (default: the worker's today); the summary is JSON."""
    return daily_run(today=dt.date.fromisoformat(today) if today else None)


def summary_text(summary: dict[str, Any]) -> str:
    """The summary for people (pt-BR), as the command prints it."""
    day = dt.date.fromisoformat(summary["date"])
    issued = summary["recurring_issued"]
    lines = [
        f"Rotina diária de recebíveis de {day:%d/%m/%Y}:",
        f"  faturas recorrentes emitidas: {len(issued)}"
        + (f" ({', '.join(issued)})" if issued else ""),
        f"  vencimentos registrados: {summary['due_dates_passed']}",
        f"  níveis de cobrança executados: {summary['dunning_notices']}",
        f"  tarefas de ligação criadas: {summary['call_tasks']}",
        f"  e-mails de cobrança não enviados: {summary['mail_failures']}"
        + (" (nova tentativa amanhã)" if summary["mail_failures"] else ""),
        f"  faturas reenviadas: {summary.get('deliveries_retried_sent', 0)}"
        f" (falharam de novo: {summary.get('deliveries_retried_failed', 0)})",
    ]
    return "\n".join(lines)
