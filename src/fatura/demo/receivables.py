"""The receivables year of the demo: a few hundred customers and thousands of invoices living
through approval and rework, e-mail, payments, dunning, calls, disputes and write-offs.

Everything goes through the services, so numbers, balances and events are the real ones. Time
is simulated by a :class:`Timeline`: every action runs at its own moment with the services'
clock set to that moment (``clock.override``), in time order, so the event log reads like
a real year and invoice numbers follow their dates. The usage billing of ``load.py`` runs on the
same timeline. A seeded generator decides what happens (how each customer pays lives in
``behaviour``): the same data on every run.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import json
import math
import random
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from fatura.core import clock
from fatura.core.documents import cnpj_with_check_digits, cpf_with_check_digits
from fatura.core.months import Month
from fatura.core.terms import is_business_day, next_business_day
from fatura.customers.models import Customer
from fatura.customers.services import customer_create
from fatura.demo.bank_receipts import BankReceipts
from fatura.demo.behaviour import Behaviour
from fatura.eventlog.models import Event
from fatura.receivables.collections import LevelIn, dunning_run, dunning_strategy_save
from fatura.receivables.common import approval_threshold
from fatura.receivables.delivery import SENT, invoice_deliver
from fatura.receivables.models import (
    DeliveryStatus,
    DunningAction,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
)
from fatura.receivables.recurring import recurring_issue_due
from fatura.receivables.services import (
    due_dates_passed,
    invoice_approve,
    invoice_complete,
    invoice_create,
    invoice_reject,
    invoice_send,
    invoice_submit,
    proforma_convert,
)

SEED = 20261125
DATA = Path(__file__).resolve().parent / "fixtures" / "demo-receivables.json"

MANAGER = "gerente.marta"  # approves invoices above the threshold and write-offs
# collectors by region; the public sector has its own specialist
COLLECTORS = {
    "Sudeste": "cobrador.ana",
    "Sul": "cobrador.bruno",
    "Centro-Oeste": "cobrador.bruno",
    "Nordeste": "cobradora.carla",
    "Norte": "cobradora.carla",
}
PUBLIC_SECTOR_COLLECTOR = "cobrador.diego"
LINE_FIELDS = ("description", "quantity", "unit_price")
NOT_IN_DOMAINS = {"ltda", "s", "a", "de", "do", "da", "dos", "das", "dr", "municipal"}

R, R2, CALL, OUT = (
    DunningAction.REMINDER,
    DunningAction.SECOND_REMINDER,
    DunningAction.CALL_TASK,
    DunningAction.HANDOVER,
)
# segment -> (name, levels (days after due, action, minimum balance)); Governo is patient
STRATEGIES: dict[str, tuple[str, tuple[tuple[int, str, int], ...]]] = {
    "": ("Régua padrão", ((1, R, 0), (10, R2, 0), (25, CALL, 500), (75, OUT, 1000))),
    "Governo": ("Setor público", ((15, R, 0), (45, R2, 0), (75, CALL, 0), (150, OUT, 5000))),
    "Varejo": ("Varejo", ((1, R, 0), (7, R2, 0), (15, CALL, 300), (60, OUT, 1000))),
    "Saúde": ("Saúde", ((3, R, 0), (15, R2, 0), (30, CALL, 500), (90, OUT, 2000))),
    "Educação": ("Educação", ((5, R, 0), (20, R2, 0), (40, CALL, 500), (120, OUT, 2000))),
    "Indústria": ("Indústria", ((2, R, 0), (12, R2, 0), (25, CALL, 1000), (90, OUT, 3000))),
}


@dataclass(frozen=True)
class DemoSize:
    customers: int  # receivables customers besides the usage ones of load.py
    simple_per_month: float  # mean one-off invoices per customer and month
    proforma_per_month: float  # chance a customer asks for a quote in a month


DUNNING_WEEKDAYS = (0, 3)  # Monday, Thursday

SIZES = {"full": DemoSize(270, 0.38, 0.012), "small": DemoSize(16, 0.5, 0.03)}
INSTALLMENTS = "30/60/90"  # the payment term in three installments
LATE_FINE, LATE_INTEREST = Decimal("2.00"), Decimal("1.00")  # % once, % a month


class Timeline:
    """Actions run in time order, each with the services' clock at its moment."""

    def __init__(self, end: dt.datetime) -> None:
        self.end = end
        self.now = dt.datetime.min.replace(tzinfo=dt.UTC)
        self._queue: list[tuple[dt.datetime, int, Callable[[], object]]] = []
        self._order = itertools.count()

    def at(self, moment: dt.datetime, action: Callable[[], object]) -> None:
        """Run ``action`` at ``moment``: never before what already ran, dropped after the end
        (what the customer would do tomorrow has not happened yet)."""
        moment = max(moment, self.now)
        if moment <= self.end:
            heapq.heappush(self._queue, (moment, next(self._order), action))

    def run(self) -> None:
        while self._queue:
            moment, _, action = heapq.heappop(self._queue)
            self.now = moment
            with clock.override(moment):
                action()


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Receivables:
    """The receivables side of the demo year, scheduled on the shared timeline."""

    def __init__(
        self,
        *,
        users: dict[str, User],
        timeline: Timeline,
        first_day: dt.date,
        today: dt.date,
        size: DemoSize,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.rng = random.Random(SEED)
        self.users = users
        self.fin = users["financeiro"]
        self.manager = users[MANAGER]
        self.timeline = timeline
        self.first_day, self.today = first_day, today
        self.size = size
        self.progress = progress
        self.tz = timezone.get_current_timezone()
        self.data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
        self.threshold = approval_threshold()
        self.customers: dict[int, Customer] = {}
        self.scale: dict[int, float] = {}
        self.recurring_days: set[int] = set()
        self.held: dict[str, str] = {}  # invoice number -> the status it waits in (showcase)
        self.late_policies = 0  # customers whose contract charges late fees (the first company)
        self.behaviour = Behaviour(self)
        self.bank = BankReceipts(self)  # boleto, PIX and transfers arrive in bank files

    # --- time ---------------------------------------------------------------------------------

    def at(self, moment: dt.datetime, action: Callable[[], object]) -> None:
        self.timeline.at(moment, action)

    def moment(self, day: dt.date, start: int = 9, end: int = 17) -> dt.datetime:
        """A random business-hours moment on ``day`` (or the next business day)."""
        day = next_business_day(day)
        minute = self.rng.randrange(start * 60, end * 60)
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=self.tz)

    def soon(self, low: int, high: int, *, same_day: bool = False) -> dt.datetime:
        """``low``–``high`` minutes from now; after hours, the next business morning (unless
        it must be done ``same_day``)."""
        when = self.timeline.now + dt.timedelta(minutes=self.rng.randint(low, high))
        when = when.astimezone(self.tz)
        if same_day:
            return when
        if when.hour >= 18 or when.hour < 8 or not is_business_day(when.date()):
            return self.moment(when.date() + dt.timedelta(days=1 if when.hour >= 8 else 0), 8, 11)
        return when

    # --- the year -----------------------------------------------------------------------------

    def schedule(self) -> None:
        """Put the year on the timeline: set-up, customers, the daily task, a last showcase."""
        start = self.first_day
        self.at(self.moment(start - dt.timedelta(days=20), 10, 12), self._strategies)
        for spec in self._specs():
            self.at(spec["moment"], partial(self._customer_create, spec))
        self.at(dt.datetime.combine(start, dt.time(6), tzinfo=self.tz), partial(self._daily, start))
        last = self.today - dt.timedelta(days=1)
        while not is_business_day(last):
            last -= dt.timedelta(days=1)
        self.at(self.moment(last, 10, 11), self._showcase)

    def _strategies(self) -> None:
        for segment, (name, levels) in STRATEGIES.items():
            dunning_strategy_save(
                by=self.fin,
                segment=segment,
                name=f"Régua de cobrança — {name}",
                levels=[
                    LevelIn(days, action, Decimal(minimum)) for days, action, minimum in levels
                ],
            )

    def _daily(self, day: dt.date) -> None:
        """The daily task at 06:00: recurring invoices, due dates passed; the dunning levels
        on Mondays and Thursdays (every day would lock each overdue invoice 365 times a year,
        minutes of loading for the same story)."""
        if day.day == 1 and day > self.first_day:
            self._report(Month.of(day).previous())
        if day.day in self.recurring_days:
            for invoice in recurring_issue_due(today=day):
                self.at(self.moment(day, 8, 11), partial(self.advance, invoice))
        if day.weekday() in DUNNING_WEEKDAYS:
            dunning_run(today=day, now=self.timeline.now)
            self.behaviour.calls_schedule(day)
        else:
            due_dates_passed(today=day)
        following = day + dt.timedelta(days=1)
        if following <= self.today:
            moment = dt.datetime.combine(following, dt.time(6), tzinfo=self.tz)
            self.at(moment, partial(self._daily, following))

    def _report(self, month: Month) -> None:
        if self.progress is None:
            return
        invoices = Invoice.objects.filter(month=month.first_day).count()
        received = Payment.objects.filter(
            received_at__gte=month.first_day, received_at__lt=month.next().first_day
        ).count()
        self.progress(
            f"  {month.label_pt()}: {invoices} faturas, {received} pagamentos recebidos, "
            f"{Event.objects.count()} eventos até aqui"
        )

    # --- customers ----------------------------------------------------------------------------

    def _specs(self) -> list[dict[str, Any]]:
        """The receivables customers: who they are and when they arrive."""
        segments = self.data["segments"]
        regions = {"Sudeste": 40, "Sul": 20, "Nordeste": 20, "Centro-Oeste": 12, "Norte": 8}
        names: set[str] = set()
        specs: list[dict[str, Any]] = []
        while len(specs) < self.size.customers:
            segment = _weighted(self.rng, {k: v["weight"] for k, v in segments.items()})
            region = _weighted(self.rng, regions)
            city = self.rng.choice(self.data["cities"][region])
            person = bool(segments[segment]["people"]) and self.rng.random() < 0.12
            pattern = self.rng.choice(segments[segment]["people" if person else "companies"])
            name = pattern.format(
                stem=self.rng.choice(self.data["stems"]),
                city=city.split("/")[0],
                first=self.rng.choice(self.data["first_names"]),
                surname=self.rng.choice(self.data["surnames"]),
            )
            if name in names:
                continue
            names.add(name)
            arrival = 0 if self.rng.random() < 0.75 else self.rng.randrange(1, 11)
            day = self.first_day + dt.timedelta(days=30 * arrival - self.rng.randint(4, 20))
            specs.append(
                {
                    "name": name,
                    "person": person,
                    "segment": segment,
                    "region": region,
                    "domain": segments[segment]["domain"],
                    "business_unit": _weighted(self.rng, self.data["business_units"]),
                    "payment_terms": self._terms(segment, person),
                    "moment": self.moment(max(day, self.first_day - dt.timedelta(days=25))),
                }
            )
        if not any(spec["payment_terms"] == INSTALLMENTS for spec in specs):
            company = next(spec for spec in specs if not spec["person"])
            company["payment_terms"] = INSTALLMENTS  # the small demo shows them too
        return specs

    def _terms(self, segment: str, person: bool) -> str:
        if person:
            return _weighted(self.rng, {"DUE_ON_RECEIPT": 60, "NET30": 40})
        if segment in {"Governo", "Indústria"}:  # big contracts: some pay in three
            return _weighted(
                self.rng, {"NET30": 40, "NET60": 35, "2_10_NET30": 10, INSTALLMENTS: 15}
            )
        return _weighted(
            self.rng,
            {"NET30": 50, "2_10_NET30": 21, "NET60": 11, "DUE_ON_RECEIPT": 11, INSTALLMENTS: 7},
        )

    def _document(self, person: bool) -> str:
        while True:
            if person:
                document = cpf_with_check_digits(f"{self.rng.randrange(10**8, 10**9):09d}")
            else:
                document = cnpj_with_check_digits(f"{self.rng.randrange(10**7, 10**8):08d}0001")
            if not Customer.objects.filter(document=document).exists():
                return document

    def _customer_create(self, spec: dict[str, Any]) -> None:
        plain = unicodedata.normalize("NFKD", spec["name"]).encode("ascii", "ignore").decode()
        words = [w for w in re.findall(r"[a-z0-9]+", plain.lower()) if w not in NOT_IN_DOMAINS]
        slug = "".join(words)[:24]
        # some companies' contracts charge a 2% fine and 1% a month of interest when late
        late = not spec["person"] and spec["segment"] != "Governo"
        # not with installments: a late installment's charges move the due date back (D/E)
        late = late and spec["payment_terms"] != INSTALLMENTS
        late = late and (not self.late_policies or self.rng.random() < 0.35)
        self.late_policies += late
        customer = customer_create(
            by=self.fin,
            name=spec["name"],
            document=self._document(spec["person"]),
            email=f"financeiro@{slug}.{spec['domain']}",
            segment=spec["segment"],
            region=spec["region"],
            country="BR",
            business_unit=spec["business_unit"],
            payment_terms=spec["payment_terms"],
            late_fine_percent=LATE_FINE if late else None,
            late_interest_monthly_percent=LATE_INTEREST if late else None,
        )
        self.customer_created(customer)

    def customer_created(self, customer: Customer, *, usage: bool = False) -> None:
        """Every new customer (the usage ones too): its collector, how it pays and buys."""
        name = (
            PUBLIC_SECTOR_COLLECTOR
            if customer.segment == "Governo"
            else COLLECTORS.get(customer.region, "cobrador.ana")
        )
        # No service assigns collectors yet: the demo sets this master-data field directly.
        customer.collector = self.users[name]
        customer.save(update_fields=["collector"])
        self.customers[customer.pk] = customer
        big = 2.2 if customer.segment in {"Governo", "Indústria"} else 1.0
        self.scale[customer.pk] = 2600 * big * self.rng.lognormvariate(0, 0.8)
        self.behaviour.customer_profile(customer)
        self._purchases(customer, usage=usage)

    def _purchases(self, customer: Customer, *, usage: bool) -> None:
        """What the customer buys besides usage: a contract billed monthly (or yearly), one-off
        services now and then, a quote that may become an invoice."""
        unit = customer.business_unit
        if unit not in self.data["lines"]:
            unit = self.rng.choice(sorted(self.data["lines"]))
        since = clock.localdate() + dt.timedelta(days=self.rng.randint(3, 12))
        share = self.data["recurring_share"][unit] * (0.25 if usage else 1.0)
        if self.rng.random() < share:
            start = max(since, self.first_day)
            while start.day not in (1, 5, 10, 15):
                start += dt.timedelta(days=1)
            kind = "yearly" if self.rng.random() < 0.08 else "monthly"
            self.at(self.moment(start, 8, 10), partial(self._recurring, customer, unit, kind))
        rate = self.size.simple_per_month * self.rng.lognormvariate(0, 0.6) * (0.3 if usage else 1)
        month = Month.of(max(since, self.first_day))
        while month.first_day <= self.today:
            for _ in range(_poisson(self.rng, rate)):
                day = month.first_day + dt.timedelta(days=self.rng.randrange(0, 28))
                if since <= day <= self.today:
                    self.at(self.moment(day), partial(self._simple, customer, unit))
            if self.rng.random() < self.size.proforma_per_month:
                day = month.first_day + dt.timedelta(days=self.rng.randrange(0, 28))
                if since <= day <= self.today:
                    self.at(self.moment(day), partial(self._simple, customer, unit, proforma=True))
            month = month.next()

    # --- invoices -----------------------------------------------------------------------------

    def lines(self, unit: str, kind: str, scale: float) -> list[dict[str, str]]:
        entries = self.data["lines"][unit][kind]
        chosen = self.rng.sample(entries, 2 if kind != "yearly" and self.rng.random() < 0.3 else 1)
        lines = []
        for description, low, high, qmin, qmax in chosen:
            price = Decimal(round(self.rng.uniform(low, high))).quantize(Decimal("0.01"))
            wanted = scale * self.rng.uniform(0.5, 1.5) / len(chosen) / float(price)
            quantity = min(max(round(wanted), qmin), qmax)
            lines.append(
                {"description": description, "quantity": str(quantity), "unit_price": str(price)}
            )
        return lines

    def _recurring(self, customer: Customer, unit: str, frequency: str) -> None:
        today = clock.localdate()
        scale = self.scale[customer.pk] * (6 if frequency == "yearly" else 0.8)
        end = None
        if frequency == "monthly" and self.rng.random() < 0.12:  # a contract that ends
            end = (today + dt.timedelta(days=self.rng.randint(90, 270))).isoformat()
        self.recurring_days.add(today.day)  # the daily task issues the next periods that day
        invoice = invoice_create(
            by=self.fin,
            customer=customer,
            kind=InvoiceKind.RECURRING,
            issue_date=today,
            payment_terms=None,
            lines=self.lines(unit, frequency, scale),
            recurrence={"frequency": frequency, "end": end},
        )
        self._step(invoice, 5, 40)

    def _simple(self, customer: Customer, unit: str, *, proforma: bool = False) -> None:
        invoice = invoice_create(
            by=self.fin,
            customer=customer,
            kind=InvoiceKind.PROFORMA if proforma else InvoiceKind.SIMPLE,
            issue_date=clock.localdate(),
            payment_terms=None,
            lines=self.lines(unit, "simple", self.scale[customer.pk]),
        )
        self._step(invoice, 5, 90)

    def advance(self, invoice: Invoice) -> None:
        """The next step of an invoice's way to the customer: complete, approval when above
        the threshold (rejected now and then: rework), send. Invoices due on receipt go out
        the day they are issued, so "Due Date Passed" never comes before they are sent.
        ``invoice`` is what the last step's service returned: until it is sent only these
        steps change it, so it is not read again."""
        number = invoice.number
        if self.held.get(number) == invoice.status:
            return
        proforma = invoice.kind == InvoiceKind.PROFORMA
        hurry = invoice.payment_terms == "DUE_ON_RECEIPT" or number in self.held
        status = invoice.status
        if status == InvoiceStatus.DRAFT:
            done = invoice_complete(by=self.fin, number=number)
            self.at(self.soon(2, 30, same_day=hurry), partial(self.advance, done))
        elif status == InvoiceStatus.COMPLETED and not proforma and self._needs_approval(invoice):
            done = invoice_submit(by=self.fin, number=number)
            wait = self.soon(20, 120, same_day=hurry) if hurry or self.rng.random() < 0.6 else None
            tomorrow = self.moment(clock.localdate() + dt.timedelta(days=1))
            self.at(wait or tomorrow, partial(self.advance, done))
        elif status == InvoiceStatus.PENDING_APPROVAL:
            if not hurry and self.rng.random() < (0.15 if invoice.rework_count == 0 else 0.04):
                reason = self.rng.choice(self.data["reject_reasons"])
                done = invoice_reject(by=self.manager, number=number, reason=reason)
                days = self.rng.randint(1, 3)
                later = self.moment(clock.localdate() + dt.timedelta(days=days))
                self.at(later, partial(self.advance, done))
            else:
                done = invoice_approve(by=self.manager, number=number)
                self.at(self.soon(10, 90, same_day=hurry), partial(self.advance, done))
        elif status in {InvoiceStatus.COMPLETED, InvoiceStatus.APPROVED}:
            sent = None
            if invoice.delivery == DeliveryStatus.QUEUED:  # the customer's automatic e-mail
                outcome, delivered = invoice_deliver(number, now=clock.now())
                sent = delivered if outcome == SENT else None
            if sent is None:
                sent = invoice_send(by=self.fin, number=number)
            if proforma:
                self.behaviour.quote_sent(sent)
            else:
                self.behaviour.invoice_sent(sent)

    def _step(self, invoice: Invoice, low: int, high: int) -> None:
        """The invoice's next step in ``low``–``high`` minutes (the same day if due on receipt)."""
        same_day = invoice.payment_terms == "DUE_ON_RECEIPT"
        self.at(self.soon(low, high, same_day=same_day), partial(self.advance, invoice))

    def _needs_approval(self, invoice: Invoice) -> bool:
        return invoice.total_charged > self.threshold

    def usage_invoice(self, invoice: Invoice) -> None:
        """A usage invoice just finalized (completed): on its way the same or the next day."""
        if invoice.payment_terms == "DUE_ON_RECEIPT" or self.rng.random() < 0.6:
            self._step(invoice, 15, 180)
        else:
            tomorrow = self.moment(clock.localdate() + dt.timedelta(days=1))
            self.at(tomorrow, partial(self.advance, invoice))

    def convert(self, number: str) -> None:
        invoice = proforma_convert(by=self.fin, number=number)
        self._step(invoice, 10, 60)

    # --- the last day: invoices on their way, so every state shows ------------------------------

    def _showcase(self) -> None:
        customers = [self.customers[pk] for pk in sorted(self.customers)]
        waits = (
            InvoiceStatus.DRAFT,
            InvoiceStatus.COMPLETED,
            InvoiceStatus.PENDING_APPROVAL,
            InvoiceStatus.APPROVED,
        )
        for wait in waits:
            if wait in {InvoiceStatus.PENDING_APPROVAL, InvoiceStatus.APPROVED}:  # above the limit
                line = ("Projeto de implantação de ERP — marco", 1, self.rng.randint(12, 30) * 1000)
            else:
                line = ("Consultoria em processos — horas", self.rng.randint(8, 30), 240)
            invoice = invoice_create(
                by=self.fin,
                customer=self.rng.choice(customers),
                kind=InvoiceKind.SIMPLE,
                issue_date=clock.localdate(),
                payment_terms="NET30",
                lines=[dict(zip(LINE_FIELDS, map(str, line), strict=True))],
            )
            self.held[invoice.number] = wait
            self._step(invoice, 5, 20)
        self.behaviour.showcase()
