"""The monthly billing run: month_finalize_all and billing_run_execute (the task is thin)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fatura.billing.models import BillingRun, BillingRunStatus, Charge
from fatura.billing.runs import billing_run_request
from fatura.billing.selectors import billing_run_progress
from fatura.billing.services import billing_run_execute, month_finalize_all
from fatura.core.errors import Forbidden, InvalidInput, RuleViolation
from fatura.core.months import Month
from fatura.eventlog.selectors import event_list
from fatura.receivables.models import Invoice
from fatura.usage.models import Consumption
from tests.factories import CustomerFactory
from tests.scenarios import APRIL, MAY, NOW, billing_item, finalize, record


@pytest.fixture(autouse=True)
def _own_cache(settings, request):
    """Progress lives in the cache; give each test its own, empty one."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }


@pytest.fixture
def april(fin_user):
    """Three customers with April consumption (R$ 10,00, R$ 20,00, R$ 30,00)."""
    item = billing_item("Suporte", price="10.00")
    customers = [CustomerFactory(name=name) for name in ("Alfa", "Bravo", "Charlie")]
    for n, customer in enumerate(customers, start=1):
        record(fin_user, customer, item, str(n))
    return customers


def _no_price_entry(customer, user) -> None:
    """A consumption without a price in force, written around the service (migrated data)."""
    Consumption.objects.create(
        customer=customer,
        month=APRIL.first_day,
        billing_item=billing_item("Sem preço", since="2026-06"),
        quantity=1,
        recorded_by=user,
        recorded_at=NOW,
    )


def _run_all(by, month=APRIL, **kwargs):
    return month_finalize_all(by=by, month=month, result_center="CR-9", ticket="T-9", **kwargs)


def test_finalizes_every_pending_charge_with_consecutive_numbers(fin_user, april):
    invoices = _run_all(fin_user)
    assert [(i.number, i.customer.name, i.total_charged) for i in invoices] == [
        ("FAT-00000001", "Alfa", Decimal("10.00")),
        ("FAT-00000002", "Bravo", Decimal("20.00")),
        ("FAT-00000003", "Charlie", Decimal("30.00")),
    ]
    stored = Invoice.objects.select_related("charge").order_by("sequence")
    assert [i.sequence for i in stored] == [1, 2, 3]
    assert all(i.total_charged == i.total_due for i in stored)
    assert {(i.charge.result_center, i.charge.ticket) for i in stored} == {("CR-9", "T-9")}
    assert all(i.lines.count() == 1 for i in stored)
    created = event_list(activity="Invoice Created")
    assert created.count() == 3 and all(e.is_automated for e in created)


def test_numbers_continue_after_single_finalizations(fin_user, april):
    finalize(fin_user, april[1])
    invoices = _run_all(fin_user)
    assert [i.number for i in invoices] == ["FAT-00000002", "FAT-00000003"]
    assert [i.customer for i in invoices] == [april[0], april[2]]


def test_all_or_nothing_when_a_customer_has_a_line_without_price(fin_user, april):
    _no_price_entry(april[2], fin_user)
    with pytest.raises(InvalidInput) as raised:
        _run_all(fin_user)
    assert "nada foi finalizado" in raised.value.message
    assert [e["message"] for e in raised.value.errors] == [
        "Charlie: O item Sem preço não tem preço vigente em abril/2026."
    ]
    assert not Invoice.objects.exists() and not Charge.objects.exists()
    assert not event_list(activity="Invoice Created").exists()


def test_running_twice_finalizes_nothing_more(fin_user, april):
    _run_all(fin_user)
    with pytest.raises(RuleViolation, match="Não há cobranças pendentes em abril/2026"):
        _run_all(fin_user)
    assert Invoice.objects.count() == 3


def test_progress_is_reported(fin_user, april):
    seen: list[tuple[int, int, str]] = []
    _run_all(fin_user, progress=lambda *p: seen.append(p), batch_size=2)
    assert seen == [(0, 0, "locking"), (2, 3, "writing"), (3, 3, "writing")]


