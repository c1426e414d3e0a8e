"""The fiscal side of the demo year: service orders and the NFS-e issued after their billing.

It plays on the demo's ``Timeline`` beside billing and receivables, so every event is written
at its moment and each case reads in time order. A seeded generator decides what happens (who
buys which services, when orders are completed and billed, how long each team takes to have
its NFS-e issued: ``fiscal_data``); it reaches the database the way a company would feed
Fatura:

- the operations system exports its orders every Monday (what was completed or billed the week
  before) and the NFS-e issuer its notes (issued or cancelled the week before): both CSV files
  go through the importers (``service_orders_import``, ``nfse_import``), with their checks
  (coverage shares add up to each NFS-e's value, an NFS-e covers orders of its own customer)
  and their events;
- some of Fatura's one-off invoices bill service orders: at the end of the invoice's day the
  orders are typed in and billed on it through the services (their events join the invoice's
  case), and the NFS-e comes back from the issuer when it is issued (imported at that moment);
- the expected-lag settings: 5 days overall and 10 for development from the start, a customer
  of 2 days and a customer's support of 1 day two months in (``expected_lag_set``);
- every Monday Financeiro records why the orders past their expected lag are late, or leaves
  them without a reason (:mod:`fatura.demo.fiscal_delays`);
- in the last month, the NFS-e of Fatura's invoices are issued by Fatura through the Sefin
  Nacional's contract server instead of imported (:mod:`fatura.demo.fiscal_issuing`).

Some NFS-e cover several orders (same customer and type billed the same day, or a month of
routine work for customers who consolidate), a few big orders are split over two NFS-e
(milestones), a few NFS-e are cancelled or replaced, a few are issued at completion before the
billing; recent orders, and a few forgotten ones, are still waiting: the backlog. The files and
the uploads: :mod:`fatura.demo.fiscal_files`.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.contrib.auth.models import User
from django.utils import timezone

from fatura.core.money import to_money
from fatura.core.months import Month
from fatura.core.terms import is_business_day, next_business_day
from fatura.customers.models import Customer
from fatura.demo.fiscal_data import (
    FIELD,
    LINE_TYPES,
    SERVICE_TYPE,
    SERVICE_TYPES,
    DemoServiceType,
    billing_days,
    field_team,
    lag_days,
)
from fatura.demo.fiscal_delays import DelayReview
from fatura.demo.fiscal_files import DemoNfse, DemoOrder, Uploads, service_types_ensure
from fatura.demo.fiscal_issuing import DemoSefin
from fatura.demo.receivables import Timeline
from fatura.fiscal.services import expected_lag_set
from fatura.receivables.models import InvoiceKind, InvoiceLine, InvoiceStatus

SEED = 20260505
CONSOLIDATED = ("Suporte técnico", "Manutenção de equipamentos")  # one NFS-e a month for some
SPLIT_TYPES = ("Desenvolvimento de sistemas", "Consultoria em TI")  # billed in milestones
MONDAY = dt.date(2024, 1, 1)  # weeks are counted from a Monday
OPEN_DAYS = 10  # the orders scheduled for the next days are open today


@dataclass(frozen=True)
class FiscalSize:
    service_customers: float  # share of the customers who buy services from the ops system
    consolidated: float  # share of those whose routine work gets one NFS-e a month
    linked: float  # share of one-off invoices with service lines that bill service orders
    cancellations: float  # scales the chance of an NFS-e being replaced or cancelled
    early: float  # chance of an order's NFS-e being issued at completion, before the billing


SIZES = {
    "full": FiscalSize(0.55, 0.15, 0.35, 1.0, 0.05),
    "small": FiscalSize(0.5, 0.25, 0.5, 2.0, 0.2),
}


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class FiscalYear:
    """The demo's service orders and NFS-e, scheduled on ``timeline`` from ``first_day``."""

    def __init__(
        self, *, timeline: Timeline, users: dict[str, User], first_day: dt.date, size: str
    ) -> None:
        self.rng = random.Random(SEED)
        self.timeline = timeline
        self.fin = users["financeiro"]
        self.first_day = first_day
        self.size = SIZES[size]
        self.tz = timezone.get_current_timezone()
        self.uploads = Uploads(users=users)
        self.profiles: dict[int, list[tuple[DemoServiceType, float]]] = {}  # customer -> types
        self.seen_customer = 0
        self.seen_invoice = 0
        self.monthly: set[int] = set()  # customers whose routine work has one NFS-e a month
        self.waiting: dict[tuple[int, str, Month], list[DemoOrder]] = defaultdict(list)
        self.sequence = 0
        # decision 0039: delay reasons on the late orders, the last month issued through the
        # contract server; each on its own random stream
        self.delays = DelayReview(users=users, timeline=timeline, seed=SEED + 1, tz=self.tz)
        self.sefin = DemoSefin(users=users, timeline=timeline, seed=SEED + 2)

    def schedule(self) -> None:
        at = self.timeline.at
        start = self._at(self.first_day - dt.timedelta(days=3), 9 * 60)
        at(start, self._settings)
        at(self._workday(self.first_day + dt.timedelta(days=60), 10, 11), self._customer_lags)
        day = self.first_day
        while day <= self.timeline.end.astimezone(self.tz).date():
            if day.weekday() == 0:
                at(self._at(day, 7 * 60), partial(self._week, day))
            if is_business_day(day):
                at(self._at(day, 18 * 60 + 30), self._invoices_of_the_day)
            day += dt.timedelta(days=1)
        at(self.timeline.end, self._last_upload)

    # --- moments ------------------------------------------------------------------------------

    def _at(self, day: dt.date, minute: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=self.tz)

    def _workday(self, day: dt.date, start: int = 8, end: int = 18) -> dt.datetime:
        """A random business-hours moment on ``day`` or the next business day."""
        return self._at(next_business_day(day), self.rng.randrange(start * 60, end * 60))

    def _business(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` to the minute, moved to the next business morning when out of hours."""
        local = moment.astimezone(self.tz).replace(second=0, microsecond=0)
        if is_business_day(local.date()) and 8 <= local.hour < 18:
            return local
        day = local.date() if local.hour < 8 else local.date() + dt.timedelta(days=1)
        return self._workday(day, 8, 11)

    def _later(self, moment: dt.datetime, business_days: int) -> dt.datetime:
        """``business_days`` after ``moment`` (0: later the same day), in business hours."""
        if business_days == 0:
            return self._business(moment + dt.timedelta(minutes=self.rng.randrange(30, 300)))
        day = moment.astimezone(self.tz).date()
        for _ in range(business_days):
            day = next_business_day(day + dt.timedelta(days=1))
        return self._workday(day)

    def _earlier(self, moment: dt.datetime, business_days: int) -> dt.datetime:
        """``business_days`` before ``moment`` (0: earlier that day or the day before)."""
        local = moment.astimezone(self.tz)
        earlier = local - dt.timedelta(minutes=self.rng.randrange(30, 300))
        if business_days == 0 and earlier.date() == local.date() and earlier.hour >= 8:
            return earlier.replace(second=0, microsecond=0)
        day = local.date()
        for _ in range(max(business_days, 1)):
            day -= dt.timedelta(days=1)
            while not is_business_day(day):
                day -= dt.timedelta(days=1)
        return self._at(day, self.rng.randrange(9 * 60, 18 * 60))

    def _week_of(self, moment: dt.datetime) -> int:
        return (moment.astimezone(self.tz).date() - MONDAY).days // 7

    # --- settings -----------------------------------------------------------------------------

    def _settings(self) -> None:
        service_types_ensure()
        expected_lag_set(by=self.fin, days="5")
        expected_lag_set(by=self.fin, days="10", service_type="Desenvolvimento de sistemas")

    def _customer_lags(self) -> None:
        """Two months in, the biggest service customer's contract sets 2 days, and the second
        one's support 1 day."""
        ranked = sorted(self.profiles, key=lambda pk: -sum(r for _, r in self.profiles[pk]))
        if ranked:
            top = Customer.objects.get(pk=ranked[0])
            expected_lag_set(by=self.fin, days="2", customer=top)
        if len(ranked) > 1:
            other = Customer.objects.get(pk=ranked[1])
            expected_lag_set(by=self.fin, days="1", customer=other, service_type="Suporte técnico")

    # --- the operations system's orders ---------------------------------------------------------

    def _week(self, monday: dt.date) -> None:
        """Monday 07:00: last week's files are uploaded, then this week's work is planned."""
        start = self._at(monday, 0)
        self._consolidate(monday)
        self.uploads.week(start - dt.timedelta(days=7), start)
        self.delays.review(monday, start)
        self._meet_customers()
        self._plan_orders(start, start + dt.timedelta(days=7))

    def _meet_customers(self) -> None:
        """Customers registered since last week: does it buy services, which, how often."""
        for customer in Customer.objects.filter(pk__gt=self.seen_customer).order_by("pk"):
            self.seen_customer = customer.pk
            if self.rng.random() >= self.size.service_customers:
                continue
            scale = self.rng.lognormvariate(0, 0.5)
            kinds = [k for k in SERVICE_TYPES if self.rng.random() < k.uptake]
            self.profiles[customer.pk] = [(k, k.monthly * scale) for k in kinds]
            if self.rng.random() < self.size.consolidated:
                self.monthly.add(customer.pk)

    def _team(self, kind: DemoServiceType, customer: Customer) -> str:
        names = [name for name, _ in kind.teams]
        team = self.rng.choices(names, weights=[w for _, w in kind.teams])[0]
        return field_team(customer.region) if team == FIELD else team

    def _number(self) -> str:
        self.sequence += 1
        return f"OS-{self.sequence:06d}"

    def _plan_orders(self, start: dt.datetime, end: dt.datetime) -> None:
        customers = Customer.objects.in_bulk(list(self.profiles))
        days = (end - start).days
        orders = []
        for pk, kinds in self.profiles.items():
            for kind, rate in kinds:
                for _ in range(_poisson(self.rng, rate * days / 30.4)):
                    day = start.date() + dt.timedelta(days=self.rng.randrange(0, days))
                    moment = self._workday(day)
                    if moment < end:
                        orders.append(self._order(customers[pk], kind, moment, rate))
        orders.sort(key=lambda o: (o.scheduled, o.customer.pk))
        for order in orders:
            order.number = self._number()
        self.uploads.orders += orders
        routine: dict[tuple[int, str, str, dt.date], list[DemoOrder]] = defaultdict(list)
        for order in orders:
            if order.billed_at is None:
                continue
            billed = order.billed_at.astimezone(self.tz).date()
            customer, name = order.customer.pk, order.service_type
            if customer in self.monthly and name in CONSOLIDATED:
                self.waiting[(customer, name, Month.of(billed))].append(order)
                self.delays.watch(order, None, monthly=True)
            else:
                routine[(customer, name, order.team, billed)].append(order)
        for members in routine.values():
            if self.rng.random() >= 0.015:  # else forgotten: the oldest lines of the backlog
                notes = self._issue(members, None)
                self.uploads.notes += notes
                self._watch(members, notes)
            else:
                self._watch(members, [])

    def _order(
        self, customer: Customer, kind: DemoServiceType, moment: dt.datetime, rate: float
    ) -> DemoOrder:
        value = self.rng.lognormvariate(math.log(kind.median_value), kind.spread)
        value *= (rate / kind.monthly) ** 0.3  # bigger customers buy somewhat bigger jobs
        team = self._team(kind, customer)
        completed = moment if moment <= self.timeline.end else None
        billed = None
        if completed is not None:
            billed = self._later(completed, billing_days(self.rng, team))
        return DemoOrder(
            customer=customer,
            service_type=kind.name,
            team=team,
            value=Decimal(max(5, round(value / 5) * 5)).quantize(Decimal("0.01")),
            scheduled=moment,
            completed_at=completed,
            billed_at=billed,
        )

    def _consolidate(self, monday: dt.date) -> None:
        """Months over: one NFS-e per customer and type in the first days of the next."""
        for key in [k for k in self.waiting if k[2].last_day < monday]:
            members = self.waiting.pop(key)
            issued = self._workday(key[2].next().first_day + dt.timedelta(self.rng.randrange(4)))
            notes = self._issue(members, issued)
            self.uploads.notes += notes
            self._watch(members, notes, monthly=True)

    # --- NFS-e --------------------------------------------------------------------------------

    def _watch(
        self, members: list[DemoOrder], notes: list[DemoNfse], *, monthly: bool = False
    ) -> None:
        """The delay review follows each order with the moment its first NFS-e is issued."""
        for order in members:
            first = [n.issued_at for n in notes if any(o is order for o, _ in n.parts)]
            self.delays.watch(order, min(first) if first else None, monthly=monthly)

    def _issue(
        self, members: list[DemoOrder], issued: dt.datetime | None, *, early: bool = True
    ) -> list[DemoNfse]:
        """The NFS-e of ``members`` (same customer and type): after the team's lag, unless
        ``issued`` says when; with ``early``, now and then at completion, before the billing
        (only when the billing is in a later week's file, so each case reads in time order)."""
        first = members[0]
        billed = max(o.billed_at for o in members if o.billed_at is not None)
        if issued is None:
            lag = lag_days(self.rng, first.team, first.service_type)
            issued = self._business(billed + dt.timedelta(days=lag))
            early = early and len(members) == 1 and self.rng.random() < self.size.early
        else:
            early = False
        if early and first.completed_at is not None:
            at = first.completed_at + dt.timedelta(minutes=self.rng.randrange(10, 90))
            early = at < billed and self._week_of(at) < self._week_of(billed)
            issued = at if early else issued
        parts = [(o, o.value) for o in members]
        notes = []
        big = len(members) == 1 and first.service_type in SPLIT_TYPES and first.value >= 15_000
        if big and self.rng.random() < 0.4:  # a milestone now, the rest 15 to 40 days later
            share = to_money(first.value * Decimal(self.rng.choice(("0.3", "0.4", "0.5"))))
            parts = [(first, share)]
            later = self._business(issued + dt.timedelta(days=self.rng.uniform(15, 40)))
            rest = [(first, first.value - share)]
            notes.append(DemoNfse(first.customer, first.service_type, later, rest))
        note = DemoNfse(first.customer, first.service_type, issued, parts)
        notes.append(note)
        if not early:
            notes += self._cancellation(note)
        return notes

    def _cancellation(self, note: DemoNfse) -> list[DemoNfse]:
        """About 1.5 % replaced by a substitute a few days later (the substitute is what the
        KPI counts), 0.8 % cancelled and issued again a week or more later."""
        roll = self.rng.random() / self.size.cancellations
        if roll < 0.015:
            at = self._business(note.issued_at + dt.timedelta(days=self.rng.uniform(1, 5)))
            substitute = DemoNfse(note.customer, note.service_type, at, list(note.parts))
            note.status, note.cancelled_at, note.replaced_by = "replaced", at, substitute
            return [substitute]
        if roll < 0.023:
            at = self._business(note.issued_at + dt.timedelta(hours=self.rng.uniform(4, 72)))
            note.status, note.cancelled_at = "cancelled", at
            again = self._business(at + dt.timedelta(days=self.rng.uniform(7, 12)))
            return [DemoNfse(note.customer, note.service_type, again, list(note.parts))]
        return []

    # --- orders billed on Fatura's invoices -----------------------------------------------------

    def _invoices_of_the_day(self) -> None:
        """18:30: the day's one-off invoices that bill service work get their orders typed in
        and billed on them; their NFS-e (one per service type) is issued after the lag."""
        lines = (
            InvoiceLine.objects.filter(
                invoice__kind=InvoiceKind.SIMPLE,
                invoice_id__gt=self.seen_invoice,
                item_name__in=LINE_TYPES,
            )
            .exclude(invoice__status=InvoiceStatus.DRAFT)
            .select_related("invoice__customer")
            .order_by("invoice_id", "position")
        )
        by_invoice: dict[int, list[InvoiceLine]] = defaultdict(list)
        for line in lines:
            by_invoice[line.invoice_id].append(line)
        now = self.timeline.now
        for invoice_id, invoice_lines in by_invoice.items():
            self.seen_invoice = max(self.seen_invoice, invoice_id)
            if self.rng.random() >= self.size.linked:
                continue
            invoice = invoice_lines[0].invoice
            orders = []
            for line in invoice_lines:
                kind = SERVICE_TYPE[LINE_TYPES[line.item_name]]
                team = self._team(kind, invoice.customer)
                completed = self._earlier(invoice.created_at, billing_days(self.rng, team))
                orders.append(
                    DemoOrder(
                        customer=invoice.customer,
                        service_type=kind.name,
                        team=team,
                        value=line.amount,
                        scheduled=completed,
                        completed_at=completed,
                        billed_at=now,
                        invoice=invoice,
                        number=self._number(),
                    )
                )
            self.uploads.typed_in(orders)
            by_type: dict[str, list[DemoOrder]] = defaultdict(list)
            for order in orders:
                by_type[order.service_type].append(order)
            planned = [
                (members, self._issue(members, None, early=False)) for members in by_type.values()
            ]
            first = min(n.issued_at for _, notes in planned for n in notes)
            # the last month: Fatura issues the NFS-e of an invoice of one service (a DPS
            # declares one service code), the rest still come from the issuer
            if len(planned) == 1 and self.sefin.recent(first):
                for order in orders:
                    self.delays.watch(order, first)
                self.timeline.at(first, partial(self.sefin.issue, invoice.pk))
                continue
            for members, notes in planned:
                self._watch(members, notes)
                self._on_time(notes)

    def _on_time(self, notes: list[DemoNfse]) -> None:
        """The NFS-e of Fatura's invoices reach Fatura as they are issued (a substitute with
        the cancellation of the NFS-e it replaces), cancellations as they happen."""
        substitutes = {id(n.replaced_by) for n in notes if n.replaced_by is not None}
        for note in notes:
            if id(note) not in substitutes:
                self.timeline.at(note.issued_at, partial(self.uploads.one, [note], note.issued_at))
            if note.cancelled_at is not None:
                rows = [note, note.replaced_by] if note.replaced_by else [note]
                upload = partial(self.uploads.one, rows, note.cancelled_at)
                self.timeline.at(note.cancelled_at, upload)

    def _last_upload(self) -> None:
        """Today: what this week's files have so far, and the orders scheduled for the next
        days, open."""
        end = self.timeline.end
        monday = end.astimezone(self.tz).date()
        monday -= dt.timedelta(days=monday.weekday())
        week_end = self._at(monday + dt.timedelta(days=7), 0)
        self._plan_orders(week_end, week_end + dt.timedelta(days=OPEN_DAYS))
        self.uploads.week(self._at(monday, 0), end, last=True)
        self.timeline.at(end, self.sefin.stop)  # after every issuance scheduled for today
