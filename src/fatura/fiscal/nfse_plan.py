"""Planning an NFS-e upload against the database: for every NFS-e it brings
(:mod:`fatura.fiscal.nfse_rows`), the registered customer and service orders, and whether it is
new, already there as is, or already there with empty fields to fill or a cancellation to
record. Errors are collected, nothing is written here (:mod:`fatura.fiscal.nfse_load` writes).
The rules: docs/nfse-kpi.md ("## Imports").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from fatura.core import clock
from fatura.core.money import format_decimal_br
from fatura.customers.models import Customer
from fatura.fiscal.domain import split_value
from fatura.fiscal.import_rows import RowError, brl
from fatura.fiscal.models import Nfse, NfseCoverage, NfseStatus, ServiceOrder, Source
from fatura.fiscal.nfse_rows import ISSUED, IncomingCancellation, IncomingNfse, Origin

CHUNK = 2000


def status_label(status: str) -> str:
    """An NFS-e status as a message names it ("emitida"), from ``NfseStatus``'s labels."""
    return str(NfseStatus(status).label).lower()


# what the file may fill in when the stored NFS-e has it empty, and how a difference reads
FILLABLE = {
    "access_key": "outra chave de acesso",
    "verification_code": "outro código de verificação",
    "iss_rate": "outra alíquota de ISS",
    "iss_amount": "outro valor de ISS",
    "net_value": "outro valor líquido",
    "service_code": "outro código de serviço",
    "xml": "",  # a re-issued file of the same NFS-e: the stored XML stays
}
COMPARED = {
    "number": "outro número",
    "customer_id": "outro tomador",
    "issued_at": "outra data de emissão",
    "value": "outro valor dos serviços",
}