def test_only_financeiro_runs_the_month(ops_user, april):
    with pytest.raises(Forbidden):
        _run_all(ops_user)
    with pytest.raises(Forbidden):
        billing_run_request(by=ops_user, month=APRIL, result_center="CR", ticket="T")


def test_billing_run_execute_records_the_outcome(fin_user, april):
    run = billing_run_request(by=fin_user, month=APRIL, result_center="CR-9", ticket="T-9")
    assert run.status == BillingRunStatus.QUEUED
    done = billing_run_execute(run.pk)
    assert done.status == BillingRunStatus.DONE
    assert (done.charges_finalized, done.total_charged) == (3, Decimal("60.00"))
    assert (done.first_invoice, done.last_invoice) == ("FAT-00000001", "FAT-00000003")
    assert done.finished_at == NOW and done.error == ""
    assert billing_run_progress(run.pk) == {"done": 3, "total": 3, "phase": "writing"}


def test_billing_run_execute_is_idempotent(fin_user, april):
    run = billing_run_request(by=fin_user, month=APRIL, result_center="CR", ticket="T")
    first = billing_run_execute(run.pk)
    again = billing_run_execute(run.pk)  # the task delivered twice
    assert again.status == BillingRunStatus.DONE
    assert (again.charges_finalized, again.last_invoice) == (3, first.last_invoice)
    assert Invoice.objects.count() == 3
    assert event_list(activity="Invoice Created").count() == 3


def test_a_failed_run_finalizes_nothing_and_keeps_the_reason(fin_user, april):
    _no_price_entry(april[0], fin_user)
    run = billing_run_request(by=fin_user, month=APRIL, result_center="CR", ticket="T")
    failed = billing_run_execute(run.pk)
    assert failed.status == BillingRunStatus.FAILED
    assert "nada foi finalizado" in failed.error and "Alfa: O item Sem preço" in failed.error
    assert failed.charges_finalized == 0
    assert not Invoice.objects.exists()
    assert billing_run_execute(run.pk).status == BillingRunStatus.FAILED  # not retried


def test_a_month_without_pending_charges_fails_with_a_message(fin_user):
    run = billing_run_request(by=fin_user, month=MAY, result_center="CR", ticket="T")
    failed = billing_run_execute(run.pk)
    assert failed.status == BillingRunStatus.FAILED
    assert failed.error == "Não há cobranças pendentes em maio/2026."


def test_one_active_run_per_month(fin_user, april, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        run = billing_run_request(by=fin_user, month=APRIL, result_center="CR", ticket="T")
    assert len(callbacks) == 1  # the task is queued once the run is committed
    with pytest.raises(RuleViolation, match=f"nº {run.pk}"):
        billing_run_request(by=fin_user, month=APRIL, result_center="CR", ticket="T")
    billing_run_request(by=fin_user, month=Month(2026, 3), result_center="CR", ticket="T")
    billing_run_execute(run.pk)
    billing_run_request(by=fin_user, month=APRIL, result_center="CR", ticket="T")  # done: ok
    assert BillingRun.objects.count() == 3


def test_run_request_validates_its_fields(fin_user):
    with pytest.raises(InvalidInput) as raised:
        billing_run_request(by=fin_user, month=APRIL, result_center="", ticket="")
    assert {e["field"] for e in raised.value.errors} == {"result_center", "ticket"}


def test_an_unexpected_error_fails_the_run_instead_of_leaving_it_running(
    fin_user, april, monkeypatch
):
    from fatura.billing import services

    def crash(**kwargs: object) -> list[Invoice]:
        raise RuntimeError("database went away")

    run = billing_run_request(by=fin_user, month=APRIL, result_center="CR", ticket="T")
    monkeypatch.setattr(services, "month_finalize_all", crash)
    with pytest.raises(RuntimeError):
        billing_run_execute(run.pk)  # the task fails too, so the worker logs it
    run.refresh_from_db()
    assert run.status == BillingRunStatus.FAILED
    assert "database went away" in run.error and run.finished_at == NOW
    monkeypatch.undo()
    retry = billing_run_request(by=fin_user, month=APRIL, result_center="CR", ticket="T")
    assert billing_run_execute(retry.pk).status == BillingRunStatus.DONE
