"""Hypothesis: random sequences of actions and payments on a few invoices keep the books
straight.

Each example opens a savepoint, builds a customer with a handful of invoices (sent, completed,
waiting for approval, recurring, a proforma) through the services, runs a random list of
steps — payments with allocations (partial, exact, over the balance), credit kept and applied
later, reversals, repeated idempotency keys, credit notes, adjustments ±, disputes and their
resolutions, write-offs, late charges waived, days passing and the daily task run twice — and
rolls everything back (the customer pays 2 % fine and 1 % a month on what it pays late).
A step the rules refuse (a ``DomainError``) is a fine step, but it must leave nothing behind.

After every step the invariants hold:
- every non-proforma invoice: balance = total − applied − credited + debited (late charges
  included) − discounted − written off, from its amount fields and again from the rows
  (active allocations, credit notes less their excess, adjustments, the write-off and the
  reversals after it), and as the reports compute it in SQL (``ledger.balance_as_of``);
  balance ≥ 0; the payment status and the dispute counter agree with the rows; an open
  receivable owes something (else it is closed); its net late charges (booked − waived −
  reversed) agree with their adjustments and are never negative;
- every payment: its active allocations sum to ``applied`` ≤ amount;
- nothing twice: one payment per idempotency key, one dunning notice per (invoice, level),
  one recurring invoice per (template, period), at most one "Due Date Passed" per invoice,
  and a second run of the daily task on the same day does nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from fatura.core import clock
from fatura.core.errors import DomainError, InvalidInput, RuleViolation
from fatura.core.money import to_money
from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.receivables import (
    collections,
    corrections,
    late_charges,
    payments,
    recurring,
    services,
    tasks,
)
from fatura.receivables.domain import payment_status
from fatura.receivables.installments import balances, schedules
from fatura.receivables.ledger import balance_as_of
from fatura.receivables.models import (
    Adjustment,
    Allocation,
    CollectionTask,
    CreditNote,
    Dispute,
    DisputeResolution,
    DunningNotice,
    Invoice,
    Payment,
)
from tests.receivables.builders import ISSUE, Books
from tests.scenarios import NOW

KEYS = ("chave-a", "chave-b", "chave-c")
ZERO = Decimal("0.00")

# An amount is a number of cents or a spec resolved against the invoice's balance at the step.
amounts = st.one_of(
    st.sampled_from(["balance", "over", "half", "net"]),
    st.integers(min_value=1, max_value=300_000),
)
pick = st.integers(min_value=0, max_value=9)

steps = st.one_of(
    st.tuples(
        st.just("pay"), pick, amounts, st.integers(0, 20_000), st.none() | st.sampled_from(KEYS)
    ),
    st.tuples(st.just("pay_two"), pick, pick, amounts, amounts),
    st.tuples(st.just("credit_only"), st.integers(1, 200_000)),
    st.tuples(st.just("apply"), pick, pick, amounts),
    st.tuples(st.just("reverse"), pick),
    st.tuples(st.just("credit_note"), pick, amounts),
    st.tuples(st.just("adjust"), pick, amounts, st.booleans()),
    st.tuples(st.just("dispute"), pick, amounts),
    st.tuples(
        st.just("resolve"), pick, st.sampled_from(DisputeResolution.values), st.none() | amounts
    ),
    st.tuples(st.just("write_off"), pick),
    st.tuples(st.just("waive"), pick, st.none() | amounts),
    st.tuples(st.just("approve_send"), pick),
    st.tuples(st.just("advance"), st.integers(1, 40)),
    st.tuples(st.just("daily")),
)

# Sent invoices: amount in cents, terms, issued so many days before today (some already late).
setups = st.lists(
    st.tuples(
        st.integers(10_000, 900_000),
        st.sampled_from(["NET30", "2_10_NET30", "NET60", "30/60/90"]),
        st.sampled_from([0, 0, 5, 45, 75, 130]),
    ),
    min_size=2,
    max_size=3,
)


def _amount(spec: Any, balance: Decimal, total: Decimal = ZERO) -> Decimal:
    if spec == "balance":
        return balance if balance > 0 else Decimal("0.01")
    if spec == "net":  # what settles a "2% 10" invoice within the window
        return max(balance - to_money(total * 2 / 100), Decimal("0.01"))
    if spec == "over":
        return balance + Decimal("0.01")
    if spec == "half":
        return max(to_money(balance / 2), Decimal("0.01"))
    return Decimal(spec) / 100


@contextmanager
def _rolled_back() -> Iterator[None]:
    """One example's world: a savepoint inside the test's transaction, always undone."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


