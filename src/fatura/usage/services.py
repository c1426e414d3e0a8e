from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from fatura.catalog.models import BillingItem, ItemSource, PriceVersion
from fatura.catalog.selectors import prices_in_force
from fatura.catalog.services import billing_item_create, refuse_if_month_billed
from fatura.core import clock
from fatura.core.bulk import instances_insert
from fatura.core.errors import Forbidden, InvalidInput, RuleViolation
from fatura.core.money import parse_decimal
from fatura.core.months import Month
from fatura.core.roles import Capability, can, require
from fatura.core.users import User
from fatura.customers.models import Customer
from fatura.eventlog import activities
from fatura.eventlog.services import NewEvent, event_record, events_record_many
from fatura.usage.domain import RowError, VolumeRow, decode, parse_volume_file
from fatura.usage.events import charge_case_id
from fatura.usage.models import ClosedMonth, Consumption, ConsumptionSource, VolumeImport
from fatura.usage.selectors import closed_month


def parse_quantity(value: Any) -> Decimal:
    try:
        quantity = parse_decimal(value)
    except InvalidOperation:
        quantity = None
    if quantity is None or not quantity.is_finite():
        raise InvalidInput(
            f"Quantidade inválida: {value!r}.",
            errors=[{"field": "quantity", "message": "informe um número, ex.: 12.5"}],
        )
    if quantity < 0 or quantity >= Decimal("1e12"):
        raise InvalidInput(
            "A quantidade deve ser um número não negativo.",
            errors=[{"field": "quantity", "message": "fora do intervalo"}],
        )
    if quantity != quantity.quantize(Decimal("0.000001")):
        raise InvalidInput(
            "A quantidade aceita no máximo 6 casas decimais.",
            errors=[{"field": "quantity", "message": "mais de 6 casas decimais"}],
        )
    return quantity


