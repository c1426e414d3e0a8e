"""Writes of the fiscal app one record at a time: service orders typed in or created from
Fatura's invoices, and the expected-lag settings. Bulk imports: :mod:`fatura.fiscal.imports`.
Every state change writes its event in the same transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from fatura.core import clock
from fatura.core.bounds import fit_decimal
from fatura.core.errors import InvalidInput, RuleViolation
from fatura.core.money import parse_decimal
from fatura.core.roles import Capability, require
from fatura.core.users import User
from fatura.customers.models import Customer
from fatura.eventlog.services import NewEvent, event_record
from fatura.fiscal import events
from fatura.fiscal.models import ExpectedLag, ServiceOrder, ServiceOrderStatus, Source
from fatura.receivables.models import Invoice

MAX_EXPECTED_DAYS = Decimal(3650)


def _record(new: NewEvent) -> None:
    event_record(
        case_id=new.case_id,
        activity=new.activity,
        user=new.user,
        timestamp=new.timestamp,
        attributes=new.attributes,
    )


def _field_error(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": field, "message": message}])


def _value(raw: Any) -> Decimal:
    try:
        value = parse_decimal(raw) if not isinstance(raw, Decimal) else raw
    except (InvalidInput, InvalidOperation, ValueError):
        raise _field_error("value", "Informe o valor, ex.: 1.234,56.") from None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise _field_error("value", "O valor deve ser positivo, com até 2 casas decimais.")
    try:  # the column: DecimalField(max_digits=14, decimal_places=2)
        fit_decimal(value, max_digits=14, places=2)
    except ValueError as exc:
        raise _field_error("value", f"Valor fora do limite: {exc}.") from None
    return value


def service_order_create(
    *,
    by: User,
    number: str,
    customer: Customer,
    service_type: str,
    team: str,
    value: Any,
    completed_at: dt.datetime | None = None,
) -> ServiceOrder:
    require(by, Capability.RECORD_SERVICE_ORDERS)
    number, service_type, team = number.strip(), service_type.strip(), team.strip()
    for field, text in (("number", number), ("service_type", service_type), ("team", team)):
        if not text:
            raise _field_error(field, "Campo obrigatório.")
    amount = _value(value)
    with transaction.atomic():
        if ServiceOrder.objects.filter(number=number).exists():
            raise RuleViolation(f"A ordem de serviço {number} já existe.")
        order = ServiceOrder.objects.create(
            number=number,
            customer=customer,
            service_type=service_type,
            team=team,
            value=amount,
            source=Source.FATURA,
        )
        if completed_at is not None:
            _complete(order, by, completed_at)
    return order


def _complete(order: ServiceOrder, by: User, at: dt.datetime) -> None:
    if at > clock.now():
        raise _field_error("completed_at", "A conclusão não pode estar no futuro.")
    order.completed_at = at
    order.status = ServiceOrderStatus.COMPLETED
    order.save(update_fields=["completed_at", "status"])
    _record(events.order_completed(order, by=by))


def _locked(order: ServiceOrder) -> ServiceOrder:
    return ServiceOrder.objects.select_for_update().select_related("customer").get(pk=order.pk)


def service_order_complete(
    *, by: User, order: ServiceOrder, completed_at: dt.datetime | None = None
) -> ServiceOrder:
    require(by, Capability.RECORD_SERVICE_ORDERS)
    with transaction.atomic():
        order = _locked(order)
        if order.status != ServiceOrderStatus.OPEN:
            raise RuleViolation(
                f"A ordem de serviço {order.number} está {order.get_status_display().lower()}; "
                "só uma ordem aberta pode ser concluída."
            )
        _complete(order, by, completed_at or clock.now())
    return order


def service_order_bill(
    *,
    by: User,
    order: ServiceOrder,
    invoice: Invoice | None = None,
    billed_at: dt.datetime | None = None,
) -> ServiceOrder:
    """Bill a completed order, on a Fatura invoice when given (its case becomes the invoice's
    number from then on)."""
    require(by, Capability.RECORD_SERVICE_ORDERS)
    with transaction.atomic():
        order = _locked(order)
        if order.status != ServiceOrderStatus.COMPLETED:
            raise RuleViolation(
                f"A ordem de serviço {order.number} está {order.get_status_display().lower()}; "
                "só uma ordem concluída pode ser faturada."
            )
        at = billed_at or clock.now()
        assert order.completed_at is not None
        if at < order.completed_at:
            raise _field_error("billed_at", "O faturamento não pode ser anterior à conclusão.")
        if invoice is not None and invoice.customer_id != order.customer_id:
            raise RuleViolation(
                f"A fatura {invoice.number} é de outro cliente que a ordem {order.number}."
            )
        order.billed_at, order.invoice = at, invoice
        order.status = ServiceOrderStatus.BILLED
        order.save(update_fields=["billed_at", "invoice", "status"])
        _record(events.order_billed(order, by=by))
    return order


def service_order_cancel(*, by: User, order: ServiceOrder) -> ServiceOrder:
    require(by, Capability.RECORD_SERVICE_ORDERS)
    with transaction.atomic():
        order = _locked(order)
        if order.status in (ServiceOrderStatus.BILLED, ServiceOrderStatus.CANCELLED):
            raise RuleViolation(
                f"A ordem de serviço {order.number} está {order.get_status_display().lower()} "
                "e não pode ser cancelada."
            )
        if order.coverages.exists():
            raise RuleViolation(f"A ordem de serviço {order.number} já tem NFS-e.")
        order.status = ServiceOrderStatus.CANCELLED
        order.save(update_fields=["status"])
    return order


def expected_lag_set(
    *, by: User, days: Any, service_type: str = "", customer: Customer | None = None
) -> ExpectedLag:
    """Set the expected days from completion to NFS-e: global, per service type, per customer
    or per customer and service type (the most specific applies)."""
    require(by, Capability.MANAGE_FISCAL)
    try:
        value = parse_decimal(days) if not isinstance(days, Decimal) else days
    except (InvalidInput, InvalidOperation, ValueError):
        raise _field_error("days", "Informe os dias, ex.: 5 ou 2,5.") from None
    if not Decimal(0) <= value <= MAX_EXPECTED_DAYS or value != value.quantize(Decimal("0.01")):
        raise _field_error("days", "Os dias devem estar entre 0 e 3650, com até 2 casas.")
    service_type = service_type.strip()
    scope = ExpectedLag.scope_of(service_type, customer.pk if customer else None)
    with transaction.atomic():
        lag, _ = ExpectedLag.objects.select_for_update().update_or_create(
            scope=scope,
            defaults={"days": value, "service_type": service_type, "customer": customer},
        )
    return lag


def expected_lag_delete(*, by: User, lag: ExpectedLag) -> None:
    require(by, Capability.MANAGE_FISCAL)
    lag.delete()