class World:
    """The invoices and payments of one example, and what the steps expect."""

    def __init__(self, books: Books) -> None:
        self.books = books
        # 2 % fine and 1 % a month: payments of invoices issued long ago book late charges
        self.customer = books.customer(
            segment="Varejo",
            late_fine_percent=Decimal("2.00"),
            late_interest_monthly_percent=Decimal("1.00"),
        )
        self.keys: dict[str, int] = {}  # idempotency key -> the payment it made first
        self.requests: dict[str, tuple[Any, ...]] = {}  # idempotency key -> what it asked

    def setup(self, specs: list[tuple[int, str, int]]) -> None:
        books, customer = self.books, self.customer
        for cents, terms, days_ago in specs:
            issued = ISSUE - dt.timedelta(days=days_ago)
            books.sent(customer, amount=str(Decimal(cents) / 100), terms=terms, issue_date=issued)
        books.draft(customer, kind="proforma", amount="700.00")
        completed = books.draft(customer, amount="450.00")
        services.invoice_complete(by=books.user, number=completed.number)
        pending = books.draft(customer, amount="15000.00")  # above the approval threshold
        services.invoice_complete(by=books.user, number=pending.number)
        services.invoice_submit(by=books.user, number=pending.number)
        monthly = books.draft(
            customer,
            kind="recurring",
            amount="99.90",
            recurrence={"frequency": "monthly"},
            issue_date=ISSUE - dt.timedelta(days=20),
        )
        services.invoice_complete(by=books.user, number=monthly.number)

    def invoices(self) -> list[Invoice]:
        return list(Invoice.objects.exclude(kind="proforma").order_by("pk"))

    def invoice(self, n: int) -> Invoice:
        pool = self.invoices()
        return pool[n % len(pool)]

    def payment(self, n: int) -> Payment | None:
        pool = list(Payment.objects.order_by("pk"))
        return pool[n % len(pool)] if pool else None

    # --- steps -------------------------------------------------------------------------------

    def run(self, step: tuple[Any, ...]) -> None:
        name, *args = step
        getattr(self, f"do_{name}")(*args)

    def do_pay(self, n: int, spec: Any, extra: int, key: str | None) -> None:
        invoice = self.invoice(n)
        allocated = _amount(spec, invoice.balance, invoice.total_charged)
        replay = key in self.keys
        asked = (invoice.pk, allocated, extra, clock.localdate())
        try:
            result = payments.payment_record(
                by=self.books.user,
                customer=self.customer,
                amount=str(allocated + Decimal(extra) / 100),
                received_at=clock.localdate(),
                method="pix",
                idempotency_key=key,
                allocations=[{"invoice_number": invoice.number, "amount": str(allocated)}],
            )
        except DomainError:
            # a repeated key answers with the first payment, or refuses another body (409)
            assert not replay or self.requests[str(key)] != asked, (
                "a repeated key with the same body must answer with the first payment"
            )
            raise
        if replay:
            assert not result.created and result.payment.pk == self.keys[str(key)]
            return
        assert result.created
        assert allocated <= invoice.balance, "an allocation above the balance was accepted"
        if key:
            self.keys[key] = result.payment.pk
            self.requests[key] = asked

    def do_pay_two(self, n: int, m: int, first: Any, second: Any) -> None:
        a, b = self.invoice(n), self.invoice(m)
        x = _amount(first, a.balance, a.total_charged)
        y = _amount(second, b.balance, b.total_charged)
        payments.payment_record(
            by=self.books.user,
            customer=self.customer,
            amount=str(x + y),
            received_at=clock.localdate(),
            method="boleto",
            allocations=[
                {"invoice_number": a.number, "amount": str(x)},
                {"invoice_number": b.number, "amount": str(y)},
            ],
        )
        assert a.pk != b.pk and x <= a.balance and y <= b.balance

    def do_credit_only(self, cents: int) -> None:
        payments.payment_record(
            by=self.books.user,
            customer=self.customer,
            amount=str(Decimal(cents) / 100),
            received_at=clock.localdate(),
            method="transferencia",
        )

    def do_apply(self, p: int, n: int, spec: Any) -> None:
        payment, invoice = self.payment(p), self.invoice(n)
        if payment is None:
            return
        wanted = _amount(spec, invoice.balance, invoice.total_charged)
        payments.payment_apply(
            by=self.books.user,
            payment_id=payment.pk,
            allocations=[{"invoice_number": invoice.number, "amount": str(wanted)}],
        )
        assert wanted <= invoice.balance and wanted <= payment.unapplied

    def do_reverse(self, p: int) -> None:
        payment = self.payment(p)
        if payment is not None:
            payments.payment_reverse(by=self.books.user, payment_id=payment.pk, reason="devolvido")

    def do_credit_note(self, n: int, spec: Any) -> None:
        invoice = self.invoice(n)
        corrections.credit_note_issue(
            by=self.books.user,
            number=invoice.number,
            amount=str(_amount(spec, invoice.balance)),
            reason="desconto comercial",
        )

    def do_adjust(self, n: int, spec: Any, debit: bool) -> None:
        invoice = self.invoice(n)
        value = _amount(spec, invoice.balance)
        corrections.invoice_adjust(
            by=self.books.user,
            number=invoice.number,
            amount=str(value if debit else -value),
            reason="juros" if debit else "abatimento",
        )
        assert debit or value <= invoice.balance

    def do_dispute(self, n: int, spec: Any) -> None:
        invoice = self.invoice(n)
        value = _amount(spec, invoice.balance)
        corrections.dispute_register(
            by=self.books.user,
            number=invoice.number,
            reason="preco_incorreto",
            amount=str(value),
        )
        assert value <= invoice.balance

    def do_resolve(self, n: int, resolution: str, spec: Any) -> None:
        invoice = self.invoice(n)
        amount = None if spec is None else str(_amount(spec, invoice.balance))
        corrections.dispute_resolve(
            by=self.books.user, number=invoice.number, resolution=resolution, amount=amount
        )

    def do_write_off(self, n: int) -> None:
        corrections.invoice_write_off(
            by=self.books.user, number=self.invoice(n).number, reason="cliente em falência"
        )

    def do_waive(self, n: int, spec: Any) -> None:
        invoice = self.invoice(n)
        amount = None if spec is None else str(_amount(spec, invoice.balance))
        late_charges.late_charges_waive(
            by=self.books.user, number=invoice.number, amount=amount, reason="acordo"
        )
        assert invoice.amount_late_charged > 0

    def do_approve_send(self, n: int) -> None:
        invoice = self.invoice(n)
        if invoice.status == "pending_approval":
            services.invoice_approve(by=self.books.approver, number=invoice.number)
        services.invoice_send(by=self.books.user, number=invoice.number)

    def do_advance(self, days: int) -> None:
        self.books.clock.advance(days=days)

    def do_daily(self) -> None:
        """The daily task, then each of its steps again the same day: nothing left to do."""
        tasks.daily_run()
        before = _counts()
        assert recurring.recurring_issue_due() == []
        assert services.due_dates_passed() == 0
        again = collections.dunning_run()
        assert (again.due_dates_passed, again.notices, again.call_tasks) == (0, 0, 0)
        assert _counts() == before


