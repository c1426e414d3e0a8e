"""A hand-computed month of service orders and NFS-e (docs/nfse-kpi.md works it through):
split orders, an order split over two NFS-e, an NFS-e issued before the billing, a cancelled
NFS-e, an order still without NFS-e, and expected-lag overrides."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from fatura.customers.models import Customer
from fatura.fiscal.models import (
    ExpectedLag,
    Nfse,
    NfseCoverage,
    NfseStatus,
    ServiceOrder,
    ServiceOrderStatus,
)
from tests.factories import CustomerFactory

SP = ZoneInfo("America/Sao_Paulo")


def at(text: str) -> dt.datetime:
    """A local São Paulo time, "2026-03-04 10:00"."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SP)


def order(
    number: str,
    customer: Customer,
    service_type: str,
    team: str,
    value: str,
    completed: str | None,
    billed: str | None,
) -> ServiceOrder:
    status = (
        ServiceOrderStatus.BILLED
        if billed
        else ServiceOrderStatus.COMPLETED
        if completed
        else ServiceOrderStatus.OPEN
    )
    return ServiceOrder.objects.create(
        number=number,
        customer=customer,
        service_type=service_type,
        team=team,
        value=Decimal(value),
        completed_at=at(completed) if completed else None,
        billed_at=at(billed) if billed else None,
        status=status,
    )


def nfse(
    number: str,
    issued: str,
    shares: dict[ServiceOrder, str],
    status: str = NfseStatus.ISSUED,
) -> Nfse:
    first = next(iter(shares))
    note = Nfse.objects.create(
        number=number,
        issued_at=at(issued),
        value=sum((Decimal(v) for v in shares.values()), Decimal(0)),
        customer=first.customer,
        status=status,
    )
    for covered, value in shares.items():
        NfseCoverage.objects.create(nfse=note, service_order=covered, value=Decimal(value))
    return note


@dataclass
class March:
    a: Customer
    b: Customer
    orders: dict[str, ServiceOrder]


def march() -> March:
    a = CustomerFactory(name="Alfa Serviços")
    b = CustomerFactory(name="Beta Indústria")
    rows = [  # number, customer, service type, team, value, completed, billed
        ("OS-1", a, "Manutenção", "Norte", "1000.00", "2026-03-02 10:00", "2026-03-03 10:00"),
        ("OS-2", a, "Instalação", "Sul", "500.00", "2026-03-05 12:00", "2026-03-05 18:00"),
        ("OS-3", a, "Manutenção", "Sul", "300.00", "2026-02-20 09:00", "2026-02-21 09:00"),
        ("OS-4", b, "Instalação", "Norte", "200.00", "2026-03-10 08:00", "2026-03-12 08:00"),
        ("OS-5", a, "Manutenção", "Norte", "400.00", "2026-03-20 10:00", "2026-03-21 10:00"),
        ("OS-6", b, "Instalação", "Sul", "100.00", "2026-01-30 10:00", "2026-01-31 10:00"),
        ("OS-7", a, "Manutenção", "Norte", "250.00", "2026-03-25 10:00", "2026-03-25 12:00"),
        ("OS-8", b, "Manutenção", "Sul", "900.00", None, None),
    ]
    o = {row[0]: order(*row) for row in rows}  # type: ignore[arg-type]
    nfse("N-1", "2026-03-04 10:00", {o["OS-1"]: "1000.00", o["OS-3"]: "300.00"})
    nfse("N-2", "2026-03-06 12:00", {o["OS-2"]: "300.00"})
    nfse("N-3", "2026-03-09 12:00", {o["OS-2"]: "200.00"})
    nfse("N-4", "2026-03-11 08:00", {o["OS-4"]: "200.00"})  # before the billing
    nfse("N-5", "2026-02-05 10:00", {o["OS-6"]: "100.00"})  # February
    nfse("N-6", "2026-03-26 10:00", {o["OS-7"]: "250.00"}, status=NfseStatus.CANCELLED)
    for scope_type, customer, days in (
        ("", None, "5"),
        ("Manutenção", None, "10"),
        ("Instalação", a, "0.5"),
    ):
        ExpectedLag.objects.create(
            scope=ExpectedLag.scope_of(scope_type, customer.pk if customer else None),
            service_type=scope_type,
            customer=customer,
            days=Decimal(days),
        )
    return March(a, b, o)