def _lock_customers(customer_ids: Any) -> None:
    """Take the customer row locks that ``charge_finalize`` takes (in id order, so two
    writers never deadlock): a consumption can't slip in while its month is being finalized."""
    list(
        Customer.objects.select_for_update()
        .filter(pk__in=sorted(set(customer_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _refuse_if_finalized(customer: Customer, month: Month) -> None:
    closed = closed_month(customer.pk, month)
    if closed is not None:
        raise RuleViolation(
            f"A cobrança de {customer.name} em {month.label_pt()} já foi finalizada "
            f"(fatura {closed.invoice_number}); o mês não aceita mais lançamentos."
        )


@dataclass(frozen=True)
class MonthClosing:
    """A customer's month that billing closes, with the invoice it was billed on."""

    customer_id: int
    month: Month
    invoice_number: str


def months_close(*, closings: list[MonthClosing], now: dt.datetime) -> None:
    """Close customers' months for consumption (billing, when it finalizes their charges,
    inside its transaction): consumption there is refused from then on."""
    instances_insert(  # COPY on PostgreSQL: a billing run closes 20,000 at once
        [
            ClosedMonth(
                customer_id=c.customer_id,
                month=c.month.first_day,
                invoice_number=c.invoice_number,
                closed_at=now,
            )
            for c in closings
        ]
    )


def _consumption_event(
    consumption: Consumption, *, activity: str, by: User, automated: bool = False
) -> NewEvent:
    return NewEvent(
        case_id=charge_case_id(consumption.customer.document, consumption.period),
        activity=activity,
        user=by,
        is_automated=automated,
        attributes={
            "customer": consumption.customer.name,
            "customer_document": consumption.customer.document,
            "month": str(consumption.period),
            "item": consumption.billing_item.name,
            "quantity": consumption.quantity,
            "source": consumption.source,
        },
    )


def consumption_record(
    *, by: User, customer: Customer, month: Month, billing_item: BillingItem, quantity: Any
) -> Consumption:
    (consumption,) = consumptions_record(
        by=by,
        customer=customer,
        month=month,
        entries=[ConsumptionEntry(billing_item=billing_item, quantity=quantity)],
    )
    return consumption


@dataclass(frozen=True)
class ConsumptionEntry:
    """One line of a customer's month: an item and its quantity (as typed)."""

    billing_item: BillingItem
    quantity: Any


def consumptions_record(
    *, by: User, customer: Customer, month: Month, entries: list[ConsumptionEntry]
) -> list[Consumption]:
    """Record a customer's consumption entries for one month at once (one entry is
    ``consumption_record``): one customer lock, one closed-month check, one price read, one
    insert and one append of their events; any bad entry means none is recorded."""
    by = require(by, Capability.RECORD_CONSUMPTION)
    amounts = [parse_quantity(e.quantity) for e in entries]
    with transaction.atomic():
        _lock_customers([customer.pk])
        _refuse_if_finalized(customer, month)
        prices_in_force(list({e.billing_item.pk: e.billing_item for e in entries}.values()), month)
        now = clock.now()
        consumptions = Consumption.objects.bulk_create(
            Consumption(
                customer=customer,
                month=month.first_day,
                billing_item=e.billing_item,
                quantity=amount,
                source=ConsumptionSource.MANUAL,
                recorded_by=by,
                recorded_at=now,
            )
            for e, amount in zip(entries, amounts, strict=True)
        )
        events_record_many(
            _consumption_event(c, activity=activities.CONSUMPTION_RECORDED, by=by)
            for c in consumptions
        )
    return consumptions


def consumption_delete(*, by: User, consumption: Consumption) -> None:
    require(by, Capability.RECORD_CONSUMPTION)
    if consumption.source == ConsumptionSource.VOLUMETRIA:
        raise RuleViolation("Lançamentos vindos de arquivo de volumetria não podem ser excluídos.")
    with transaction.atomic():
        _lock_customers([consumption.customer_id])
        _refuse_if_finalized(consumption.customer, consumption.period)
        new = _consumption_event(consumption, activity=activities.CONSUMPTION_DELETED, by=by)
        consumption.delete()
        event_record(**new.__dict__)


# --- volume file ("arquivo de volumetria") -------------------------------------------------


def _errors_to_invalid(errors: list[RowError], filename: str) -> InvalidInput:
    lines = sorted({e.line for e in errors})
    shown = ", ".join(map(str, lines[:20])) + ("…" if len(lines) > 20 else "")
    return InvalidInput(
        f"O arquivo {filename} tem {len(errors)} erro(s) nas linhas {shown}; nada foi importado.",
        errors=[e.as_dict() for e in errors],
    )


def _resolve(
    rows: list[VolumeRow],
) -> tuple[dict[str, Customer], dict[str, BillingItem], list[RowError], list[VolumeRow]]:
    """Check every row against the database; returns customers, known items, errors and the
    rows whose item is new (to be created from the file)."""
    documents = {r.customer_document for r in rows}
    customers = {c.document: c for c in Customer.objects.filter(document__in=documents)}
    _lock_customers(c.pk for c in customers.values())
    names = {r.item.lower() for r in rows}
    items = {
        i.name.lower(): i
        for i in BillingItem.objects.prefetch_related("prices").filter(
            name__in={r.item for r in rows}
        )
    }
    if len(items) < len(names):  # names differing only in case
        for candidate in BillingItem.objects.prefetch_related("prices").all():
            if candidate.name.lower() in names:
                items.setdefault(candidate.name.lower(), candidate)
    finalized = _finalized_pairs(rows, customers)
    errors: list[RowError] = []
    new_item_rows: list[VolumeRow] = []
    for row in rows:
        customer = customers.get(row.customer_document)
        if customer is None:
            errors.append(
                RowError(
                    row.line,
                    "customer_document",
                    f"Cliente {row.customer_document} não cadastrado.",
                )
            )
        elif (customer.pk, row.month) in finalized:
            errors.append(
                RowError(
                    row.line, "month", f"Cobrança de {row.month} já finalizada para este cliente."
                )
            )
        item = items.get(row.item.lower())
        if item is None:
            if row.unit_price is None:
                errors.append(
                    RowError(row.line, "unit_price", "Item novo: informe o preço unitário.")
                )
            else:
                errors.extend(_new_item_errors(row, new_item_rows))
                new_item_rows.append(row)
            continue
        if item.product != row.product or item.unit != row.unit:
            errors.append(
                RowError(
                    row.line,
                    "item",
                    f"O item {item.name} já existe com produto {item.product!r} e unidade "
                    f"{item.unit!r}.",
                )
            )
            continue
        errors.extend(_price_errors(row, item))
    return customers, items, errors, new_item_rows


def _new_item_errors(row: VolumeRow, earlier: list[VolumeRow]) -> list[RowError]:
    """A new item is created from its first row; later rows must agree on product and unit."""
    first = next((r for r in earlier if r.item.lower() == row.item.lower()), None)
    if first is None or (first.product, first.unit) == (row.product, row.unit):
        return []
    return [
        RowError(
            row.line,
            "item",
            f"O item novo {first.item} aparece na linha {first.line} com produto "
            f"{first.product!r} e unidade {first.unit!r}.",
        )
    ]


def _price_errors(row: VolumeRow, item: BillingItem) -> list[RowError]:
    versions = sorted(item.prices.all(), key=lambda v: v.valid_from)
    in_force = [v for v in versions if v.valid_from <= row.month.first_day]
    if not in_force:
        if row.unit_price is None or item.source != ItemSource.VOLUMETRIA:
            return [
                RowError(
                    row.line,
                    "unit_price",
                    f"O item {item.name} não tem preço vigente em {row.month}.",
                )
            ]
        return []
    current = in_force[-1]
    if row.unit_price is not None and row.unit_price != current.unit_price:
        if item.source == ItemSource.VOLUMETRIA:
            return []  # the file sets a new price for its items (added from that month)
        return [
            RowError(
                row.line,
                "unit_price",
                f"Preço {row.unit_price} difere do preço vigente do item {item.name} "
                f"({current.unit_price}); altere o preço no cadastro do item.",
            )
        ]
    return []


def _finalized_pairs(
    rows: list[VolumeRow], customers: dict[str, Customer]
) -> set[tuple[int, Month]]:
    months = {r.month.first_day for r in rows}
    pairs = ClosedMonth.objects.filter(
        customer__in=customers.values(), month__in=months
    ).values_list("customer_id", "month")
    return {(customer_id, Month.of(month)) for customer_id, month in pairs}


def volume_file_import(*, by: User, filename: str, data: bytes) -> VolumeImport:
    """Import a volume file: every row is checked first, and any bad row means nothing is
    written (422 with every bad row and field). Unknown items are created (from volumetria)."""
    by = require(by, Capability.RECORD_CONSUMPTION)
    rows, errors = parse_volume_file(decode(data))
    if errors:
        raise _errors_to_invalid(errors, filename)
    with transaction.atomic():
        customers, items, errors, new_item_rows = _resolve(rows)
        if errors:
            raise _errors_to_invalid(errors, filename)
        new_names = sorted({r.item for r in new_item_rows}, key=str.lower)
        if new_names and not can(by, Capability.MANAGE_CATALOG):
            raise Forbidden(
                "O arquivo cria itens de cobrança novos ("
                + ", ".join(new_names)
                + "); somente o perfil Financeiro pode importá-lo."
            )
        created = _create_items(by, new_item_rows, items)
        _add_file_prices(by, rows, items)
        now = clock.now()
        batch = VolumeImport.objects.create(
            filename=filename[:255],
            rows=len(rows),
            items_created=created,
            imported_by=by,
            imported_at=now,
        )
        entries = [
            Consumption(
                customer=customers[r.customer_document],
                month=r.month.first_day,
                billing_item=items[r.item.lower()],
                quantity=r.quantity,
                source=ConsumptionSource.VOLUMETRIA,
                volume_import=batch,
                recorded_by=by,
                recorded_at=now,
            )
            for r in rows
        ]
        Consumption.objects.bulk_create(entries, batch_size=5000)
        events_record_many(
            _consumption_event(e, activity=activities.CONSUMPTION_RECORDED, by=by, automated=True)
            for e in entries
        )
        event_record(
            case_id=f"volume-import:{batch.pk}",
            activity=activities.VOLUME_FILE_IMPORTED,
            user=by,
            attributes={"filename": batch.filename, "rows": len(rows), "items_created": created},
        )
    return batch


def _create_items(by: User, rows: list[VolumeRow], items: dict[str, BillingItem]) -> int:
    created = 0
    for row in sorted(rows, key=lambda r: (r.item.lower(), r.month)):
        key = row.item.lower()
        if key in items:
            continue
        items[key] = billing_item_create(
            by=by,
            name=row.item,
            product=row.product,
            unit=row.unit,
            unit_price=row.unit_price,
            valid_from=row.month,
            source=ItemSource.VOLUMETRIA,
        )
        created += 1
    return created


def _add_file_prices(by: User, rows: list[VolumeRow], items: dict[str, BillingItem]) -> None:
    """Volumetria items take their price from the file: a row whose price differs from the
    version in force adds a version from the row's month."""
    for row in sorted(rows, key=lambda r: r.month):
        item = items[row.item.lower()]
        if item.source != ItemSource.VOLUMETRIA or row.unit_price is None:
            continue
        versions = sorted(PriceVersion.objects.filter(item=item), key=lambda v: v.valid_from)
        in_force = [v for v in versions if v.valid_from <= row.month.first_day]
        if in_force and in_force[-1].unit_price == row.unit_price:
            continue
        if not can(by, Capability.MANAGE_CATALOG):
            raise Forbidden(
                f"Linha {row.line}: o arquivo muda o preço do item {item.name} a partir de "
                f"{row.month}; somente o perfil Financeiro pode importá-lo."
            )
        try:
            refuse_if_month_billed(item, row.month)
        except RuleViolation as exc:
            raise InvalidInput(
                f"Linha {row.line}: {exc.message}",
                errors=[RowError(row.line, "unit_price", exc.message).as_dict()],
            ) from None
        if any(v.valid_from == row.month.first_day for v in versions):
            raise InvalidInput(
                f"Linha {row.line}: o item {item.name} tem dois preços para {row.month}.",
                errors=[RowError(row.line, "unit_price", "preço diferente no mesmo mês").as_dict()],
            )
        PriceVersion.objects.create(
            item=item, unit_price=row.unit_price, valid_from=row.month.first_day
        )
        event_record(
            case_id=f"item:{item.pk}",
            activity=activities.PRICE_VERSION_ADDED,
            user=by,
            is_automated=True,
            attributes={
                "item": item.name,
                "unit_price": row.unit_price,
                "valid_from": str(row.month),
            },
        )