# --- invariants ------------------------------------------------------------------------------


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            Invoice,
            Payment,
            Allocation,
            CreditNote,
            Adjustment,
            Dispute,
            DunningNotice,
            CollectionTask,
            Event,
        )
    )


def _snapshot() -> tuple[Any, ...]:
    """Everything a refused step must leave as it was."""
    invoices = list(
        Invoice.objects.order_by("pk").values_list(
            "status",
            "payment_status",
            "balance",
            "amount_applied",
            "amount_credited",
            "amount_debited",
            "amount_discounted",
            "amount_written_off",
            "amount_overpaid",
            "amount_late_charged",
            "open_disputes",
            "dunning_level",
        )
    )
    paid = list(Payment.objects.order_by("pk").values_list("applied", "reversed_at"))
    return (_counts(), invoices, paid)


def _sums(rows: Any, key: str, value: Any) -> Counter[Any]:
    out: Counter[Any] = Counter()
    for row in rows:
        out[row[key]] += value(row)
    return out


def check_books() -> None:
    allocations = list(
        Allocation.objects.values(
            "payment_id", "invoice_id", "amount", "discount", "reversed_at", "invoice__customer_id"
        )
    )
    active = [a for a in allocations if a["reversed_at"] is None]
    applied = _sums(active, "invoice_id", lambda a: a["amount"])
    discounted = _sums(active, "invoice_id", lambda a: a["discount"])
    notes = list(CreditNote.objects.values("invoice_id", "amount", "excess"))
    adjustments = list(Adjustment.objects.values("invoice_id", "amount", "kind"))
    late = _sums(
        [a for a in adjustments if a["kind"] != "manual"], "invoice_id", lambda a: a["amount"]
    )
    credited = _sums(notes, "invoice_id", lambda c: c["amount"] - c["excess"])
    credited.update(_sums(adjustments, "invoice_id", lambda a: max(ZERO, -a["amount"])))
    debited = _sums(adjustments, "invoice_id", lambda a: max(ZERO, a["amount"]))
    excess = _sums(notes, "invoice_id", lambda c: c["excess"])
    open_disputes = Counter(
        Dispute.objects.filter(resolved_at__isnull=True).values_list("invoice_id", flat=True)
    )
    events = list(
        Event.objects.filter(
            activity__in=[
                activities.INVOICE_WRITTEN_OFF,
                activities.DUE_DATE_PASSED,
                activities.PAYMENT_REVERSED,
            ]
        ).values("case_id", "activity", "attributes")
    )
    # Written off: the write-off, plus what bounced afterwards (a reversal on a written-off
    # invoice adds to the loss: the event's status after the step says so).
    written_off: Counter[str] = Counter()
    bounced_after: set[tuple[int, str]] = set()
    for e in events:
        if e["activity"] == activities.INVOICE_WRITTEN_OFF:
            written_off[e["case_id"]] += Decimal(e["attributes"]["written_off"])
        elif (
            e["activity"] == activities.PAYMENT_REVERSED
            and e["attributes"].get("status") == "written_off"
        ):
            bounced_after.add((e["attributes"]["payment_id"], e["case_id"]))
    numbers = dict(Invoice.objects.values_list("pk", "number"))
    for a in allocations:
        if (a["payment_id"], numbers[a["invoice_id"]]) in bounced_after:
            written_off[numbers[a["invoice_id"]]] += a["amount"] + a["discount"]
    # once per installment (an invoice in installments goes overdue once per installment)
    passed = Counter(
        (e["case_id"], e["attributes"].get("installment", 1))
        for e in events
        if e["activity"] == activities.DUE_DATE_PASSED
    )
    assert max(passed.values(), default=0) <= 1, f"Due Date Passed twice: {passed}"
    check_installments()

    # The reports recompute what is owed from the rows, in SQL: today they agree with the books.
    owed_today = dict(
        Invoice.objects.exclude(kind="proforma")
        .annotate(owed=balance_as_of(clock.today()))
        .values_list("pk", "owed")
    )
    for inv in Invoice.objects.all():
        tag = f"{inv.number} ({inv.status})"
        if inv.kind == "proforma":
            assert inv.balance == 0 and inv.pk not in applied, tag
            continue
        fields = (
            inv.total_charged
            - inv.amount_applied
            - inv.amount_credited
            + inv.amount_debited
            - inv.amount_discounted
            - inv.amount_written_off
        )
        assert inv.balance == fields, tag
        assert inv.balance >= 0, tag
        assert inv.amount_applied == applied[inv.pk], tag
        assert inv.amount_discounted == discounted[inv.pk], tag
        assert inv.amount_credited == credited[inv.pk], tag
        assert inv.amount_debited == debited[inv.pk], tag
        assert inv.amount_overpaid == excess[inv.pk], tag
        # late charges (debits incl.): charged − waived − reversed, from the rows; never < 0
        assert inv.amount_late_charged == late[inv.pk] >= 0, tag
        assert inv.amount_written_off == written_off[inv.number], tag
        rows = (
            inv.total_charged
            - applied[inv.pk]
            - credited[inv.pk]
            + debited[inv.pk]
            - discounted[inv.pk]
            - written_off[inv.number]
        )
        assert inv.balance == rows, tag
        assert inv.balance == to_money(owed_today[inv.pk]), f"{tag}: reports disagree"
        owed = inv.total_charged - inv.amount_credited + inv.amount_debited
        owed -= inv.amount_discounted
        assert inv.payment_status == payment_status(owed, inv.amount_applied, inv.amount_overpaid)
        assert inv.open_disputes == open_disputes[inv.pk], tag
        assert (inv.status == "disputed") == (inv.open_disputes > 0), tag
        if inv.status in {"closed", "written_off"}:
            assert inv.balance == 0, tag
        if inv.status in {"completed", "pending_approval", "approved", "sent", "overdue"}:
            assert inv.balance > 0, f"{tag}: nothing owed but not closed"

    for payment in Payment.objects.all():
        mine = [a for a in active if a["payment_id"] == payment.pk]
        assert sum((a["amount"] for a in mine), ZERO) == payment.applied <= payment.amount
        assert all(a["invoice__customer_id"] == payment.customer_id for a in mine)
        if payment.is_reversed:
            assert payment.applied == 0 and not mine

    keys = Counter(
        Payment.objects.filter(idempotency_key__isnull=False).values_list(
            "idempotency_key", flat=True
        )
    )
    assert max(keys.values(), default=0) <= 1
    notices = Counter(DunningNotice.objects.values_list("invoice_id", "installment", "level"))
    assert max(notices.values(), default=0) <= 1
    periods = Counter(
        Invoice.objects.filter(recurring_template__isnull=False).values_list(
            "recurring_template_id", "recurring_period"
        )
    )
    assert max(periods.values(), default=0) <= 1


