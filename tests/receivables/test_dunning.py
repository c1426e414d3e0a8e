"""Dunning: strategies per customer segment and the daily run (``collections.dunning_run``).

The clock is frozen; each test moves it to the day the task runs. An invoice issued on
``ISSUE`` with "Líquido 30" is due on ``invoice.due_date``; "late" counts days after it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from fatura.core.errors import Forbidden, InvalidInput
from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.receivables import collections, corrections, services
from fatura.receivables.collections import LevelIn, dunning_run, dunning_strategy_save
from fatura.receivables.common import day_start
from fatura.receivables.mail import MailFailed
from fatura.receivables.models import (
    CollectionTask,
    DunningAction,
    DunningLevel,
    DunningNotice,
    DunningStrategy,
    Invoice,
)
from tests.factories import UserFactory, operacao
from tests.receivables.builders import Books

REMINDER = DunningAction.REMINDER
SECOND = DunningAction.SECOND_REMINDER
CALL = DunningAction.CALL_TASK
HANDOVER = DunningAction.HANDOVER


def on_day(books: Books, day: dt.date) -> None:
    """Move the frozen clock to mid-afternoon of ``day`` (São Paulo)."""
    books.clock.now = dt.datetime.combine(day, dt.time(17, 0), tzinfo=dt.UTC)


def late(books: Books, invoice: Invoice, days: int) -> None:
    assert invoice.due_date is not None
    on_day(books, invoice.due_date + dt.timedelta(days=days))


def dunning_events(invoice: Invoice) -> list[tuple[str, Any, Any]]:
    return [
        (e.activity, e.attributes.get("dunning_level"), e.attributes.get("dunning_action"))
        for e in Event.objects.filter(
            case_id=invoice.number,
            activity__in=[activities.DUNNING_INITIATED, activities.PAYMENT_REMINDER],
        ).order_by("timestamp", "id")
    ]


def reminders_to(invoice: Invoice) -> list[str]:
    return [
        m.subject.split(":")[0]
        for m in mail.outbox
        if invoice.number in m.subject and not m.subject.startswith("Fatura ")
    ]


def test_due_date_passed_is_recorded_by_system_at_the_end_of_the_due_date(books):
    invoice = books.sent(amount="800.00")
    late(books, invoice, 0)  # the due date itself: not passed yet
    assert dunning_run().due_dates_passed == 0
    assert books.reload(invoice).status == "sent"

    late(books, invoice, 1)
    report = dunning_run()

    assert report.due_dates_passed == 1
    invoice = books.reload(invoice)
    assert invoice.status == "overdue"
    passed = Event.objects.get(case_id=invoice.number, activity=activities.DUE_DATE_PASSED)
    assert (passed.user, passed.is_automated) == ("system", True)
    # the moment the due date passed: midnight closing the due date, in São Paulo
    assert passed.timestamp == day_start(invoice.due_date + dt.timedelta(days=1))
    assert passed.attributes["due_date"] == invoice.due_date.isoformat()
    assert passed.attributes["days_overdue"] == 1
    assert passed.attributes["balance"] == "800.00"


def test_paid_unsent_and_disputed_invoices_do_not_become_overdue(books):
    customer = books.customer()
    paid = books.sent(customer, amount="100.00")
    books.pay(paid, "100.00")
    completed = books.draft(customer, amount="100.00")
    services.invoice_complete(by=books.user, number=completed.number)
    disputed = books.sent(customer, amount="100.00")
    corrections.dispute_register(
        by=books.user, number=disputed.number, reason="outro", amount="10.00"
    )
    late(books, paid, 40)

    assert dunning_run().due_dates_passed == 0
    statuses = {i.number: i.status for i in Invoice.objects.all()}
    assert statuses == {
        paid.number: "closed",
        completed.number: "completed",
        disputed.number: "disputed",
    }
    assert not Event.objects.filter(activity=activities.DUE_DATE_PASSED).exists()


def test_default_levels_remind_call_and_hand_over_on_their_days(books):
    collector = UserFactory(username="cobradora")
    invoice = books.sent(books.customer(collector=collector), amount="1500.00")
    outbox_after_send = len(mail.outbox)

    for days, expected_level in ((1, 1), (14, 1), (15, 2), (29, 2), (30, 3), (89, 3), (90, 4)):
        late(books, invoice, days)
        dunning_run()
        assert books.reload(invoice).dunning_level == expected_level, days

    assert dunning_events(invoice) == [
        (activities.DUNNING_INITIATED, 1, REMINDER),
        (activities.PAYMENT_REMINDER, 1, REMINDER),
        (activities.PAYMENT_REMINDER, 2, SECOND),
        (activities.DUNNING_INITIATED, 4, HANDOVER),
    ]
    assert reminders_to(invoice) == ["Lembrete", "Segundo lembrete"]
    assert len(mail.outbox) == outbox_after_send + 2
    [reminder, _] = mail.outbox[outbox_after_send:]
    assert "Saldo em aberto: R$ 1.500,00" in reminder.body
    [(name, pdf, _)] = reminder.attachments  # the invoice PDF goes along
    assert name == f"fatura-{invoice.number}.pdf" and pdf.startswith(b"%PDF")
    task = CollectionTask.objects.get(invoice=invoice)
    assert invoice.due_date is not None
    called_on = invoice.due_date + dt.timedelta(days=30)
    assert (task.collector, task.due_on, task.done_at) == (collector, called_on, None)
    notices = list(DunningNotice.objects.filter(invoice=invoice).values_list("level", "action"))
    assert notices == [(1, REMINDER), (2, SECOND), (3, CALL), (4, HANDOVER)]
    automated = Event.objects.filter(
        case_id=invoice.number,
        activity__in=[activities.DUNNING_INITIATED, activities.PAYMENT_REMINDER],
    )
    assert {(e.user, e.is_automated) for e in automated} == {("system", True)}


def test_a_call_logged_by_the_collector_closes_the_call_task(books):
    collector = UserFactory(username="cobrador", role="Financeiro")
    invoice = books.sent(books.customer(collector=collector), amount="900.00")
    late(books, invoice, 31)
    report = dunning_run()
    assert (report.notices, report.call_tasks) == (3, 1)  # catching up: levels 1, 2 and 3

    collections.invoice_call(by=collector, number=invoice.number, outcome="no_answer")

    task = CollectionTask.objects.get(invoice=invoice)
    assert task.collector == collector and task.done_at is not None


def test_each_segment_follows_its_strategy_and_the_rest_the_default(books, fin_user):
    dunning_strategy_save(
        by=fin_user,
        segment="Varejo",
        name="Varejo: régua curta",
        levels=[LevelIn(3, REMINDER), LevelIn(10, CALL)],
    )
    dunning_strategy_save(by=fin_user, segment="", name="", levels=[LevelIn(5, REMINDER)])
    retail = books.sent(books.customer(segment="Varejo"), amount="700.00")
    industry = books.sent(books.customer(segment="Indústria"), amount="700.00")
    assert retail.due_date == industry.due_date

    late(books, retail, 3)
    dunning_run()
    assert (books.reload(retail).dunning_level, books.reload(industry).dunning_level) == (1, 0)

    late(books, retail, 5)
    dunning_run()
    assert books.reload(industry).dunning_level == 1
    assert reminders_to(industry) == ["Lembrete"]

    late(books, retail, 60)
    dunning_run()
    assert CollectionTask.objects.filter(invoice=retail).count() == 1
    assert not CollectionTask.objects.filter(invoice=industry).exists()  # default: reminder only
    assert books.reload(industry).dunning_level == 1


def test_saving_a_strategy_again_replaces_its_levels(fin_user, db):
    first = dunning_strategy_save(
        by=fin_user,
        segment=" Varejo ",
        name="Varejo",
        levels=[LevelIn(1, REMINDER), LevelIn(15, SECOND), LevelIn(30, CALL)],
    )
    again = dunning_strategy_save(
        by=fin_user,
        segment="Varejo",
        name="Varejo v2",
        levels=[LevelIn(7, REMINDER, Decimal("50.00")), LevelIn(60, HANDOVER)],
    )
    assert again.pk == first.pk and again.name == "Varejo v2" and again.segment == "Varejo"
    levels = list(
        DunningLevel.objects.filter(strategy=again).values_list(
            "level", "days_after_due", "action", "min_balance"
        )
    )
    assert levels == [(1, 7, REMINDER, Decimal("50.00")), (2, 60, HANDOVER, Decimal("0.00"))]
    assert DunningStrategy.objects.count() == 1


def test_operacao_cannot_change_a_strategy(db):
    with pytest.raises(Forbidden):
        dunning_strategy_save(by=operacao(), segment="", name="x", levels=[LevelIn(1, REMINDER)])
    assert not DunningStrategy.objects.exists()


@pytest.mark.parametrize(
    ("levels", "errors"),
    [
        ([], {(None, "levels")}),
        (
            [LevelIn(5, REMINDER), LevelIn(3, "telegrama"), LevelIn(3, CALL)],
            {(2, "days_after_due"), (2, "action"), (3, "days_after_due")},
        ),
        ([LevelIn(-1, REMINDER)], {(1, "days_after_due")}),
        ([LevelIn(40_000, REMINDER)], {(1, "days_after_due")}),  # would overflow the column
        ([LevelIn(1, REMINDER, Decimal("-5"))], {(1, "min_balance")}),
        ([LevelIn(1, REMINDER, Decimal("1.005"))], {(1, "min_balance")}),
        ([LevelIn(1, REMINDER, Decimal("1e15"))], {(1, "min_balance")}),
        ([LevelIn(1, REMINDER, Decimal("NaN"))], {(1, "min_balance")}),
    ],
)
def test_an_invalid_strategy_is_422_with_line_and_field(fin_user, levels, errors):
    dunning_strategy_save(by=fin_user, segment="Varejo", name="ok", levels=[LevelIn(2, CALL)])
    with pytest.raises(InvalidInput) as caught:
        dunning_strategy_save(by=fin_user, segment="Varejo", name="nova", levels=levels)
    assert caught.value.status == 422
    assert {(e.get("line"), e["field"]) for e in caught.value.errors} == errors
    assert "Régua de cobrança inválida" in caught.value.message
    strategy = DunningStrategy.objects.get()  # nothing changed
    assert strategy.name == "ok"
    assert list(strategy.levels.values_list("days_after_due", "action")) == [(2, CALL)]


def test_an_open_dispute_pauses_dunning_and_it_resumes_after_resolution(books):
    invoice = books.sent(amount="1000.00")
    late(books, invoice, 1)
    dunning_run()
    assert books.reload(invoice).dunning_level == 1

    late(books, invoice, 2)
    dispute = corrections.dispute_register(
        by=books.user, number=invoice.number, reason="divergencia_quantidade", amount="200.00"
    )
    late(books, invoice, 40)
    report = dunning_run()
    assert (report.notices, report.call_tasks) == (0, 0)
    assert books.reload(invoice).dunning_level == 1
    assert reminders_to(invoice) == ["Lembrete"]

    corrections.dispute_resolve(
        by=books.user, number=invoice.number, resolution="credit_note", dispute_id=dispute.pk
    )
    invoice = books.reload(invoice)
    assert (invoice.status, invoice.balance) == ("overdue", Decimal("800.00"))
    report = dunning_run()  # the same day, after the resolution: catches up
    assert (report.notices, report.call_tasks) == (2, 1)
    assert books.reload(invoice).dunning_level == 3
    assert reminders_to(invoice) == ["Lembrete", "Segundo lembrete"]
    second = next(m for m in mail.outbox if m.subject.startswith("Segundo lembrete"))
    assert "Saldo em aberto: R$ 800,00" in second.body


def test_thresholds_count_what_is_still_owed_not_the_total(books, fin_user):
    dunning_strategy_save(
        by=fin_user,
        segment="",
        name="Padrão",
        levels=[LevelIn(1, REMINDER, Decimal("500.00")), LevelIn(10, CALL, Decimal("500.00"))],
    )
    customer = books.customer()
    unpaid = books.sent(customer, amount="1000.00")
    part_paid = books.sent(customer, amount="1000.00")
    books.pay(part_paid, "600.00")
    assert books.reload(part_paid).balance == Decimal("400.00")

    late(books, unpaid, 30)
    report = dunning_run()

    assert report.due_dates_passed == 2  # both are late…
    assert report.notices == 2  # …but only the one owing 500 or more is dunned
    assert books.reload(unpaid).dunning_level == 2
    assert books.reload(part_paid).dunning_level == 0
    assert not DunningNotice.objects.filter(invoice=part_paid).exists()
    assert reminders_to(part_paid) == []

    corrections.invoice_adjust(
        by=books.user, number=part_paid.number, amount="150.00", reason="juros"
    )
    dunning_run()  # now it owes 550.00
    notices = DunningNotice.objects.filter(invoice=part_paid).values_list("level", "balance")
    assert list(notices) == [(1, Decimal("550.00")), (2, Decimal("550.00"))]


def test_running_again_the_same_day_does_nothing_twice(books):
    customer = books.customer(collector=UserFactory(username="cobrador2"))
    invoices = [books.sent(customer, amount=amount) for amount in ("100.00", "250.00")]
    late(books, invoices[0], 95)
    first = dunning_run()
    assert (first.due_dates_passed, first.notices, first.call_tasks) == (2, 8, 2)
    counts = (
        Event.objects.count(),
        DunningNotice.objects.count(),
        CollectionTask.objects.count(),
        len(mail.outbox),
    )

    again = dunning_run()

    assert (again.due_dates_passed, again.notices, again.call_tasks) == (0, 0, 0)
    assert counts == (
        Event.objects.count(),
        DunningNotice.objects.count(),
        CollectionTask.objects.count(),
        len(mail.outbox),
    )
    for invoice in invoices:
        passed = Event.objects.filter(case_id=invoice.number, activity=activities.DUE_DATE_PASSED)
        assert passed.count() == 1


def test_a_failed_reminder_is_retried_the_next_day_and_later_levels_wait(books, monkeypatch):
    invoice = books.sent(amount="300.00")
    real = collections.send_reminder_email

    def down(invoice: Invoice, **kwargs: Any) -> None:
        raise MailFailed("servidor SMTP fora do ar")

    monkeypatch.setattr(collections, "send_reminder_email", down)
    late(books, invoice, 20)
    report = dunning_run()
    assert (report.notices, report.mail_failures) == (0, 1)
    invoice = books.reload(invoice)
    assert (invoice.status, invoice.dunning_level) == ("overdue", 0)  # the due date is recorded
    assert not DunningNotice.objects.filter(invoice=invoice).exists()
    assert dunning_events(invoice) == []

    monkeypatch.setattr(collections, "send_reminder_email", real)
    late(books, invoice, 21)
    report = dunning_run()
    assert (report.notices, report.mail_failures) == (2, 0)
    assert reminders_to(invoice) == ["Lembrete", "Segundo lembrete"]
