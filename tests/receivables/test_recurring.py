"""Recurring invoices: a template made by ``invoice_create(kind="recurring")`` and the daily
task that issues each period once (``recurring_issue_due``), and the daily routine itself
(``tasks.receivables_daily`` and the ``receivables_daily`` command)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fatura.core.errors import InvalidInput
from fatura.core.models import Counter
from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.receivables import recurring, services, tasks
from fatura.receivables.models import Invoice, RecurringTemplate
from fatura.receivables.recurring import recurring_issue_due
from tests.receivables.builders import Books


def template_of(
    books: Books,
    start: dt.date,
    *,
    frequency: str = "monthly",
    end: str | None = None,
    amount: str = "199.90",
    customer: Any = None,
) -> Invoice:
    recurrence: dict[str, Any] = {"frequency": frequency}
    if end:
        recurrence["end"] = end
    return services.invoice_create(
        by=books.user,
        customer=customer or books.customer(),
        kind="recurring",
        issue_date=start,
        payment_terms="NET30",
        lines=[
            {"description": "Suporte mensal", "quantity": "1", "unit_price": amount},
            {"description": "Usuários adicionais", "quantity": "3", "unit_price": "10.00"},
        ],
        recurrence=recurrence,
        description="Contrato de suporte",
    )


def periods_of(first: Invoice) -> list[dt.date]:
    return list(
        Invoice.objects.filter(recurring_template=first.recurring_template)
        .order_by("recurring_period")
        .values_list("recurring_period", flat=True)
    )


def test_creating_a_recurring_invoice_makes_the_template_and_its_first_period(books):
    first = template_of(books, dt.date(2026, 5, 5))
    template = RecurringTemplate.objects.get()
    assert first.recurring_template == template and first.recurring_period == dt.date(2026, 5, 5)
    assert (first.kind, first.status, first.total_charged) == (
        "recurring",
        "draft",
        Decimal("229.90"),
    )
    assert (template.frequency, template.start, template.end) == ("monthly", first.issue_date, None)
    assert template.lines[0] == {
        "description": "Suporte mensal",
        "quantity": "1",
        "unit_price": "199.90",
    }
    assert recurring_issue_due(today=dt.date(2026, 6, 4)) == []  # the first one exists


def test_monthly_issues_each_period_once_as_completed_by_system(books):
    first = template_of(books, dt.date(2026, 5, 5))

    issued = recurring_issue_due(today=dt.date(2026, 8, 5))

    assert [i.recurring_period for i in issued] == [
        dt.date(2026, 6, 5),
        dt.date(2026, 7, 5),
        dt.date(2026, 8, 5),
    ]
    assert [i.number for i in issued] == ["FAT-00000002", "FAT-00000003", "FAT-00000004"]
    for invoice in issued:
        assert (invoice.kind, invoice.status, invoice.total_charged) == (
            "recurring",
            "completed",
            Decimal("229.90"),
        )
        assert invoice.issue_date == invoice.recurring_period
        assert invoice.due_date is not None and invoice.due_date >= invoice.issue_date
        assert invoice.lines.count() == 2 and invoice.description == "Contrato de suporte"
        events = Event.objects.filter(case_id=invoice.number).order_by("id")
        assert [e.activity for e in events] == [
            activities.INVOICE_CREATED,
            activities.INVOICE_COMPLETED,
        ]
        assert {(e.user, e.is_automated) for e in events} == {("system", True)}
        assert events[0].attributes["period"] == invoice.recurring_period.isoformat()
    assert recurring_issue_due(today=dt.date(2026, 8, 5)) == []  # re-run: nothing twice
    assert recurring_issue_due(today=dt.date(2026, 8, 20)) == []
    assert periods_of(first) == [dt.date(2026, m, 5) for m in (5, 6, 7, 8)]


def test_yearly_issues_once_a_year(books):
    first = template_of(books, dt.date(2025, 3, 10), frequency="yearly")
    assert recurring_issue_due(today=dt.date(2026, 3, 9)) == []
    [issued] = recurring_issue_due(today=dt.date(2026, 3, 10))
    assert issued.recurring_period == dt.date(2026, 3, 10)
    assert recurring_issue_due(today=dt.date(2027, 3, 9)) == []
    assert len(recurring_issue_due(today=dt.date(2028, 12, 31))) == 2
    assert periods_of(first) == [dt.date(y, 3, 10) for y in (2025, 2026, 2027, 2028)]


def test_month_end_days_fall_on_the_last_day_of_short_months(books):
    first = template_of(books, dt.date(2027, 1, 31))
    recurring_issue_due(today=dt.date(2027, 6, 30))
    assert periods_of(first) == [
        dt.date(2027, 1, 31),
        dt.date(2027, 2, 28),
        dt.date(2027, 3, 31),  # back to the 31st: counted from the start, not the last one
        dt.date(2027, 4, 30),
        dt.date(2027, 5, 31),
        dt.date(2027, 6, 30),
    ]
    leap = template_of(books, dt.date(2028, 1, 31))
    recurring_issue_due(today=dt.date(2028, 2, 29))
    assert periods_of(leap)[-1] == dt.date(2028, 2, 29)
    yearly = template_of(books, dt.date(2028, 2, 29), frequency="yearly")
    recurring_issue_due(today=dt.date(2029, 3, 1))
    assert periods_of(yearly) == [dt.date(2028, 2, 29), dt.date(2029, 2, 28)]


def test_the_end_date_is_respected(books):
    first = template_of(books, dt.date(2026, 1, 15), end="2026-04-14")
    recurring_issue_due(today=dt.date(2026, 12, 31))
    assert periods_of(first) == [dt.date(2026, m, 15) for m in (1, 2, 3)]
    last_day = template_of(books, dt.date(2026, 1, 15), end="2026-04-15")
    recurring_issue_due(today=dt.date(2026, 12, 31))
    assert periods_of(last_day)[-1] == dt.date(2026, 4, 15)


def test_an_inactive_template_issues_nothing(books):
    first = template_of(books, dt.date(2026, 1, 15))
    RecurringTemplate.objects.update(active=False)
    assert recurring_issue_due(today=dt.date(2026, 6, 1)) == []
    assert periods_of(first) == [dt.date(2026, 1, 15)]


def test_a_restart_after_a_partial_run_issues_the_rest_never_twice(books, monkeypatch):
    first = template_of(books, dt.date(2026, 1, 5))
    real_build = recurring.invoice_build
    calls = {"n": 0}

    def crashing(**kwargs: Any) -> Invoice:
        calls["n"] += 1
        if calls["n"] == 3:  # the worker dies while issuing the third period
            raise RuntimeError("worker morto")
        return real_build(**kwargs)

    monkeypatch.setattr(recurring, "invoice_build", crashing)
    with pytest.raises(RuntimeError):
        recurring_issue_due(today=dt.date(2026, 6, 30))
    assert periods_of(first) == [dt.date(2026, m, 5) for m in (1, 2, 3)]  # two made it

    monkeypatch.setattr(recurring, "invoice_build", real_build)
    again = recurring_issue_due(today=dt.date(2026, 6, 30))  # the restarted worker

    assert [i.recurring_period for i in again] == [dt.date(2026, m, 5) for m in (4, 5, 6)]
    assert periods_of(first) == [dt.date(2026, m, 5) for m in range(1, 7)]
    numbers = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert numbers == list(range(1, 7))  # the crashed period took no number for good
    assert Counter.objects.get(name="invoice").last_value == 6


def test_a_period_issued_meanwhile_by_another_worker_is_skipped(books, monkeypatch):
    """The unique (template, period) is the last line of defence: a second worker that read
    the periods before the first one wrote its invoice gets an IntegrityError and moves on."""
    first = template_of(books, dt.date(2026, 1, 5))
    real_periods = recurring.periods

    def stale(template: RecurringTemplate, until: dt.date) -> list[dt.date]:
        wanted = real_periods(template, until)
        return [day for day in wanted for _ in (1, 2)]  # each period tried twice

    monkeypatch.setattr(recurring, "periods", stale)
    issued = recurring_issue_due(today=dt.date(2026, 3, 5))

    assert [i.recurring_period for i in issued] == [dt.date(2026, 2, 5), dt.date(2026, 3, 5)]
    assert periods_of(first) == [dt.date(2026, m, 5) for m in (1, 2, 3)]
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == [1, 2, 3]


@pytest.mark.parametrize(
    ("recurrence", "field"),
    [
        ({"frequency": "weekly"}, "recurrence.frequency"),
        ({"frequency": "monthly", "end": "31/12/2026"}, "recurrence.end"),
        ({"frequency": "monthly", "end": "2026-01-01"}, "recurrence.end"),  # before the start
    ],
)
def test_a_bad_recurrence_is_422_and_nothing_is_created(books, recurrence, field):
    with pytest.raises(InvalidInput) as caught:
        services.invoice_create(
            by=books.user,
            customer=books.customer(),
            kind="recurring",
            issue_date=dt.date(2026, 5, 5),
            payment_terms="NET30",
            lines=[{"description": "Suporte", "quantity": "1", "unit_price": "10"}],
            recurrence=recurrence,
        )
    assert caught.value.status == 422
    assert [e["field"] for e in caught.value.errors] == [field]
    assert not RecurringTemplate.objects.exists() and not Invoice.objects.exists()


# --- the daily routine: task and command ------------------------------------------------------


def _world(books: Books) -> tuple[Invoice, Invoice]:
    """A monthly template started 2026-03-05 and a simple invoice sent on 2026-03-05."""
    books.clock.now = dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC)
    customer = books.customer()
    first = template_of(books, dt.date(2026, 3, 5), customer=customer)
    sent = books.sent(customer, amount="400.00", issue_date=dt.date(2026, 3, 5))
    books.clock.now = dt.datetime(2026, 5, 5, 15, 0, tzinfo=dt.UTC)
    return first, sent


def test_the_daily_task_issues_recurring_invoices_then_runs_dunning(books):
    first, sent = _world(books)

    summary = tasks.receivables_daily.call()

    assert summary == {
        "date": "2026-05-05",
        "recurring_issued": ["FAT-00000003", "FAT-00000004"],
        "due_dates_passed": 1,
        "dunning_notices": 2,  # 29 days late: reminder and second reminder (default levels)
        "call_tasks": 0,
        "mail_failures": 0,
        "deliveries_retried_sent": 0,
        "deliveries_retried_failed": 0,
    }
    assert periods_of(first) == [dt.date(2026, m, 5) for m in (3, 4, 5)]
    assert books.reload(sent).status == "overdue"
    again = tasks.receivables_daily.call()
    assert again["recurring_issued"] == []
    assert (again["due_dates_passed"], again["dunning_notices"]) == (0, 0)
    assert tasks.receivables_daily.call("2026-06-05")["recurring_issued"] == ["FAT-00000005"]


def test_the_command_runs_the_routine_now_and_prints_a_pt_br_summary(books):
    _world(books)
    out = StringIO()

    call_command("receivables_daily", stdout=out)

    text = out.getvalue()
    assert "Rotina diária de recebíveis de 05/05/2026:" in text
    assert "faturas recorrentes emitidas: 2 (FAT-00000003, FAT-00000004)" in text
    assert "vencimentos registrados: 1" in text
    assert "níveis de cobrança executados: 2" in text
    assert "e-mails de cobrança não enviados: 0" in text

    out = StringIO()
    call_command("receivables_daily", "--date", "2026-05-05", stdout=out)
    assert "faturas recorrentes emitidas: 0\n" in out.getvalue()
    assert "vencimentos registrados: 0" in out.getvalue()
    with pytest.raises(CommandError, match="AAAA-MM-DD"):
        call_command("receivables_daily", "--date", "05/05/2026")


# The worker closes its database connection after a task: the data must be committed (a
# transactional test), not inside the test's rolled-back transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_command_enqueues_the_task_for_the_worker(books, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    first, _ = _world(books)
    out = StringIO()

    call_command("receivables_daily", "--enqueue", "--date", "2026-04-05", stdout=out)

    assert "enfileirada" in out.getvalue()
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "fatura.receivables.tasks.receivables_daily"
    assert queued.args_kwargs["args"] == ["2026-04-05"]
    assert periods_of(first) == [dt.date(2026, 3, 5)]  # nothing ran yet

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())

    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL", queued.exception_class_path
    assert queued.return_value["recurring_issued"] == ["FAT-00000003"]
    assert periods_of(first) == [dt.date(2026, 3, 5), dt.date(2026, 4, 5)]