def check_installments() -> None:
    """Per installment: balance = its share of (total − payments − credits + debits −
    discounts − write-offs), never below zero; the installments add up to the invoice's total
    and their balances to the invoice's balance (today's and any as-of balance); the invoice's
    due date is its oldest open installment's."""
    split = schedules(Invoice.objects.values_list("pk", flat=True))
    as_of = clock.today() - dt.timedelta(days=20)
    owed_then = dict(
        Invoice.objects.exclude(kind="proforma")
        .annotate(owed=balance_as_of(as_of))
        .values_list("pk", "owed")
    )
    for inv in Invoice.objects.all():
        slots = split[inv.pk]
        assert [s.number for s in slots] == list(range(1, len(slots) + 1)), inv.number
        assert len(slots) == inv.installment_count, inv.number
        assert sum((s.amount for s in slots), ZERO) == inv.total_charged, inv.number
        parts = [b.balance for b in balances(slots, inv.balance)]
        assert all(p >= 0 for p in parts), inv.number
        assert all(p <= s.amount for p, s in zip(parts[:-1], slots, strict=False)), inv.number
        assert sum(parts, ZERO) == inv.balance, inv.number
        if inv.balance > 0:
            oldest_open = next(s for s, p in zip(slots, parts, strict=True) if p > 0)
            assert inv.due_date == oldest_open.due_date, inv.number
        if inv.pk in owed_then:
            then = max(to_money(owed_then[inv.pk]), ZERO)
            assert sum((b.balance for b in balances(slots, then)), ZERO) == then, inv.number


