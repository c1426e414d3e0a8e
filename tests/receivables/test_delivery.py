"""Every invoice reaches collections (issue 11 §2): the automatic e-mail of issued invoices,
its failures (visible, retried with backoff, "Reenviar") and the held ones (docs/decisions/0022)."""

from __future__ import annotations

import datetime as dt
from smtplib import SMTPException
from typing import Any

import pytest
from django.core import mail

from fatura.core import clock
from fatura.core.errors import Forbidden, NotFound, RuleViolation
from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.receivables import delivery, services
from fatura.receivables.delivery import (
    BACKOFF,
    LEASE,
    MAX_ATTEMPTS,
    deliveries_due,
    deliveries_retry,
    deliveries_send,
    invoice_deliver,
    invoice_resend,
)
from fatura.receivables.mail import MailFailed
from fatura.receivables.models import Invoice
from fatura.receivables.recurring import recurring_issue_due
from tests.factories import operacao
from tests.receivables.builders import Books

pytestmark = pytest.mark.django_db


def _completed(books: Books, amount: str = "500.00", **customer: Any) -> Invoice:
    """A completed invoice queued for the automatic e-mail, as the issuing services leave it."""
    invoice = books.draft(books.customer(delivery="email", **customer), amount=amount)
    invoice = services.invoice_complete(by=books.user, number=invoice.number)
    delivery.delivery_initial(invoice, clock.now())
    invoice.save(update_fields=["delivery", "delivery_retry_at"])
    return invoice


