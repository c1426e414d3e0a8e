"""Every state change writes its event in the same transaction: a failed action leaves neither
the change nor its event, whether it fails before or after the event was written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fatura.billing import services as billing_services
from fatura.billing.models import Charge
from fatura.billing.services import charge_finalize, month_finalize_all
from fatura.catalog.models import BillingItem, PriceVersion
from fatura.catalog.services import price_version_delete
from fatura.core.errors import DomainError, RuleViolation
from fatura.core.models import Counter
from fatura.customers import services as customer_services
from fatura.customers.models import Customer
from fatura.customers.services import customer_create
from fatura.eventlog.models import Event
from fatura.receivables.models import Invoice
from fatura.usage.models import Consumption, VolumeImport
from fatura.usage.services import volume_file_import
from tests.factories import CustomerFactory
from tests.scenarios import APRIL, VOLUME_HEADER, billing_item, finalize, record


class BoomError(Exception):
    pass


def _boom(*args: object, **kwargs: object) -> None:
    raise BoomError


def test_customer_not_created_when_its_event_fails(fin_user, monkeypatch):
    monkeypatch.setattr(customer_services, "event_record", _boom)
    with pytest.raises(BoomError):
        customer_create(by=fin_user, name="ACME", document="11.222.333/0001-81")
    assert not Customer.objects.exists()


def test_price_removal_event_undone_when_the_item_delete_fails(fin_user, monkeypatch):
    item = billing_item("Único")
    version = item.prices.get()
    version_id = version.pk
    events_before = Event.objects.count()
    monkeypatch.setattr(BillingItem, "delete", _boom)
    with pytest.raises(BoomError):
        price_version_delete(by=fin_user, item=item, version=version)
    assert Event.objects.count() == events_before  # "Price Version Removed" was rolled back
    assert PriceVersion.objects.filter(pk=version_id).exists()


def test_finalize_failing_at_its_events_leaves_no_invoice_and_no_number_taken(
    fin_user, monkeypatch
):
    customer = CustomerFactory()
    record(fin_user, customer, billing_item(), "10")
    events_before = Event.objects.count()
    monkeypatch.setattr(billing_services, "events_record_many", _boom)
    with pytest.raises(BoomError):
        finalize(fin_user, customer)
    assert not Invoice.objects.exists() and not Charge.objects.exists()
    assert Event.objects.count() == events_before
    assert not Counter.objects.filter(name="invoice", last_value__gt=0).exists()
    monkeypatch.undo()
    assert finalize(fin_user, customer).number == "FAT-00000001"  # the number came back


def test_billing_run_failing_after_writing_events_undoes_everything(fin_user):
    for _ in range(3):
        record(fin_user, CustomerFactory(), billing_item(f"I{_}"), "1")
    events_before = Event.objects.count()

    def progress(done: int, total: int, phase: str) -> None:
        if phase == "writing":  # invoices and their events are written by now
            raise BoomError

    with pytest.raises(BoomError):
        month_finalize_all(
            by=fin_user, month=APRIL, result_center="CR", ticket="T", progress=progress
        )
    assert not Invoice.objects.exists()
    assert Event.objects.count() == events_before


def test_volume_file_failing_after_creating_an_item_undoes_the_item_and_its_events(fin_user):
    customer = CustomerFactory()
    rows = [
        f"{customer.document},2026-04,Novo,Cloud,GB,1.00,5",
        f"{customer.document},2026-04,Novo,Cloud,GB,2.00,5",  # another price, same month
    ]
    with pytest.raises(DomainError) as raised:
        volume_file_import(
            by=fin_user, filename="v.csv", data=(VOLUME_HEADER + "\n".join(rows)).encode()
        )
    assert raised.value.status == 422
    assert not BillingItem.objects.exists()
    assert not Event.objects.exists()
    assert not VolumeImport.objects.exists() and not Consumption.objects.exists()


def test_actions_refused_by_a_rule_write_no_event(fin_user):
    customer = CustomerFactory()
    item = billing_item()
    record(fin_user, customer, item, "1")
    finalize(fin_user, customer)
    events_before = Event.objects.count()
    with pytest.raises(RuleViolation):
        record(fin_user, customer, item, "1")
    with pytest.raises(RuleViolation):
        charge_finalize(
            by=fin_user,
            customer=customer,
            month=APRIL,
            result_center="CR",
            ticket="T",
            total_charged=Decimal("1.00"),
        )
    with pytest.raises(RuleViolation):
        price_version_delete(by=fin_user, item=item, version=item.prices.get())
    assert Event.objects.count() == events_before
