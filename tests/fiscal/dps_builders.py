"""Fiscal rows for the DPS tests, made directly through the ORM; invoices through the
receivables services; helpers to read a DPS back and to validate it against the official
XSD copy in ../shared."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

from fatura.customers.models import Customer
from fatura.fiscal.dps import NAMESPACE
from fatura.fiscal.models import (
    Nfse,
    NfseCoverage,
    ServiceOrder,
    ServiceOrderStatus,
    ServiceType,
)
from fatura.receivables import services
from fatura.receivables.models import Invoice

SP = ZoneInfo("America/Sao_Paulo")
OFFICIAL_XSD = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / "nfse"
    / "xsd-1.01"
    / "DPS_v1.01.xsd"
)
NS = {"n": NAMESPACE}


def service_type(name: str, national: str, municipal: str = "", rate: str = "2.90") -> ServiceType:
    return ServiceType.objects.create(
        name=name,
        national_code=national,
        municipal_code=municipal,
        iss_rate=Decimal(rate),
        description=f"{name}: serviço conforme contrato",
    )


def billed_order(
    number: str, customer: Customer, kind: str, value: str, invoice: Invoice | None = None
) -> ServiceOrder:
    done = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SP)
    return ServiceOrder.objects.create(
        number=number,
        customer=customer,
        service_type=kind,
        team="Equipe A",
        value=Decimal(value),
        status=ServiceOrderStatus.BILLED,
        completed_at=done,
        billed_at=done,
        invoice=invoice,
    )


def invoice(by: Any, customer: Customer, *, amount: str, kind: str = "simple") -> Invoice:
    return services.invoice_create(
        by=by,
        customer=customer,
        kind=kind,
        issue_date=dt.date(2026, 3, 10),
        payment_terms="NET30",
        lines=[
            {"description": "Desenvolvimento de sistemas", "quantity": "1", "unit_price": amount}
        ],
    )


def nfse(number: str, customer: Customer, shares: dict[ServiceOrder, str], **fields: Any) -> Nfse:
    note = Nfse.objects.create(
        number=number,
        customer=customer,
        issued_at=dt.datetime(2026, 4, 2, 15, 30, tzinfo=dt.UTC),
        value=sum((Decimal(v) for v in shares.values()), Decimal(0)),
        **fields,
    )
    for order, value in shares.items():
        NfseCoverage.objects.create(nfse=note, service_order=order, value=Decimal(value))
    return note


def read(xml: bytes) -> Any:
    return etree.fromstring(xml)


def text(root: Any, path: str) -> str | None:
    """The text at ``path`` (element names without prefix, joined by /) under infDPS."""
    found = root.find("n:infDPS/" + "/".join(f"n:{p}" for p in path.split("/")), NS)
    return None if found is None else str(found.text)


def official_errors(xml: bytes) -> list[str]:
    schema = etree.XMLSchema(etree.parse(str(OFFICIAL_XSD)))
    schema.validate(etree.fromstring(xml))
    return [entry.message for entry in schema.error_log]