class SmtpDown:
    """``send_invoice_email`` failing as Django's SMTP backend does when the server is away."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, invoice: Invoice) -> None:
        self.calls += 1
        try:
            raise SMTPException("421 servidor indisponível")
        except SMTPException as exc:
            raise MailFailed("falhou") from exc


@pytest.fixture
def smtp_down(monkeypatch: pytest.MonkeyPatch) -> SmtpDown:
    down = SmtpDown()
    monkeypatch.setattr(delivery, "send_invoice_email", down)
    return down


def test_the_policy_decides_what_an_issued_invoice_does(books):
    now = clock.now()
    queued = books.draft(books.customer(delivery="email"))
    manual = books.draft(books.customer(delivery="manual"))
    big = books.draft(books.customer(delivery="email"), amount="20000.00")
    for invoice in (queued, manual, big):
        invoice.status = "completed"
        delivery.delivery_initial(invoice, now)
    assert (queued.delivery, queued.delivery_retry_at) == ("queued", now)
    assert (manual.delivery, manual.delivery_retry_at) == ("", None)
    assert (big.delivery, big.delivery_retry_at) == ("held", None)


def test_a_queued_invoice_is_emailed_and_becomes_sent(books):
    invoice = _completed(books)
    outcome, sent = invoice_deliver(invoice.number)
    assert outcome == "sent"
    assert (sent.status, sent.delivery, sent.delivery_attempts) == ("sent", "delivered", 1)
    assert sent.sent_at == clock.now() and sent.delivery_retry_at is None
    [message] = mail.outbox
    assert message.to == [invoice.customer.email]
    [(name, pdf, _)] = message.attachments
    assert name == f"fatura-{invoice.number}.pdf" and pdf.startswith(b"%PDF")
    event = Event.objects.get(case_id=invoice.number, activity=activities.INVOICE_SENT)
    assert (event.user, event.is_automated) == ("system", True)
    assert event.attributes["status"] == "sent"
    # a second attempt (the task delivered twice) sends nothing
    assert invoice_deliver(invoice.number)[0] == "skipped"
    assert len(mail.outbox) == 1


def test_a_failure_is_recorded_with_its_event_and_retried_with_backoff(books, smtp_down):
    invoice = _completed(books)
    start = clock.now()
    outcome, failed = invoice_deliver(invoice.number)
    assert outcome == "failed"
    assert (failed.status, failed.delivery, failed.delivery_attempts) == ("completed", "failed", 1)
    assert failed.delivery_error == "421 servidor indisponível"
    assert failed.delivery_retry_at == start + BACKOFF[0]
    event = Event.objects.get(case_id=invoice.number, activity=activities.INVOICE_DELIVERY_FAILED)
    assert event.attributes["error"] == "421 servidor indisponível"
    assert event.attributes["attempt"] == 1
    assert not Event.objects.filter(activity=activities.INVOICE_SENT).exists()

    assert deliveries_due(clock.now()) == []  # not before its time
    for attempt in range(2, MAX_ATTEMPTS + 1):
        books.clock.now = Invoice.objects.get(pk=invoice.pk).delivery_retry_at
        report = deliveries_retry()
        assert (report.failed, smtp_down.calls) == (1, attempt)
    last = books.reload(invoice)
    assert (last.delivery, last.delivery_attempts, last.delivery_retry_at) == (
        "failed",
        MAX_ATTEMPTS,
        None,  # no more automatic tries: "Reenviar" is left
    )
    books.clock.advance(days=30)
    assert deliveries_due(clock.now()) == []


def test_reenviar_sends_a_failed_invoice_and_refuses_one_that_did_not_fail(
    books, smtp_down, monkeypatch
):
    invoice = _completed(books)
    invoice_deliver(invoice.number)
    with pytest.raises(MailFailed) as caught:  # still down: 502, recorded again
        invoice_resend(by=books.user, number=invoice.number)
    assert caught.value.status == 502 and "Reenviar" in caught.value.message
    assert books.reload(invoice).delivery_attempts == 2

    monkeypatch.setattr(delivery, "send_invoice_email", lambda invoice: None)
    sent = invoice_resend(by=books.user, number=invoice.number)
    assert (sent.status, sent.delivery, sent.delivery_error) == ("sent", "delivered", "")
    manual = Event.objects.get(case_id=invoice.number, activity=activities.INVOICE_SENT)
    assert (manual.user, manual.is_automated) == (books.user.username, False)
    with pytest.raises(RuleViolation, match="não falhou"):
        invoice_resend(by=books.user, number=invoice.number)
    with pytest.raises(NotFound):
        invoice_resend(by=books.user, number="FAT-99999999")
    with pytest.raises(Forbidden):
        invoice_resend(by=operacao(), number=invoice.number)


def test_an_attempt_under_way_keeps_others_off_until_its_lease_ends(books):
    invoice = _completed(books)
    Invoice.objects.filter(pk=invoice.pk).update(
        delivery="sending", delivery_retry_at=clock.now() + LEASE
    )
    assert invoice_deliver(invoice.number)[0] == "skipped"
    with pytest.raises(RuleViolation, match="já está sendo enviada"):
        services.invoice_send(by=books.user, number=invoice.number)
    assert mail.outbox == []
    books.clock.now += LEASE  # the worker died: the retry task takes it over
    assert deliveries_due(clock.now()) == [invoice.number]
    assert deliveries_retry().sent == 1
    assert books.reload(invoice).status == "sent"


def test_an_invoice_above_the_threshold_is_held_and_sent_once_approved(
    books, django_capture_on_commit_callbacks
):
    invoice = _completed(books, amount="20000.00")
    assert invoice.delivery == "held"
    report = deliveries_send(numbers=[invoice.number])  # the queue does not send it
    assert (report.held, report.sent, mail.outbox) == (0, 0, [])
    services.invoice_submit(by=books.user, number=invoice.number)
    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_approve(by=books.approver, number=invoice.number)
    approved = books.reload(invoice)
    assert (approved.status, approved.delivery) == ("sent", "delivered")
    assert len(mail.outbox) == 1


def test_what_changed_before_the_attempt_is_respected(books):
    paid = _completed(books, amount="100.00")
    books.pay(paid, "100.00")  # closed before the e-mail went: nothing to deliver
    assert invoice_deliver(paid.number)[0] == "skipped"
    assert books.reload(paid).delivery == ""
    nomail = _completed(books, email="")
    outcome, failed = invoice_deliver(nomail.number)
    assert outcome == "failed" and "não tem e-mail" in failed.delivery_error
    assert failed.delivery_retry_at is None  # no retry can help: fix the customer first
    assert mail.outbox == []


def test_manual_send_of_a_manual_customer_records_a_failure_without_retry(books, smtp_down):
    invoice = books.draft(books.customer(delivery="manual"))
    services.invoice_complete(by=books.user, number=invoice.number)
    with pytest.raises(MailFailed):
        services.invoice_send(by=books.user, number=invoice.number)
    failed = books.reload(invoice)
    assert (failed.delivery, failed.delivery_retry_at, failed.status) == (
        "failed",
        None,
        "completed",
    )


def test_recurring_invoices_are_emailed_when_issued(books, django_capture_on_commit_callbacks):
    customer = books.customer(delivery="email")
    books.draft(
        customer,
        kind="recurring",
        issue_date=dt.date(2026, 4, 5),
        recurrence={"frequency": "monthly"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        issued = recurring_issue_due(today=dt.date(2026, 5, 5))
    [invoice] = issued
    sent = books.reload(invoice)
    assert (sent.status, sent.delivery) == ("sent", "delivered")
    assert [m.to for m in mail.outbox] == [[customer.email]]


def test_the_daily_routine_retries_what_is_due(books, smtp_down, monkeypatch):
    from fatura.receivables import tasks

    invoice = _completed(books)
    invoice_deliver(invoice.number)
    monkeypatch.setattr(delivery, "send_invoice_email", lambda invoice: None)
    books.clock.advance(hours=1)
    summary = tasks.daily_run()
    assert (summary["deliveries_retried_sent"], summary["deliveries_retried_failed"]) == (1, 0)
    assert "faturas reenviadas: 1" in tasks.summary_text(summary)
    assert books.reload(invoice).status == "sent"


def test_a_retry_task_is_scheduled_when_the_backend_can_defer(books, smtp_down, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    invoice = _completed(books)
    deliveries_send(numbers=[invoice.number])
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path.endswith("deliveries_retry_task")
    assert queued.run_after == clock.now() + BACKOFF[0]


# --- API ----------------------------------------------------------------------------------


def test_the_invoice_shows_its_delivery_and_failed_ones_are_listed(books, smtp_down, fin_api):
    failed = _completed(books)
    invoice_deliver(failed.number)
    other = books.draft(books.customer(delivery="manual"))
    body = fin_api.get(f"/invoices/{failed.number}").json()
    assert body["delivery"] == {
        "status": "failed",
        "attempts": 1,
        "last_error": "421 servidor indisponível",
        "retry_at": (clock.now() + BACKOFF[0]).isoformat().replace("+00:00", "Z"),
    }
    assert fin_api.get(f"/invoices/{other.number}").json()["delivery"]["status"] == ""
    listed = fin_api.get("/invoices", {"delivery": "failed"})
    assert [i["number"] for i in listed.json()] == [failed.number]
    assert listed["X-Total-Count"] == "1"
    none = fin_api.get("/invoices", {"delivery": "none"}).json()
    assert [i["number"] for i in none] == [other.number]
    assert fin_api.get("/invoices", {"delivery": "lost"}).status_code == 422


def test_post_resend(books, smtp_down, fin_api, ops_api, client, monkeypatch):
    invoice = _completed(books)
    invoice_deliver(invoice.number)
    down = fin_api.post(f"/invoices/{invoice.number}/resend")
    assert down.status_code == 502 and "Reenviar" in down.json()["detail"]
    assert ops_api.post(f"/invoices/{invoice.number}/resend").status_code == 403
    assert fin_api.post("/invoices/FAT-99999999/resend").status_code == 404
    anonymous = client.post(f"/api/v1/invoices/{invoice.number}/resend")
    assert anonymous.status_code == 401
    monkeypatch.setattr(delivery, "send_invoice_email", lambda invoice: None)
    response = fin_api.post(f"/invoices/{invoice.number}/resend")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["delivery"]["status"]) == (
        "sent",
        "delivered",
    )
    again = fin_api.post(f"/invoices/{invoice.number}/resend")
    assert again.status_code == 409 and "não falhou" in again.json()["detail"]


def test_a_caller_may_send_the_queued_invoices_itself(books, django_capture_on_commit_callbacks):
    customer = books.customer(delivery="email")
    books.draft(
        customer,
        kind="recurring",
        issue_date=dt.date(2026, 5, 5),
        recurrence={"frequency": "monthly"},
    )
    with delivery.deliveries_by_caller(), django_capture_on_commit_callbacks() as callbacks:
        [invoice] = recurring_issue_due(today=dt.date(2026, 6, 5))
    assert callbacks == [] and books.reload(invoice).delivery == "queued"
    moment = dt.datetime(2026, 6, 5, 11, 0, tzinfo=dt.UTC)
    outcome, sent = invoice_deliver(invoice.number, now=moment)
    assert (outcome, sent.sent_at, sent.status) == ("sent", moment, "sent")
