"""How the fiscal demo reaches the database (:mod:`fatura.demo.fiscal` decides what
happens): the service types, the orders typed in against Fatura's invoices (through the
services), and the CSV files of the operations system and of the NFS-e issuer (through the
importers), each with what was known at its moment."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from fatura.core.money import to_money
from fatura.customers.models import Customer
from fatura.demo.fiscal_data import SERVICE_TYPE, SERVICE_TYPES
from fatura.fiscal.imports import nfse_import, service_orders_import
from fatura.fiscal.models import Nfse, ServiceOrder, ServiceType
from fatura.fiscal.services import service_order_bill, service_order_create
from fatura.receivables.models import Invoice

NFSE_FIRST = 4101  # the company issued NFS-e before the demo year
STATUS_LABELS = {"issued": "emitida", "cancelled": "cancelada", "replaced": "substituída"}
ORDER_HEADER = ("number", "customer_document", "service_type", "team", "completed_at",
                "billed_at", "value")  # fmt: skip
NFSE_HEADER = ("number", "issued_at", "value", "customer_document", "service_order_numbers",
               "status", "verification_code", "iss_rate", "iss_amount", "net_value",
               "service_code", "cancelled_at", "replaced_by")  # fmt: skip
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(eq=False)
class DemoOrder:
    customer: Customer
    service_type: str
    team: str
    value: Decimal
    scheduled: dt.datetime
    completed_at: dt.datetime | None  # None: still open
    billed_at: dt.datetime | None
    invoice: Invoice | None = None  # typed in and billed on this Fatura invoice
    number: str = ""


@dataclass(eq=False)
class DemoNfse:
    customer: Customer
    service_type: str
    issued_at: dt.datetime
    parts: list[tuple[DemoOrder, Decimal]]  # (order, share of the NFS-e's value)
    status: str = "issued"
    cancelled_at: dt.datetime | None = None
    replaced_by: DemoNfse | None = None
    number: str = ""

    @property
    def value(self) -> Decimal:
        return sum((share for _, share in self.parts), Decimal(0))


@dataclass(frozen=True)
class FiscalSummary:
    orders: int
    linked: int
    nfse: int
    cancelled: int

    @property
    def message(self) -> str:
        return (
            f"Fiscal: {self.orders} ordens de serviço ({self.linked} faturadas em faturas "
            f"avulsas), {self.nfse} NFS-e ({self.cancelled} canceladas ou substituídas)."
        )


def fiscal_summary() -> FiscalSummary:
    return FiscalSummary(
        orders=ServiceOrder.objects.count(),
        linked=ServiceOrder.objects.filter(invoice__isnull=False).count(),
        nfse=Nfse.objects.count(),
        cancelled=Nfse.objects.exclude(status="issued").count(),
    )


def service_types_ensure() -> None:
    """The service types with their national codes and ISS rates (master data, no event)."""
    known = set(ServiceType.objects.values_list("name", flat=True))
    ServiceType.objects.bulk_create(
        ServiceType(
            name=t.name,
            national_code=t.national_code,
            iss_rate=Decimal(t.iss_rate),
            description=t.description,
        )
        for t in SERVICE_TYPES
        if t.name not in known
    )


def _amount(value: Decimal) -> str:
    """``1234.5`` -> ``1.234,50``, as a Brazilian system exports amounts."""
    integer, cents = f"{to_money(value):.2f}".split(".")
    return f"{int(integer):,}".replace(",", ".") + "," + cents


class Uploads:
    """The orders and NFS-e planned so far, and the files that bring them in."""

    def __init__(self, *, users: dict[str, User]) -> None:
        self.fin, self.ops = users["financeiro"], users["operacao"]
        self.tz = timezone.get_current_timezone()
        self.orders: list[DemoOrder] = []  # from the operations system
        self.notes: list[DemoNfse] = []  # in its weekly NFS-e files
        self.issued = 0

    def typed_in(self, orders: list[DemoOrder]) -> None:
        """Orders billed on a Fatura invoice: typed in (completed) and billed on it now."""
        for order in orders:
            created = service_order_create(
                by=self.ops,
                number=order.number,
                customer=order.customer,
                service_type=order.service_type,
                team=order.team,
                value=order.value,
                completed_at=order.completed_at,
            )
            service_order_bill(
                by=self.fin, order=created, invoice=order.invoice, billed_at=order.billed_at
            )

    def week(self, start: dt.datetime, end: dt.datetime, *, last: bool = False) -> None:
        """The operations system's file (orders completed or billed from ``start`` to
        ``end``), then the issuer's (NFS-e issued or cancelled then), as known at ``end``;
        the ``last`` one, today's, also lists the open orders."""

        def within(moment: dt.datetime | None) -> bool:
            return moment is not None and start <= moment <= end

        orders = [
            o
            for o in self.orders
            if within(o.completed_at)
            or within(o.billed_at)
            or (last and o.completed_at is None and o.scheduled > end)
        ]
        notes = [n for n in self.notes if within(n.issued_at) or within(n.cancelled_at)]
        stamp = start.astimezone(self.tz).strftime("%Y-%m-%d")
        if orders:
            service_orders_import(
                by=self.ops,
                filename=f"ordens-de-servico-semana-{stamp}.csv",
                data=self._orders_csv(orders, end),
            )
        if notes:
            self.one(notes, end, filename=f"nfse-emitidas-semana-{stamp}.csv")

    def one(self, notes: list[DemoNfse], cutoff: dt.datetime, filename: str = "") -> None:
        """An NFS-e upload of ``notes`` as known at ``cutoff``; new ones get their numbers."""
        notes = sorted(notes, key=lambda n: n.issued_at)
        for note in notes:
            if not note.number:
                note.number = str(NFSE_FIRST + self.issued)
                self.issued += 1
        name = filename or f"nfse-{notes[0].number}.csv"
        nfse_import(by=self.fin, filename=name, data=self._nfse_csv(notes, cutoff))

    def _local(self, moment: dt.datetime | None) -> str:
        return "" if moment is None else moment.astimezone(self.tz).strftime("%d/%m/%Y %H:%M")

    def _orders_csv(self, orders: list[DemoOrder], cutoff: dt.datetime) -> bytes:
        def known(moment: dt.datetime | None) -> str:
            return self._local(moment) if moment is not None and moment <= cutoff else ""

        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(ORDER_HEADER)
        for o in orders:
            completed = known(o.completed_at)
            billed = known(o.billed_at) if completed else ""
            writer.writerow(
                (
                    o.number,
                    o.customer.document,
                    o.service_type,
                    o.team,
                    completed,
                    billed,
                    _amount(o.value),
                )
            )
        return out.getvalue().encode("utf-8")

    def _nfse_csv(self, notes: list[DemoNfse], cutoff: dt.datetime) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(NFSE_HEADER)
        for n in notes:
            kind = SERVICE_TYPE[n.service_type]
            rate = Decimal(kind.iss_rate)
            iss = to_money(n.value * rate / 100)
            retained = n.customer.segment == "Governo"  # public bodies withhold the ISS
            cancelled = n.cancelled_at is not None and n.cancelled_at <= cutoff
            substitute = n.replaced_by.number if cancelled and n.replaced_by else ""
            writer.writerow(
                (
                    n.number,
                    self._local(n.issued_at),
                    _amount(n.value),
                    n.customer.document,
                    ";".join(order.number for order, _ in n.parts),
                    STATUS_LABELS[n.status if cancelled else "issued"],
                    _verification_code(n.number),
                    _amount(rate),
                    _amount(iss),
                    _amount(n.value - iss if retained else n.value),
                    kind.national_code,
                    self._local(n.cancelled_at) if cancelled else "",
                    substitute,
                )
            )
        return out.getvalue().encode("utf-8")


def _verification_code(number: str) -> str:
    """A municipal-style verification code, fixed by the number (same in every file)."""
    value = int(number) * 2_654_435_761 % 32**8
    return "".join(CODE_LETTERS[(value >> (5 * i)) % 32] for i in range(8))
