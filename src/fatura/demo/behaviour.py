"""How the demo's customers behave once an invoice reaches them: when they pay (each customer
has a pattern — always early, on time, about 20 days late, at random, a bad payer; slower at
year end), how (PIX, boleto…, several invoices in one payment), and what goes wrong now and then
(partial payments, disputes, bounced cheques, overpayments, write-offs). Collectors answer the
call tasks that dunning creates. Every step goes through the services at its moment on the
timeline of :mod:`fatura.demo.receivables`."""

from __future__ import annotations

import datetime as dt
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any, Protocol

from django.contrib.auth.models import User

from fatura.core import clock
from fatura.core.compiled import CompiledRead
from fatura.core.money import to_money
from fatura.core.terms import is_business_day, next_business_day
from fatura.customers.models import Customer
from fatura.demo.bank_receipts import BankReceipts
from fatura.receivables.collections import invoice_call, invoice_remind
from fatura.receivables.corrections import (
    credit_note_issue,
    dispute_register,
    dispute_resolve,
    invoice_adjust,
    invoice_adjustment_approve,
    invoice_adjustment_reject,
    invoice_write_off,
)
from fatura.receivables.domain import RECEIVABLE
from fatura.receivables.installments import installments_open, schedule_of
from fatura.receivables.late_charges import late_charges_waive, late_open, principal_open
from fatura.receivables.models import (
    AdjustmentRequest,
    CallOutcome,
    CollectionTask,
    Dispute,
    DisputeReason,
    Invoice,
    InvoiceStatus,
    Payment,
)
from fatura.receivables.payments import payment_apply, payment_post, payment_record, payment_reverse

DAY = dt.timedelta(days=1)
# the day's invoices of a customer, read before each payment (its SQL built once)
_BY_NUMBER: CompiledRead[Invoice] = CompiledRead(
    lambda numbers: Invoice.objects.filter(number__in=numbers).order_by()
)
OPEN = {InvoiceStatus.SENT, InvoiceStatus.OVERDUE}


@dataclass(frozen=True)
class Profile:
    name: str
    delay: tuple[float, float]  # days paid after the due date: mean and spread (or low, high)
    discount: float  # chance of paying inside an early-payment window
    dispute: float
    partial: float
    bounce: float
    never: float
    uniform: bool = False


PROFILES = {
    p.name: p
    for p in (
        Profile("adiantado", (-6, 2), 0.9, 0.02, 0.01, 0.004, 0.0),
        Profile("pontual", (-2, 1.5), 0.4, 0.03, 0.02, 0.008, 0.0),
        Profile("atrasa_20", (20, 4), 0.0, 0.04, 0.04, 0.012, 0.004),
        Profile("aleatorio", (-8, 35), 0.1, 0.05, 0.05, 0.015, 0.01, uniform=True),
        Profile("governo", (35, 12), 0.0, 0.03, 0.02, 0.0, 0.0),
        Profile("inadimplente", (60, 25), 0.0, 0.08, 0.12, 0.04, 0.1),
    )
}
PROFILE_MIX = {"adiantado": 22, "pontual": 40, "atrasa_20": 18, "aleatorio": 13, "inadimplente": 7}
METHODS: dict[str, dict[str, int]] = {
    "Governo": {"transferencia": 75, "boleto": 25},
    "Varejo": {"pix": 45, "boleto": 45, "transferencia": 10},
    "Indústria": {"boleto": 50, "transferencia": 45, "pix": 5},
    "Saúde": {"boleto": 40, "pix": 35, "cheque": 15, "cartao": 10},
    "Educação": {"boleto": 60, "pix": 30, "cheque": 10},
    "": {"pix": 40, "boleto": 40, "transferencia": 15, "cheque": 5},
}
# Paths shown at least once, early enough in the year to finish (the small demo too).
FORCED = ("never", "bounce", "dispute", "post_credit", "overpay", "partial", "unidentified")
RARE = (("overpay", 0.006), ("post_credit", 0.006), ("unidentified", 0.01))
LATE_WAIVER_REASONS = (
    "Primeiro atraso do cliente: encargos dispensados.",
    "Cliente estratégico: encargos dispensados na negociação.",
    "Atraso causado por boleto enviado com erro: encargos dispensados.",
)


class _Now(Protocol):
    @property
    def now(self) -> dt.datetime: ...