@pytest.mark.django_db
@settings(
    max_examples=50,
    deadline=None,
    # The test's transaction (the ``books`` fixture's users) is shared; each example runs in
    # a savepoint that is rolled back, so examples never see each other's rows.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
@given(specs=setups, plan=st.lists(steps, min_size=4, max_size=30))
def test_random_actions_and_payments_keep_the_books(
    books: Books, specs: list[tuple[int, str, int]], plan: list[tuple[Any, ...]]
) -> None:
    books.clock.now = NOW
    mail.outbox = []
    with _rolled_back():
        world = World(books)
        world.setup(specs)
        check_books()
        for step in plan:
            before = _snapshot()
            try:
                world.run(step)
            except DomainError as exc:
                assert isinstance(exc.status, int) and 400 <= exc.status < 500, exc
                assert _snapshot() == before, f"refused {step} left something behind"
                event(f"refused {step[0]}: {type(exc).__name__}")
            else:
                event(f"done {step[0]}")
            check_books()


@pytest.mark.django_db
def test_an_over_allocation_is_refused_whatever_came_before(books: Books) -> None:
    """The shape the property test relies on: over the balance is a 422, nothing written."""
    world = World(books)
    world.setup([(10_000, "NET30", 0), (20_000, "NET30", 0)])
    invoice = world.invoice(0)
    before = _snapshot()
    with pytest.raises(InvalidInput, match="passa do saldo"):
        world.do_pay(0, "over", 0, "chave-a")
    assert _snapshot() == before and "chave-a" not in world.keys
    world.do_pay(0, "half", 500, "chave-a")
    with pytest.raises(RuleViolation, match="chave-a"):  # the key was used for another body
        world.do_pay(0, "over", 0, "chave-a")
    assert Payment.objects.get().applied == to_money(invoice.balance / 2)
    check_books()
