from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from fatura.catalog.models import BillingItem, ItemSource, PriceVersion
from fatura.catalog.uses import item_uses, versions_used
from fatura.core.errors import InvalidInput, RuleViolation
from fatura.core.money import parse_decimal
from fatura.core.months import Month
from fatura.core.roles import Capability, require
from fatura.core.users import User
from fatura.eventlog import activities
from fatura.eventlog.services import event_record


def item_case_id(item: BillingItem) -> str:
    return f"item:{item.pk}"


def parse_unit_price(value: Any, *, field: str = "unit_price") -> Decimal:
    try:
        price = parse_decimal(value)
    except InvalidOperation:
        price = None
    if price is None or not price.is_finite():
        raise InvalidInput(
            f"Preço unitário inválido: {value!r}.",
            errors=[{"field": field, "message": "informe um número, ex.: 12,50"}],
        )
    if price < 0:
        raise InvalidInput(
            "O preço unitário não pode ser negativo.",
            errors=[{"field": field, "message": "negativo"}],
        )
    if abs(price) >= Decimal("1e10"):
        raise InvalidInput(
            "Preço unitário grande demais.", errors=[{"field": field, "message": "grande demais"}]
        )
    if price != price.quantize(Decimal("0.0001")):
        raise InvalidInput(
            "O preço unitário aceita no máximo 4 casas decimais.",
            errors=[{"field": field, "message": "mais de 4 casas decimais"}],
        )
    return price


def _check_text(errors: list[dict[str, str]], field: str, value: str, label: str) -> None:
    if not value or not value.strip():
        errors.append({"field": field, "message": f"Informe {label}."})


def billing_item_create(
    *,
    by: User,
    name: str,
    product: str,
    unit: str,
    unit_price: Any,
    valid_from: Month,
    source: str = ItemSource.MANUAL,
) -> BillingItem:
    if source == ItemSource.MANUAL:
        require(by, Capability.MANAGE_CATALOG)
    errors: list[dict[str, str]] = []
    _check_text(errors, "name", name, "o nome do item")
    _check_text(errors, "product", product, "o produto")
    _check_text(errors, "unit", unit, "a unidade de medida")
    if errors:
        raise InvalidInput("; ".join(e["message"] for e in errors), errors=errors)
    price = parse_unit_price(unit_price)
    with transaction.atomic():
        if BillingItem.objects.filter(name__iexact=name.strip()).exists():
            raise RuleViolation(f"Já existe um item de cobrança chamado {name.strip()!r}.")
        item = BillingItem.objects.create(
            name=name.strip(), product=product.strip(), unit=unit.strip(), source=source
        )
        PriceVersion.objects.create(item=item, unit_price=price, valid_from=valid_from.first_day)
        event_record(
            case_id=item_case_id(item),
            activity=activities.BILLING_ITEM_CREATED,
            user=by,
            is_automated=source == ItemSource.VOLUMETRIA,
            attributes={
                "item": item.name,
                "product": item.product,
                "unit": item.unit,
                "unit_price": price,
                "valid_from": str(valid_from),
                "source": source,
            },
        )
    return item


def price_version_add(
    *, by: User, item: BillingItem, unit_price: Any, valid_from: Month
) -> PriceVersion:
    require(by, Capability.MANAGE_CATALOG)
    price = parse_unit_price(unit_price)
    with transaction.atomic():
        if item.prices.filter(valid_from=valid_from.first_day).exists():
            raise RuleViolation(
                f"O item {item.name} já tem um preço a partir de {valid_from.label_pt()}; "
                "remova-o antes de cadastrar outro para o mesmo mês."
            )
        refuse_if_month_billed(item, valid_from)
        version = PriceVersion.objects.create(
            item=item, unit_price=price, valid_from=valid_from.first_day
        )
        event_record(
            case_id=item_case_id(item),
            activity=activities.PRICE_VERSION_ADDED,
            user=by,
            attributes={"item": item.name, "unit_price": price, "valid_from": str(valid_from)},
        )
    return version


def refuse_if_month_billed(item: BillingItem, valid_from: Month) -> None:
    """A new price must not change what an already finalized charge used (also checked by the
    volume file import, which adds prices too)."""
    found = [use.last_billed(item, valid_from.first_day) for use in item_uses() if use.last_billed]
    billed = max((month for month in found if month is not None), default=None)
    if billed is not None:
        raise RuleViolation(
            f"O item {item.name} já foi cobrado em {Month.of(billed).label_pt()} (cobrança "
            f"finalizada); um novo preço só pode valer a partir de {Month.of(billed).next()}."
        )


def _refuse_delete_reason(item: BillingItem) -> str | None:
    if item.source == ItemSource.VOLUMETRIA:
        return f"O item {item.name} veio de um arquivo de volumetria e não pode ser excluído."
    for use in item_uses():
        reason = use.refuses_delete(item)
        if reason is not None:
            return reason
    return None


def _refuse_if_version_used(item: BillingItem, version: PriceVersion, verb: str) -> None:
    """The manual's rule: a price version may be removed or replaced as long as no finalized
    charge used it (docs/decisions/0025)."""
    if version.pk in versions_used([version]):
        raise RuleViolation(
            f"O preço de {version.month.label_pt()} do item {item.name} foi usado em uma "
            f"cobrança finalizada e não pode ser {verb}; cadastre um preço novo a partir de um "
            "mês ainda não faturado."
        )


def price_version_delete(*, by: User, item: BillingItem, version: PriceVersion) -> bool:
    """Remove one price version (refused when a finalized charge used it); removing the last
    one deletes the item, which the item's own rules may refuse. Returns True when the item
    itself was deleted."""
    require(by, Capability.MANAGE_CATALOG)
    with transaction.atomic():
        if PriceVersion.objects.filter(item=item).exclude(pk=version.pk).exists():
            _refuse_if_version_used(item, version, "removido")
        else:
            reason = _refuse_delete_reason(item)
            if reason:
                raise RuleViolation(reason)
        case_id = item_case_id(item)
        month = version.month
        version.delete()
        event_record(
            case_id=case_id,
            activity=activities.PRICE_VERSION_REMOVED,
            user=by,
            attributes={"item": item.name, "valid_from": str(month)},
        )
        # Ask the table, not ``item.prices``: a selector may have prefetched the prices, and
        # the prefetched list still holds the version just deleted.
        if PriceVersion.objects.filter(item=item).exists():
            return False
        name = item.name
        item.delete()
        event_record(
            case_id=case_id,
            activity=activities.BILLING_ITEM_DELETED,
            user=by,
            attributes={"item": name},
        )
        return True


def price_version_replace(
    *, by: User, item: BillingItem, version: PriceVersion, unit_price: Any
) -> PriceVersion:
    """Correct the price of a version no finalized charge used (same month, new price)."""
    require(by, Capability.MANAGE_CATALOG)
    price = parse_unit_price(unit_price)
    with transaction.atomic():
        _refuse_if_version_used(item, version, "substituído")
        previous = version.unit_price
        version.unit_price = price
        version.save(update_fields=["unit_price"])
        event_record(
            case_id=item_case_id(item),
            activity=activities.PRICE_VERSION_REPLACED,
            user=by,
            attributes={
                "item": item.name,
                "valid_from": str(version.month),
                "unit_price": price,
                "previous_unit_price": previous,
            },
        )
    return version