class Simulation(Protocol):
    """What the behaviour needs of the receivables year (:class:`fatura.demo.receivables.
    Receivables`), so this module does not import it back."""

    rng: random.Random
    fin: User
    manager: User
    today: dt.date
    data: dict[str, Any]
    customers: dict[int, Customer]

    @property
    def timeline(self) -> _Now: ...

    def at(self, moment: dt.datetime, action: Callable[[], object]) -> None: ...
    def moment(self, day: dt.date, start: int = 9, end: int = 17) -> dt.datetime: ...
    def soon(self, low: int, high: int, *, same_day: bool = False) -> dt.datetime: ...
    def convert(self, number: str) -> None: ...

    bank: BankReceipts


@dataclass(frozen=True)
class Plan:
    path: str
    pay_day: dt.date  # when the customer means to pay (the first part, for a partial one)


class Behaviour:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.rng = sim.rng
        self.profiles: dict[int, Profile] = {}
        self.methods: dict[int, str] = {}
        self.plans: dict[str, Plan] = {}
        self.paydays: dict[tuple[int, dt.date], list[str]] = {}
        self.forced = deque(FORCED)
        self.discount_shown = False
        self.last_task = 0
        self.waiver_shown = False  # the first late charges left are waived
        self.rejection_shown = False  # the first late fee above the threshold is rejected
        self.reversed: set[int] = set()  # payments bounced (the demo is the only one to reverse)

    def _pick(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def customer_profile(self, customer: Customer) -> None:
        if customer.segment == "Governo":
            name = self._pick({"governo": 80, "pontual": 20})
        else:
            name = self._pick(PROFILE_MIX)
        self.profiles[customer.pk] = PROFILES[name]
        weights = METHODS.get(customer.segment, METHODS[""])
        if customer.document_type == "CPF":
            weights = {"pix": 60, "cartao": 30, "boleto": 10}
        self.methods[customer.pk] = self._pick(weights)

    # --- the plan for an invoice sent -----------------------------------------------------------

    def invoice_sent(self, invoice: Invoice) -> None:
        profile = self.profiles[invoice.customer_id]
        today = clock.localdate()
        path = self._path(invoice, profile)
        plan = Plan(path, self._pay_day(invoice, profile, today, path))
        self.plans[invoice.number] = plan
        number, at, moment = invoice.number, self.sim.at, self.sim.moment
        assert invoice.due_date is not None
        if path == "normal" and invoice.installment_count > 1:
            self._pay_installments(invoice, plan)
        elif path == "normal":
            late = (plan.pay_day - invoice.due_date).days
            if late > 5 and self.rng.random() < 0.25:
                at(moment(invoice.due_date + self._days(3, 6)), partial(self._remind, number))
            charges = invoice.customer.late_fine_percent  # the contract books them when paid
            if (
                late >= 30
                and not charges
                and invoice.customer.segment != "Governo"
                and (self.rng.random() < 0.35)
            ):
                fee_day = plan.pay_day - self._days(2, 6)
                fee_day = max(fee_day, invoice.due_date + self._days(16, 20))
                at(moment(fee_day), partial(self._late_fee, number))
            self.pay_on(invoice.customer_id, number, plan.pay_day)
        elif path == "dispute":
            at(moment(today + self._days(3, 20)), partial(self._dispute, number))
        elif path == "never":
            at(moment(invoice.due_date + self._days(100, 160)), partial(self._write_off, number))
        elif path == "unidentified":
            at(moment(plan.pay_day, 9, 12), partial(self._pay_unidentified, number))
        else:  # partial, bounce, overpay, post_credit: a payment of its own
            at(moment(plan.pay_day), partial(self._pay_alone, number, path))

    def _pay_installments(self, invoice: Invoice, plan: Plan) -> None:
        """An invoice in installments: each paid about as late as the customer pays (the
        first installment's due date is the invoice's), the last one pays what is left."""
        assert invoice.due_date is not None
        shift = plan.pay_day - invoice.due_date
        slots = schedule_of(invoice)
        tomorrow = clock.localdate() + DAY
        for slot in slots[:-1]:
            day = next_business_day(max(slot.due_date + shift, tomorrow))
            self.sim.at(self.sim.moment(day), partial(self._pay_installment, invoice.number))
        last = next_business_day(max(slots[-1].due_date + shift, tomorrow))
        self.pay_on(invoice.customer_id, invoice.number, last)

    def _pay_installment(self, number: str) -> None:
        """The oldest open installment (what a payment settles first)."""
        invoice, amount = self._owed(number)
        opened = installments_open(invoice)
        if amount <= 0 or not opened:
            return
        part = min(amount, opened[0].balance) if len(opened) > 1 else amount
        self._record(self.sim.customers[invoice.customer_id], [(number, part)])

    def quote_sent(self, proforma: Invoice) -> None:
        """Most quotes are accepted a few days later and become invoices; some never are."""
        if self.rng.random() < 0.7:
            day = clock.localdate() + self._days(3, 20)
            self.sim.at(self.sim.moment(day), partial(self.sim.convert, proforma.number))

    def _days(self, low: int, high: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(low, high))

    def _path(self, invoice: Invoice, profile: Profile) -> str:
        assert invoice.due_date is not None
        if self.forced and (self.sim.today - invoice.due_date).days > 210:
            return self.forced.popleft()
        roll = self.rng.random()
        for path, chance in (
            ("dispute", profile.dispute),
            ("partial", profile.partial),
            ("bounce", profile.bounce),
            ("never", profile.never),
            *RARE,
        ):
            if roll < chance:
                return path
            roll -= chance
        return "normal"

    def _pay_day(self, invoice: Invoice, profile: Profile, sent: dt.date, path: str) -> dt.date:
        assert invoice.due_date is not None
        window = invoice.discount_until
        wants = self.rng.random() < profile.discount or not self.discount_shown
        if window and path == "normal" and wants and window > sent:
            self.discount_shown = True
            day = min(invoice.issue_date + self._days(2, 8), window)
            while not is_business_day(day) and day > sent + DAY:
                day -= DAY
            return max(day, sent + DAY)
        if profile.uniform:
            delay = self.rng.uniform(*profile.delay)
        else:
            delay = self.rng.gauss(*profile.delay)
        delay += _season(invoice.due_date, invoice.customer.segment)
        day = invoice.due_date + dt.timedelta(days=round(delay))
        return next_business_day(max(day, sent))

    # --- payments -------------------------------------------------------------------------------

    def pay_on(self, customer_id: int, number: str, day: dt.date) -> None:
        """The customer pays ``number`` on ``day``; what it pays the same day goes together."""
        key = (customer_id, day)
        if key in self.paydays:
            if number not in self.paydays[key]:
                self.paydays[key].append(number)
            return
        moment = self.sim.moment(day)
        if moment <= self.sim.timeline.now:
            moment = self.sim.soon(30, 240)
        self.paydays[key] = [number]
        self.sim.at(moment, partial(self._pay_group, key))

    def _pay_group(self, key: tuple[int, dt.date]) -> None:
        numbers = self.paydays.pop(key)
        invoices = {i.number: i for i in _BY_NUMBER.fetch(numbers)}  # one read for the day
        allocations = [(n, amount) for n in numbers if (amount := self._payable(invoices[n])) > 0]
        if allocations:
            self._record(self.sim.customers[key[0]], allocations)

    def _owed(self, number: str) -> tuple[Invoice, Decimal]:
        invoice = Invoice.objects.get(number=number)
        return invoice, self._payable(invoice)

    def _payable(self, invoice: Invoice) -> Decimal:
        """What the customer pays now: the balance less what it disputes, less the early-payment
        discount when inside the window."""
        if invoice.status not in RECEIVABLE or invoice.balance <= 0:
            return Decimal("0.00")
        amount = invoice.balance
        if invoice.open_disputes:
            disputed = Dispute.objects.filter(invoice=invoice, resolved_at__isnull=True)
            amount -= sum((d.amount for d in disputed), Decimal(0))
        elif invoice.discount_until and clock.localdate() <= invoice.discount_until:
            earned = to_money(invoice.total_charged * invoice.discount_percent / 100)
            if not invoice.amount_discounted and amount > earned:
                amount -= earned
        return max(amount, Decimal("0.00"))

    def _record(
        self,
        customer: Customer,
        allocations: list[tuple[str, Decimal]],
        *,
        amount: Decimal | None = None,
        method: str | None = None,
    ) -> Payment | None:
        method = method or (
            self.methods[customer.pk] if self.rng.random() < 0.85 else self._pick(METHODS[""])
        )
        lag = self._posting_lag()
        today = clock.localdate()
        reference = self._reference(method)  # the same draws, typed or from the bank's files
        at = self.sim.moment(today + dt.timedelta(days=lag), 14, 18) if lag else None
        payment = None  # None: it comes in the day's bank files (demo.bank_receipts)
        if not self.sim.bank.receive(customer, allocations, amount, method, at):
            payment = payment_record(
                by=self.sim.fin,
                customer=customer,
                amount=amount or sum((a for _, a in allocations), Decimal(0)),
                received_at=today,
                method=method,
                reference=reference,
                allocations=[{"invoice_number": n, "amount": a} for n, a in allocations],
                posted_at=today if lag == 0 else None,
            ).payment
            if at is not None:
                self.sim.at(at, partial(self._post, payment.pk))
        if customer.late_fine_percent:  # a late payment booked late charges: settled later
            for number, _ in allocations:
                day = today + self._days(5, 20)
                self.sim.at(self.sim.moment(day), partial(self._late_settle, number))
        return payment

    def _late_settle(self, number: str) -> None:
        """The late charges left on an invoice once its principal is paid: most customers pay
        them with the next boleto, some are waived (a good customer, a first delay)."""
        invoice = Invoice.objects.get(number=number)
        late = late_open(invoice)
        if invoice.status not in RECEIVABLE or late <= 0 or principal_open(invoice) > 0:
            return
        if not self.waiver_shown or self.rng.random() < 0.25:
            self.waiver_shown = True
            reason = self.rng.choice(LATE_WAIVER_REASONS)
            late_charges_waive(by=self.sim.fin, number=number, reason=reason)
        else:
            self._record(self.sim.customers[invoice.customer_id], [(number, late)])

    def _reference(self, method: str) -> str:
        n = self.rng.randrange(10**6, 10**7)
        return {
            "pix": f"PIX E{self.rng.getrandbits(80):020X}",
            "boleto": f"Boleto nosso número {n}-{n % 9}",
            "transferencia": f"TED banco {self.rng.choice(('001', '033', '104', '237', '341'))}",
            "cartao": f"Cartão autorização {n}",
            "cheque": f"Cheque nº {n % 100000:06d}",
        }[method]

    def _posting_lag(self) -> int:
        """Posting to the ledger: usually the same day, sometimes up to five days later."""
        return self.rng.choices(range(6), weights=(50, 22, 12, 8, 5, 3))[0]

    def _post_later(self, payment_id: int, lag: int) -> None:
        if lag == 0:
            moment = self.sim.soon(60, 300)
        else:
            moment = self.sim.moment(clock.localdate() + dt.timedelta(days=lag), 14, 18)
        self.sim.at(moment, partial(self._post, payment_id))

    def _post(self, payment_id: int) -> None:
        if payment_id not in self.reversed:
            payment_post(by=self.sim.fin, payment_id=payment_id, posted_at=clock.localdate())

    def _pay_alone(self, number: str, path: str) -> None:
        invoice, amount = self._owed(number)
        if amount <= 0:
            return
        invoice.customer = self.sim.customers[invoice.customer_id]
        today = clock.localdate()
        if path == "partial":
            part = to_money(amount * Decimal(str(round(self.rng.uniform(0.3, 0.7), 2))))
            self._record(invoice.customer, [(number, part)])
            bad = self.profiles[invoice.customer_id].name == "inadimplente"
            if bad or self.rng.random() < 0.15:  # the rest never comes
                assert invoice.due_date is not None
                day = invoice.due_date + self._days(120, 180)
                self.sim.at(self.sim.moment(day), partial(self._write_off, number))
            else:
                self.pay_on(invoice.customer_id, number, today + self._days(15, 45))
        elif path == "bounce":
            payment = self._record(invoice.customer, [(number, amount)], method="cheque")
            assert payment is not None  # a cheque is typed
            day = today + self._days(2, 5)
            self.sim.at(self.sim.moment(day), partial(self._bounce, payment.pk, number))
        elif path == "overpay":  # rounded up: the rest stays as the customer's credit
            paid = (amount // 100 + 1) * 100
            self._record(invoice.customer, [(number, amount)], amount=paid)
        else:  # post_credit: paid, then a credit note for a missed SLA
            self._record(invoice.customer, [(number, amount)])
            day = today + self._days(5, 30)
            self.sim.at(self.sim.moment(day), partial(self._sla_credit, number))

    def _pay_unidentified(self, number: str) -> None:
        """A deposit without a reference: kept as credit, applied hours later the same day."""
        invoice, amount = self._owed(number)
        if amount <= 0:
            return
        result = payment_record(
            by=self.sim.fin,
            customer=self.sim.customers[invoice.customer_id],
            amount=amount,
            received_at=clock.localdate(),
            method="transferencia",
            reference="Depósito sem identificação",
        )
        later = self.sim.timeline.now + dt.timedelta(minutes=self.rng.randint(60, 240))
        self.sim.at(later, partial(self._apply, result.payment.pk, number, amount))
        self._post_later(result.payment.pk, self._posting_lag())

    def _apply(self, payment_id: int, number: str, amount: Decimal) -> None:
        invoice = Invoice.objects.get(number=number)
        if invoice.status in RECEIVABLE and invoice.balance >= amount:
            allocation = {"invoice_number": number, "amount": amount}
            payment_apply(by=self.sim.fin, payment_id=payment_id, allocations=[allocation])

    def _bounce(self, payment_id: int, number: str) -> None:
        reason = self.rng.choice(self.sim.data["bounce_reasons"])
        payment = payment_reverse(by=self.sim.fin, payment_id=payment_id, reason=reason)
        self.reversed.add(payment_id)
        self.pay_on(payment.customer_id, number, clock.localdate() + self._days(3, 15))

    # --- corrections and collections ------------------------------------------------------------

    def _sla_credit(self, number: str) -> None:
        invoice = Invoice.objects.get(number=number)
        if invoice.status == InvoiceStatus.CLOSED:
            share = Decimal(str(round(self.rng.uniform(0.05, 0.15), 2)))
            credit_note_issue(
                by=self.sim.fin,
                number=number,
                amount=to_money(invoice.total_charged * share),
                reason=self.rng.choice(self.sim.data["sla_credit_reasons"]),
            )

    def _late_fee(self, number: str) -> None:
        """Fine of 2% plus 1% a month of interest on what is still owed."""
        invoice = Invoice.objects.get(number=number)
        assert invoice.due_date is not None
        days = (clock.localdate() - invoice.due_date).days
        if invoice.status not in OPEN or invoice.balance <= 0 or days < 15:
            return
        rate = Decimal("0.02") + Decimal("0.01") * days / 30
        made = invoice_adjust(
            by=self.sim.fin,
            number=number,
            amount=to_money(invoice.balance * rate),
            reason=f"Multa de 2% e juros de mora de 1% ao mês ({days} dias de atraso).",
        )
        if isinstance(made, AdjustmentRequest):  # above the threshold: the manager decides
            if not self.rejection_shown or self.sim.rng.random() < 0.3:
                self.rejection_shown = True
                invoice_adjustment_reject(
                    by=self.sim.manager,
                    number=number,
                    reason="Multa dispensada: cliente estratégico, atraso negociado.",
                )
            else:
                invoice_adjustment_approve(by=self.sim.manager, number=number)

    def _remind(self, number: str) -> None:
        invoice = Invoice.objects.select_related("customer__collector").get(number=number)
        if invoice.status in OPEN and invoice.balance > 0:
            invoice_remind(by=invoice.customer.collector or self.sim.fin, number=number)

    def _write_off(self, number: str) -> None:
        invoice = Invoice.objects.get(number=number)
        if invoice.status in OPEN | {InvoiceStatus.DISPUTED} and invoice.balance > 0:
            reason = self.rng.choice(self.sim.data["write_off_reasons"])
            invoice_write_off(by=self.sim.manager, number=number, reason=reason)

    def _dispute(self, number: str, *, resolve: bool = True) -> None:
        invoice = Invoice.objects.select_related("customer__collector").get(number=number)
        if invoice.status not in OPEN or invoice.balance <= 0:
            return
        reason = self._pick(
            {
                DisputeReason.WRONG_PRICE: 30,
                DisputeReason.QUANTITY: 35 if invoice.kind == "usage" else 15,
                DisputeReason.DAMAGED: 5,
                DisputeReason.DUPLICATE: 10,
                DisputeReason.OTHER: 15,
            }
        )
        amount = invoice.balance
        if reason != DisputeReason.DUPLICATE:
            share = Decimal(str(round(self.rng.uniform(0.1, 0.6), 2)))
            amount = max(to_money(invoice.balance * share), Decimal("1.00"))
        dispute = dispute_register(
            by=invoice.customer.collector or self.sim.fin,
            number=number,
            reason=reason,
            amount=amount,
            note=self.sim.data["dispute_notes"][reason],
        )
        if not resolve:
            return
        plan = self.plans[number]
        today = clock.localdate()
        if amount < invoice.balance and self.rng.random() < 0.5:  # pays what it does not dispute
            self.pay_on(invoice.customer_id, number, max(plan.pay_day, today + DAY))
        day = today + self._days(4, 30)
        self.sim.at(self.sim.moment(day), partial(self._resolve, number, dispute.pk))

    def _resolve(self, number: str, dispute_id: int) -> None:
        invoice = Invoice.objects.get(number=number)
        if invoice.status != InvoiceStatus.DISPUTED:
            return
        resolution = self._pick({"credit_note": 40, "adjustment": 25, "rejected": 35})
        dispute = Dispute.objects.get(pk=dispute_id)
        amount = None
        if resolution != "rejected" and self.rng.random() < 0.3:  # accepted in part
            share = Decimal(str(round(self.rng.uniform(0.3, 0.9), 2)))
            amount = max(to_money(dispute.amount * share), Decimal("1.00"))
        dispute_resolve(
            by=self.sim.fin,
            number=number,
            resolution=resolution,
            dispute_id=dispute_id,
            amount=amount,
            note=f"Análise concluída: {dispute.get_reason_display()}.",
        )
        later = clock.localdate() + self._days(2, 10)
        self.pay_on(invoice.customer_id, number, max(self.plans[number].pay_day, later))

    def calls_schedule(self, day: dt.date) -> None:
        """Each call task the dunning run created is called on the next business hours."""
        tasks = CollectionTask.objects.filter(pk__gt=self.last_task).order_by("pk")
        for pk, number in tasks.values_list("pk", "invoice__number"):
            self.last_task = pk
            self.sim.at(self.sim.moment(day, 9, 17), partial(self._call, number, 1))

    def _call(self, number: str, attempt: int) -> None:
        invoice = Invoice.objects.select_related("customer__collector").get(number=number)
        if invoice.status not in OPEN | {InvoiceStatus.DISPUTED}:
            return
        today = clock.localdate()
        plan = self.plans.get(number)
        promise: dt.date | None = None
        outcome: str
        if plan and plan.path != "never" and plan.pay_day > today:
            outcome = CallOutcome.PROMISE if self.rng.random() < 0.75 else CallOutcome.REACHED
            promise = plan.pay_day
        elif plan and plan.path == "never":
            outcome = self._pick(
                {CallOutcome.NO_ANSWER: 45, CallOutcome.WRONG_CONTACT: 15, CallOutcome.PROMISE: 40}
            )
            promise = today + self._days(7, 15)  # a promise that will be broken
        else:
            outcome = self._pick({CallOutcome.REACHED: 50, CallOutcome.NO_ANSWER: 50})
        invoice_call(
            by=invoice.customer.collector or self.sim.fin,
            number=number,
            outcome=outcome,
            promise_date=promise if outcome == CallOutcome.PROMISE else None,
        )
        if outcome == CallOutcome.NO_ANSWER and attempt < 3:
            day = today + self._days(2, 4)
            self.sim.at(self.sim.moment(day), partial(self._call, number, attempt + 1))

    def showcase(self) -> None:
        """The last day: an open dispute and a partial payment on invoices not yet due."""
        today = clock.localdate()
        waiting = [n for n, plan in self.plans.items() if plan.pay_day > today + DAY]
        candidates = Invoice.objects.filter(
            number__in=waiting, status__in=OPEN, open_disputes=0, balance__gt=10
        ).order_by("sequence")
        chosen = list(candidates.values_list("number", flat=True)[:2])
        if chosen:
            self._dispute(chosen[0], resolve=False)
        if len(chosen) > 1:
            invoice = Invoice.objects.select_related("customer").get(number=chosen[1])
            self._record(invoice.customer, [(chosen[1], to_money(invoice.balance / 2))])


def _season(due: dt.date, segment: str) -> int:
    """Year end is slower: holidays, collective vacations, public budgets closing."""
    if segment == "Governo" and due.month in (12, 1):
        return 15
    if segment == "Educação" and due.month in (1, 2):
        return 10
    if segment == "Varejo" and due.month == 12:
        return -3
    return 6 if due.month in (12, 1) else 0