def chunked(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass
class Cancel:
    status: str
    at: dt.datetime
    origin: Origin
    substitute_number: str = ""
    substitute_key: str | None = None
    substitute: Nfse | None = None
    recorded: bool = False  # already cancelled as said: only the substitute is filled in


@dataclass
class Subject:
    """One NFS-e this upload creates, changes or cancels."""

    nfse: Nfse
    orders: list[ServiceOrder]
    new: bool
    origin: Origin
    incoming: IncomingNfse | None = None  # None: reached only through a cancellation event
    shares: list[Decimal] = field(default_factory=list)
    fills: set[str] = field(default_factory=set)
    cancel: Cancel | None = None


@dataclass
class Known:
    """What the database already holds for this upload, read in a few chunked queries."""

    customers: dict[str, Customer]
    orders: dict[str, ServiceOrder]
    by_number: dict[str, Nfse]
    by_key: dict[str, Nfse]
    covered: dict[int, list[tuple[ServiceOrder, Decimal]]]  # existing NFS-e id -> coverage

    @classmethod
    def read(cls, nfses: list[IncomingNfse], cancellations: list[IncomingCancellation]) -> Known:
        documents = {n.customer_document for n in nfses}
        customers = {
            c.document: c
            for part in chunked(documents)
            for c in Customer.objects.filter(document__in=part)
        }
        order_numbers = {number for n in nfses for number, _ in n.orders}
        orders = {
            o.number: o
            for part in chunked(order_numbers)
            for o in ServiceOrder.objects.select_related("customer", "invoice").filter(
                number__in=part
            )
        }
        numbers = {n.number for n in nfses} | {n.replaced_by for n in nfses if n.replaced_by}
        keys = {n.access_key for n in nfses if n.access_key}
        keys |= {c.access_key for c in cancellations}
        keys |= {c.substitute_key for c in cancellations if c.substitute_key}
        keys |= {n.substitutes_key for n in nfses if n.substitutes_key}
        found: dict[int, Nfse] = {}
        base = Nfse.objects.select_related("customer").select_for_update(of=("self",))
        for part in chunked(numbers):
            found.update({n.pk: n for n in base.filter(number__in=part)})
        for part in chunked(keys):
            found.update({n.pk: n for n in base.filter(access_key__in=part)})
        covered: dict[int, list[tuple[ServiceOrder, Decimal]]] = {pk: [] for pk in found}
        for part in chunked(found):
            for coverage in NfseCoverage.objects.select_related(
                "service_order__customer", "service_order__invoice"
            ).filter(nfse_id__in=part):
                covered[coverage.nfse_id].append((coverage.service_order, coverage.value))
        return cls(
            customers=customers,
            orders=orders,
            by_number={n.number: n for n in found.values()},
            by_key={n.access_key: n for n in found.values() if n.access_key},
            covered=covered,
        )


def duplicates(
    nfses: list[IncomingNfse], cancellations: list[IncomingCancellation]
) -> list[RowError]:
    """The same NFS-e (number or key) twice in one upload, or two cancellations of one."""
    errors = []
    seen: dict[tuple[str, str], Origin] = {}
    for nfse in nfses:
        for kind, value in (("number", nfse.number), ("access_key", nfse.access_key)):
            if not value:
                continue
            first = seen.setdefault((kind, value), nfse.origin)
            if first is not nfse.origin:
                errors.append(
                    nfse.origin.error(
                        kind, f"NFS-e {nfse.number} repetida neste envio ({first.where()})."
                    )
                )
    cancelled: dict[str, Origin] = {}
    for cancellation in cancellations:
        first = cancelled.setdefault(cancellation.access_key, cancellation.origin)
        if first is not cancellation.origin:
            errors.append(
                cancellation.origin.error(
                    "access_key",
                    f"Outro cancelamento da mesma NFS-e neste envio ({first.where()}).",
                )
            )
    return errors


def plan(incoming: IncomingNfse, known: Known, errors: list[RowError]) -> Subject | None:
    """The NFS-e to create (or the existing one, unchanged or with empty fields filled and a
    cancellation), or None after adding its errors."""
    origin, count = incoming.origin, len(errors)
    customer = known.customers.get(incoming.customer_document)
    if customer is None:
        errors.append(
            origin.error(
                "customer_document",
                f"Tomador {incoming.customer_document} não cadastrado como cliente.",
            )
        )
    orders = []
    for number, _ in incoming.orders:
        order = known.orders.get(number)
        if order is None:
            errors.append(origin.error("service_order_numbers", f"OS {number} não cadastrada."))
        elif customer is not None and order.customer_id != customer.pk:
            errors.append(
                origin.error(
                    "service_order_numbers",
                    f"OS {number} é do cliente {order.customer.name}, não do tomador da NFS-e.",
                )
            )
        else:
            orders.append(order)
    explicit = [share for _, share in incoming.orders if share is not None]
    if explicit and sum(explicit) != incoming.value:
        errors.append(
            origin.error(
                "service_order_numbers",
                f"As parcelas somam {brl(sum(explicit, Decimal(0)))}, mas a NFS-e vale "
                f"{brl(incoming.value)}.",
            )
        )
    existing = _match(incoming, known, errors)
    if len(errors) > count or customer is None:
        return None
    shares = explicit or split_value(incoming.value, [o.value for o in orders])
    if existing is not None:
        return _compare(incoming, existing, customer, orders, known, errors)
    nfse = Nfse(
        number=incoming.number,
        access_key=incoming.access_key,
        verification_code=incoming.verification_code,
        issued_at=incoming.issued_at,
        value=incoming.value,
        iss_rate=incoming.iss_rate,
        iss_amount=incoming.iss_amount,
        net_value=incoming.net_value,
        service_code=incoming.service_code,
        customer=customer,
        status=NfseStatus.ISSUED,
        source=Source.IMPORT,
        xml=incoming.xml,
    )
    subject = Subject(
        nfse=nfse, orders=orders, new=True, origin=origin, incoming=incoming, shares=shares
    )
    if incoming.status not in (None, ISSUED):
        subject.cancel = _csv_cancel(incoming)
    return subject


def _csv_cancel(incoming: IncomingNfse) -> Cancel:
    # the issuer's CSV does not say when it was cancelled unless cancelled_at is given: the
    # import time stands in (docs/nfse-kpi.md)
    return Cancel(
        status=str(incoming.status),
        at=incoming.cancelled_at or clock.now(),
        origin=incoming.origin,
        substitute_number=incoming.replaced_by,
    )


def _match(incoming: IncomingNfse, known: Known, errors: list[RowError]) -> Nfse | None:
    by_number = known.by_number.get(incoming.number)
    by_key = known.by_key.get(incoming.access_key) if incoming.access_key else None
    if by_number and by_key and by_number.pk != by_key.pk:
        errors.append(
            incoming.origin.error(
                "number",
                f"O número {incoming.number} é de uma NFS-e cadastrada e a chave de acesso é "
                f"de outra (NFS-e {by_key.number}).",
            )
        )
        return None
    return by_number or by_key


def _compare(
    incoming: IncomingNfse,
    nfse: Nfse,
    customer: Customer,
    orders: list[ServiceOrder],
    known: Known,
    errors: list[RowError],
) -> Subject | None:
    origin, count = incoming.origin, len(errors)
    given = {"customer_id": customer.pk}
    for name, label in COMPARED.items():
        stored, new = getattr(nfse, name), given.get(name, getattr(incoming, name, None))
        if stored != new:
            shown = str(nfse.customer) if name == "customer_id" else _shown(stored)
            reported = "customer_document" if name == "customer_id" else name
            errors.append(
                origin.error(reported, f"A NFS-e {nfse.number} já existe com {label}: {shown}.")
            )
    fills = set()
    for name, label in FILLABLE.items():
        new, stored = getattr(incoming, name), getattr(nfse, name)
        if new in (None, ""):
            continue
        if stored in (None, ""):
            fills.add(name)
        elif stored != new and label:
            shown = f"{format_decimal_br(stored, 2)}%" if name == "iss_rate" else _shown(stored)
            errors.append(
                origin.error(name, f"A NFS-e {nfse.number} já existe com {label}: {shown}.")
            )
    stored_cover = {order.pk: share for order, share in known.covered[nfse.pk]}
    explicit = [share for _, share in incoming.orders if share is not None]
    if set(stored_cover) != {o.pk for o in orders} or (
        explicit and [stored_cover.get(o.pk) for o in orders] != explicit
    ):
        current = "; ".join(f"{o.number}={share}" for o, share in known.covered[nfse.pk])
        errors.append(
            origin.error(
                "service_order_numbers",
                f"A NFS-e {nfse.number} já existe cobrindo outras OS ou parcelas: {current}.",
            )
        )
    subject = Subject(
        nfse=nfse,
        orders=[o for o, _ in known.covered[nfse.pk]],
        new=False,
        origin=origin,
        incoming=incoming,
        fills=fills,
    )
    if incoming.status is not None:
        _csv_status(incoming, subject, errors)
    return subject if len(errors) == count else None


def _csv_status(incoming: IncomingNfse, subject: Subject, errors: list[RowError]) -> None:
    nfse, status = subject.nfse, str(incoming.status)
    if status == nfse.status:
        if incoming.cancelled_at and nfse.cancelled_at != incoming.cancelled_at:
            errors.append(
                incoming.origin.error(
                    "cancelled_at",
                    f"A NFS-e {nfse.number} já foi cancelada em outra data: "
                    f"{_shown(nfse.cancelled_at)}.",
                )
            )
        if incoming.replaced_by and nfse.replaced_by_id is None:
            subject.cancel = _csv_cancel(incoming)
            subject.cancel.recorded = True
        return
    if nfse.status == ISSUED:
        subject.cancel = _csv_cancel(incoming)
        return
    errors.append(
        incoming.origin.error(
            "status",
            f"A NFS-e {nfse.number} está {status_label(nfse.status)} no sistema; o arquivo a "
            f"traz como {status_label(status)}.",
        )
    )


def _shown(value: Any) -> str:
    if isinstance(value, Decimal):
        return brl(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M:%S")
    return str(value) if value not in (None, "") else "vazio"
