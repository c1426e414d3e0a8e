"""Usage invoices reach the customer (issue 11 §2): Registrar cobrança e-mails the invoice once
it commits; the billing run's e-mails go in a task of their own, with progress and the counts of
sent, failed, held and manual; and such an invoice goes overdue and into dunning like any other."""

from __future__ import annotations

import datetime as dt
from smtplib import SMTPException

import pytest
from django.core import mail

from fatura.billing.deliveries import billing_run_deliver, billing_run_deliveries
from fatura.billing.models import BillingRun
from fatura.billing.runs import billing_run_request
from fatura.billing.selectors import billing_run_progress
from fatura.billing.services import billing_run_execute
from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.receivables import delivery
from fatura.receivables.collections import dunning_run
from fatura.receivables.mail import MailFailed
from fatura.receivables.models import DunningNotice, Invoice
from tests.factories import CustomerFactory
from tests.scenarios import APRIL, billing_item, finalize, record

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _locmem(settings, request):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.FATURA_APPROVAL_THRESHOLD = "10000.00"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }


@pytest.fixture
def month(fin_user):
    """April consumption of four customers: two automatic (one of them above the approval
    threshold), one whose mail server refuses, one manual."""
    item = billing_item("Suporte", price="10.00")
    customers = {
        "auto": CustomerFactory(name="Alfa", delivery="email"),
        "big": CustomerFactory(name="Bravo", delivery="email"),
        "bounce": CustomerFactory(name="Charlie", delivery="email", email="x@recusa.example"),
        "manual": CustomerFactory(name="Delta", delivery="manual"),
    }
    for key, quantity in (("auto", "3"), ("big", "1500"), ("bounce", "2"), ("manual", "1")):
        record(fin_user, customers[key], item, quantity)
    return customers


def _refusing(monkeypatch):
    real = delivery.send_invoice_email

    def send(invoice: Invoice) -> None:
        if invoice.customer.email.endswith("@recusa.example"):
            try:
                raise SMTPException("550 caixa inexistente")
            except SMTPException as exc:
                raise MailFailed("falhou") from exc
        real(invoice)

    monkeypatch.setattr(delivery, "send_invoice_email", send)


def test_registrar_cobranca_emails_the_invoice_once_it_commits(
    fin_user, month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invoice = finalize(fin_user, month["auto"])
    assert Invoice.objects.get(pk=invoice.pk).delivery == "queued"
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    sent = Invoice.objects.get(pk=invoice.pk)
    assert (sent.status, sent.delivery) == ("sent", "delivered")
    assert [m.to for m in mail.outbox] == [[month["auto"].email]]


def test_a_manual_customer_invoice_is_not_emailed(
    fin_user, month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = finalize(fin_user, month["manual"])
    assert (Invoice.objects.get(pk=invoice.pk).status, mail.outbox) == ("completed", [])


def test_the_billing_run_sends_in_a_task_of_its_own_and_counts(
    fin_user, month, monkeypatch, settings, fin_api
):
    _refusing(monkeypatch)
    settings.TASKS = IMMEDIATE
    run = billing_run_request(by=fin_user, month=APRIL, result_center="CR", ticket="T")
    from fatura.billing.tasks import billing_run_execute_task

    billing_run_execute_task.call(run.pk)  # what the worker does; it queues the e-mails' task
    run.refresh_from_db()
    assert (run.status, run.delivery_status) == ("done", "done")
    assert run.delivery_finished_at is not None
    counts = billing_run_deliveries(run)
    assert (counts.sent, counts.failed, counts.held, counts.manual, counts.waiting) == (
        1,
        1,
        1,
        1,
        0,
    )
    assert billing_run_progress(run.pk) == {"done": 2, "total": 2, "phase": "sending"}
    statuses = dict(Invoice.objects.values_list("customer__name", "status"))
    assert statuses == {
        "Alfa": "sent",
        "Bravo": "completed",  # held: 15,000.00 waits for approval
        "Charlie": "completed",  # failed: retried by the worker
        "Delta": "completed",  # manual: Financeiro sends it
    }
    body = fin_api.get(f"/billing-runs/{run.pk}").json()
    assert body["deliveries"] == {
        "status": "done",
        "sent": 1,
        "failed": 1,
        "held": 1,
        "waiting": 0,
        "manual": 1,
    }
    failed = fin_api.get("/invoices", {"delivery": "failed"}).json()
    assert [i["customer_name"] for i in failed] == ["Charlie"]
    assert failed[0]["delivery"]["last_error"] == "550 caixa inexistente"


def test_billing_run_deliver_is_safe_to_run_twice(fin_user, month):
    run = billing_run_request(by=fin_user, month=APRIL, result_center="CR", ticket="T")
    billing_run_execute(run.pk)
    assert BillingRun.objects.get(pk=run.pk).delivery_status == ""
    assert billing_run_deliveries(BillingRun.objects.get(pk=run.pk)).waiting == 2
    first = billing_run_deliver(run.pk)
    again = billing_run_deliver(run.pk)
    assert (first.sent, again.sent) == (2, 2)  # the same invoices, read live
    assert len(mail.outbox) == 2


def test_a_run_not_done_has_nothing_to_send(fin_user, month):
    run = billing_run_request(by=fin_user, month=APRIL, result_center="CR", ticket="T")
    assert billing_run_deliver(run.pk).sent == 0
    assert billing_run_deliveries(run).status == ""


def test_a_usage_invoice_of_the_billing_run_goes_overdue_and_into_dunning(
    fin_user, month, frozen_clock
):
    """The issue's check: issued by the billing run for a customer with e-mail, the invoice
    is sent, becomes overdue after its due date and gets its dunning notice."""
    run = billing_run_request(by=fin_user, month=APRIL, result_center="CR", ticket="T")
    billing_run_execute(run.pk)
    billing_run_deliver(run.pk)
    invoice = Invoice.objects.get(customer=month["auto"])
    assert invoice.status == "sent" and invoice.due_date is not None
    sent = Event.objects.get(case_id=invoice.number, activity=activities.INVOICE_SENT)
    assert sent.is_automated

    frozen_clock.now = dt.datetime.combine(invoice.due_date, dt.time(15), tzinfo=dt.UTC)
    dunning_run()
    assert Invoice.objects.get(pk=invoice.pk).status == "sent"  # not before the due date ends
    frozen_clock.advance(days=1)
    report = dunning_run()
    assert report.due_dates_passed == 2  # Alfa's and Charlie's (both e-mailed)
    overdue = Invoice.objects.get(pk=invoice.pk)
    assert (overdue.status, overdue.dunning_level) == ("overdue", 1)
    [notice] = DunningNotice.objects.filter(invoice=invoice)
    assert (notice.level, notice.action) == (1, "reminder")
    activities_of = list(
        Event.objects.filter(case_id=invoice.number)
        .order_by("timestamp", "id")
        .values_list("activity", flat=True)
    )
    assert activities_of[-3:] == [
        activities.DUE_DATE_PASSED,
        activities.DUNNING_INITIATED,
        activities.PAYMENT_REMINDER,
    ]
    reminder = [
        m for m in mail.outbox if m.subject == f"Lembrete: fatura {invoice.number} em aberto"
    ]
    assert [m.to for m in reminder] == [[month["auto"].email]]
