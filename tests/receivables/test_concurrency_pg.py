"""Payments, retries and the daily task at the same moment from many connections: what only
PostgreSQL's row locks can show. Each thread has its own connection (Django's are per
thread), waits on a barrier so all start together, and closes its connection at the end.

The promises: the same invoices paid by 20 requests at once are never over-applied and no
lock error (deadlock, serialization) reaches the user — a request that comes too late gets
the 422 "passa do saldo" it would get alone; 20 retries of one idempotency key make one
payment; daily tasks running twice at once create nothing twice.

Run: ``FATURA_TEST_DATABASES=postgres scripts/test.sh -q tests/receivables/test_concurrency_pg.py``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from fatura.core import clock
from fatura.core.errors import DomainError, InvalidInput
from fatura.core.roles import Capability, can
from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.receivables import collections, payments, recurring, services, tasks
from fatura.receivables.models import Allocation, CollectionTask, DunningNotice, Invoice, Payment
from tests.concurrency import POSTGRES_ONLY, at_once
from tests.factories import UserFactory
from tests.receivables.builders import Books

pytestmark = POSTGRES_ONLY

RACERS = 20
RECEIVED = dt.date(2026, 5, 5)


def _two_invoices(books: Books) -> tuple[Any, Invoice, Invoice]:
    customer = books.customer()
    first = books.sent(customer, amount="1000.00")
    second = books.sent(customer, amount="1000.00")
    assert can(books.user, Capability.RECORD_PAYMENTS)  # roles read (and cached) before the race
    return customer, first, second


def _assert_books_hold(*invoices: Invoice) -> None:
    for invoice in invoices:
        invoice.refresh_from_db()
        active = Allocation.objects.filter(invoice=invoice, reversed_at__isnull=True)
        applied = active.aggregate(total=Sum("amount"))["total"] or Decimal(0)
        assert applied == invoice.amount_applied <= invoice.total_charged
        assert invoice.balance == invoice.total_charged - applied >= 0
    for payment in Payment.objects.all():
        mine = payment.allocations.filter(reversed_at__isnull=True)
        assert (mine.aggregate(total=Sum("amount"))["total"] or 0) == payment.applied
        assert payment.applied <= payment.amount


def test_twenty_payments_on_the_same_invoices_never_over_apply(books):
    customer, first, second = _two_invoices(books)

    def pay(n: int) -> Callable[[], int]:
        # half the requests name the invoices in the other order: the locks must not deadlock
        pair = [first, second] if n % 2 else [second, first]

        def call() -> int:
            result = payments.payment_record(
                by=books.user,
                customer=customer,
                amount="300.00",
                received_at=RECEIVED,
                method="pix",
                reference=f"PIX-{n:02d}",
                allocations=[{"invoice_number": i.number, "amount": "150.00"} for i in pair],
            )
            return result.payment.pk

        return call

    results = at_once([pay(n) for n in range(RACERS)])

    paid = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if not isinstance(r, int)]
    assert len(paid) == 6  # 6 × 150 = 900 of 1000; a 7th would pass the balance
    assert len(refused) == RACERS - 6
    assert all(isinstance(e, InvalidInput) and e.status == 422 for e in refused)
    assert all("passa do saldo" in e.message for e in refused)
    assert Payment.objects.count() == 6  # the refused ones left nothing behind
    _assert_books_hold(first, second)
    assert (first.balance, second.balance) == (Decimal("100.00"), Decimal("100.00"))
    assert first.status == second.status == "sent"
    applied = Event.objects.filter(activity=activities.PAYMENT_APPLIED)
    assert applied.count() == 12


def test_twenty_api_requests_answer_201_or_422_never_500(books, api_as):
    customer, first, second = _two_invoices(books)
    clients = [api_as(books.user) for _ in range(RACERS)]  # tokens made before the race

    def post(n: int) -> Callable[[], tuple[int, Any]]:
        pair = [first, second] if n % 2 else [second, first]
        body = {
            "customer_id": customer.pk,
            "amount": "300.00",
            "received_at": RECEIVED.isoformat(),
            "method": "boleto",
            "reference": f"BOL-{n:02d}",
            "allocations": [{"invoice_number": i.number, "amount": "150.00"} for i in pair],
        }

        def call() -> tuple[int, Any]:
            response = clients[n].post("/payments", body)
            return response.status_code, response.json()

        return call

    results = at_once([post(n) for n in range(RACERS)])

    statuses = Counter(status for status, _ in results)  # type: ignore[misc]
    assert statuses == {201: 6, 422: RACERS - 6}  # 6 × 150 = 900 of 1000 on each invoice
    for status, body in results:  # type: ignore[misc]
        if status == 422:
            assert "passa do saldo" in body["detail"]
            assert body["errors"][0]["field"] == "amount"
        else:
            assert (body["applied"], body["unapplied"]) == ("300.00", "0.00")
    _assert_books_hold(first, second)
    assert first.balance == second.balance == Decimal("100.00")
    assert Payment.objects.count() == 6


def test_twenty_api_requests_within_the_balance_all_pass(books, api_as):
    """Without a balance to run out, every request succeeds: the locks queue them, none fails."""
    customer, first, second = _two_invoices(books)
    clients = [api_as(books.user) for _ in range(RACERS)]

    def post(n: int) -> Callable[[], int]:
        pair = [first, second] if n % 2 else [second, first]
        body = {
            "customer_id": customer.pk,
            "amount": "90.00",
            "received_at": RECEIVED.isoformat(),
            "method": "pix",
            "allocations": [{"invoice_number": i.number, "amount": "45.00"} for i in pair],
        }
        return lambda: int(clients[n].post("/payments", body).status_code)

    assert at_once([post(n) for n in range(RACERS)]) == [201] * RACERS
    _assert_books_hold(first, second)
    assert first.balance == second.balance == Decimal("100.00")


def test_twenty_retries_of_one_idempotency_key_make_one_payment(books, api_as):
    customer, first, _ = _two_invoices(books)
    clients = [api_as(books.user) for _ in range(RACERS)]
    body = {
        "customer_id": customer.pk,
        "amount": "250.00",
        "received_at": RECEIVED.isoformat(),
        "method": "transferencia",
        "reference": "TED-123",
        "idempotency_key": "ted-123-2026-05-05",
        "allocations": [{"invoice_number": first.number, "amount": "250.00"}],
    }

    def post(n: int) -> Callable[[], tuple[int, Any]]:
        def call() -> tuple[int, Any]:
            response = clients[n].post("/payments", body)
            return response.status_code, response.json()

        return call

    results = at_once([post(n) for n in range(RACERS)])

    payment = Payment.objects.get()
    assert Counter(status for status, _ in results) == {201: 1, 200: RACERS - 1}  # type: ignore[misc]
    assert {answer["id"] for _, answer in results} == {payment.pk}  # type: ignore[misc]
    assert Allocation.objects.count() == 1
    first.refresh_from_db()
    assert first.balance == Decimal("750.00")


def test_twenty_service_retries_of_one_key_make_one_payment(books):
    customer, first, second = _two_invoices(books)

    def call() -> tuple[int, bool]:
        result = payments.payment_record(
            by=books.user,
            customer=customer,
            amount="500.00",
            received_at=RECEIVED,
            method="pix",
            idempotency_key="pix-e2e-0001",
            allocations=[
                {"invoice_number": first.number, "amount": "100.00"},
                {"invoice_number": second.number, "amount": "400.00"},
            ],
        )
        return result.payment.pk, result.created

    results = at_once([call] * RACERS)

    payment = Payment.objects.get()
    assert sorted(results) == sorted([(payment.pk, True)] + [(payment.pk, False)] * (RACERS - 1))
    _assert_books_hold(first, second)
    assert (first.balance, second.balance) == (Decimal("900.00"), Decimal("600.00"))


def test_the_daily_task_run_at_once_by_several_workers_creates_nothing_twice(books):
    collector = UserFactory(username="cobradora")
    customer = books.customer(collector=collector)
    late = [books.sent(customer, amount=f"{100 * n}.00") for n in range(1, 6)]
    for n in range(3):
        services.invoice_create(
            by=books.user,
            customer=customer,
            kind="recurring",
            issue_date=dt.date(2026, 1, 10 + n),
            payment_terms="NET30",
            lines=[{"description": f"Contrato {n}", "quantity": "1", "unit_price": "50.00"}],
            recurrence={"frequency": "monthly"},
        )
    books.clock.advance(days=130)  # the five invoices are 90+ days late: every default level
    today = clock.today()

    results = at_once([lambda: tasks.daily_run(today=today)] * 8)

    summaries = [r for r in results if isinstance(r, dict)]
    assert len(summaries) == 8, results
    issued = [number for s in summaries for number in s["recurring_issued"]]
    assert len(issued) == len(set(issued))
    per_period = Counter(
        Invoice.objects.filter(recurring_template__isnull=False).values_list(
            "recurring_template", "recurring_period"
        )
    )
    assert set(per_period.values()) == {1}
    assert len(per_period) == 3 * 9  # January to September for each template
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))  # gapless
    assert sum(s["due_dates_passed"] for s in summaries) == 5
    assert sum(s["dunning_notices"] for s in summaries) == 5 * 4
    assert sum(s["call_tasks"] for s in summaries) == 5
    notices = Counter(DunningNotice.objects.values_list("invoice_id", "level"))
    assert len(notices) == 20 and set(notices.values()) == {1}
    assert CollectionTask.objects.filter(collector=collector).count() == 5
    for invoice in late:
        passed = Event.objects.filter(case_id=invoice.number, activity=activities.DUE_DATE_PASSED)
        assert passed.count() == 1


def test_dunning_and_recurring_runs_race_each_other_and_payments(books):
    customer, first, second = _two_invoices(books)
    services.invoice_create(
        by=books.user,
        customer=customer,
        kind="recurring",
        issue_date=dt.date(2026, 5, 5),
        payment_terms="NET30",
        lines=[{"description": "Contrato", "quantity": "1", "unit_price": "80.00"}],
        recurrence={"frequency": "monthly"},
    )
    books.clock.advance(days=45)

    def pay() -> int:
        return payments.payment_record(
            by=books.user,
            customer=customer,
            amount="100.00",
            received_at=clock.today(),
            method="pix",
            allocations=[{"invoice_number": first.number, "amount": "100.00"}],
        ).payment.pk

    calls: list[Callable[[], Any]] = [collections.dunning_run] * 4
    calls += [recurring.recurring_issue_due] * 4
    calls += [pay] * 4
    results = at_once(calls)

    assert not [r for r in results if isinstance(r, DomainError)], results
    assert sum(r.due_dates_passed for r in results[:4]) == 2  # type: ignore[union-attr]
    assert sum(len(r) for r in results[4:8]) == 1  # type: ignore[arg-type]
    _assert_books_hold(first, second)
    assert first.balance == Decimal("600.00")
    notices = Counter(DunningNotice.objects.values_list("invoice_id", "level"))
    assert set(notices.values()) == {1}
