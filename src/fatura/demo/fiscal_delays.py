"""Delay reasons in the demo year (decisions 0034, 0039): every Monday, after the week's files
are in, Financeiro goes through the backlog and records why the orders that passed their
expected lag without an NFS-e are late, through ``service_order_delay_reason_set`` (the order
keeps the reason, "Delay Reason Recorded" goes to its case). A realistic mix: about four in
ten internal (approval pending, incomplete order data), a quarter asked by the customer (issue
later, waiting for the purchase order; most of the late NFS-e of customers who take one NFS-e
a month), the rest left without a reason. Late means as the backlog says it then: completion
plus the expected lag in force that Monday (the most specific setting), passed before the
NFS-e. Recent ones may still be waiting for their review: the backlog shows them without one.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.contrib.auth.models import User

from fatura.demo.fiscal_files import DemoOrder
from fatura.demo.receivables import Timeline
from fatura.fiscal.delays import service_order_delay_reason_set
from fatura.fiscal.models import DelayKind, DelayReason, ExpectedLag

INTERNAL, CUSTOMER = 0.42, 0.28  # of the late orders; the rest get no reason
MONTHLY_CUSTOMER = 0.7  # late because the customer takes one NFS-e a month: they asked


@dataclass
class Watched:
    order: DemoOrder
    issued: dt.datetime | None  # its first NFS-e as planned; None: not planned (yet)
    monthly: bool = False  # the customer's routine work gets one NFS-e a month


class DelayReview:
    def __init__(
        self,
        *,
        users: dict[str, User],
        timeline: Timeline,
        seed: int,
        tz: dt.tzinfo,
    ) -> None:
        self.fin = users["financeiro"]
        self.timeline = timeline
        self.rng = random.Random(seed)  # its own stream: the rest of the year is unchanged
        self.tz = tz
        self.watched: dict[str, Watched] = {}
        self.reviewed: set[str] = set()
        self.recorded = 0

    def watch(self, order: DemoOrder, issued: dt.datetime | None, *, monthly: bool = False) -> None:
        """Follow ``order`` (its NFS-e planned at ``issued``) until its review."""
        if order.number and order.completed_at is not None and order.number not in self.reviewed:
            self.watched[order.number] = Watched(order, issued, monthly)

    def _expected_days(self) -> Callable[[DemoOrder], float]:
        lags = list(ExpectedLag.objects.all())  # a handful of rows
        both = {
            (g.customer_id, g.service_type): g.days
            for g in lags
            if g.customer_id and g.service_type
        }
        customer = {g.customer_id: g.days for g in lags if g.customer_id and not g.service_type}
        kind = {g.service_type: g.days for g in lags if g.service_type and not g.customer_id}
        overall = next((g.days for g in lags if not g.customer_id and not g.service_type), 5)

        def days(order: DemoOrder) -> float:
            pk, name = order.customer.pk, order.service_type
            found = both.get((pk, name), customer.get(pk, kind.get(name, overall)))
            return float(found)

        return days

    def review(self, monday: dt.date, start: dt.datetime) -> None:
        """Monday: the orders in the files so far (completed and billed before ``start``)
        whose expected lag has passed get their reason, or none, before 8 o'clock."""
        expected = self._expected_days()
        reasons: dict[str, list[DelayReason]] = {kind: [] for kind in DelayKind.values}
        for reason in DelayReason.objects.filter(active=True).order_by("label"):
            reasons[reason.kind].append(reason)
        for number, watched in list(self.watched.items()):
            order = watched.order
            assert order.completed_at is not None
            if order.billed_at is None or order.billed_at >= start:
                continue  # not in the backlog yet
            deadline = order.completed_at + dt.timedelta(days=expected(order))
            if deadline >= start:
                continue  # not late yet
            del self.watched[number]
            self.reviewed.add(number)
            if watched.issued is not None and watched.issued <= deadline:
                continue  # issued in time
            roll = self.rng.random()
            if watched.monthly and roll < MONTHLY_CUSTOMER:
                kind = DelayKind.CUSTOMER
            elif roll < INTERNAL:
                kind = DelayKind.INTERNAL
            elif roll < INTERNAL + CUSTOMER:
                kind = DelayKind.CUSTOMER
            else:
                continue  # no reason given
            if not reasons[kind]:
                continue
            reason = self.rng.choice(reasons[kind])
            note = ""
            if "pedido de compra" in reason.label:
                note = f"PC {self.rng.randrange(4000, 9999)}"
            # first thing that Monday, right after the files: every NFS-e event still to be
            # imported happens later (in business hours), so each case stays in time order
            minute = self.rng.randrange(7 * 60 + 5, 7 * 60 + 55)
            moment = dt.datetime.combine(monday, dt.time(minute // 60, minute % 60), tzinfo=self.tz)
            self.timeline.at(moment, partial(self._record, number, reason.pk, note))

    def _record(self, number: str, reason_id: int, note: str) -> None:
        service_order_delay_reason_set(by=self.fin, number=number, reason_id=reason_id, note=note)
        self.recorded += 1
