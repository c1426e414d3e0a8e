"""Computing a charge, without the database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from fatura.catalog.domain import version_for_month
from fatura.core.money import ZERO, line_amount
from fatura.core.months import Month


@dataclass(frozen=True)
class PriceRef:
    id: int
    unit_price: Decimal
    valid_from: object  # dt.date; typed loosely to accept model rows and plain records


@dataclass(frozen=True)
class ItemRef:
    id: int
    name: str
    product: str
    unit: str


@dataclass(frozen=True)
class ChargeLine:
    billing_item_id: int
    item_name: str
    product: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    price_version_id: int
    amount: Decimal


@dataclass
class ComputedCharge:
    lines: list[ChargeLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def total_due(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def compute_charge(
    month: Month,
    quantities: Iterable[tuple[int, Decimal]],
    items: Mapping[int, ItemRef],
    versions: Mapping[int, Sequence[PriceRef]],
) -> ComputedCharge:
    """Lines of one customer's charge: quantities summed per item, each line rounded half-up to
    cents, the total the sum of the lines. An item without a price in force is a problem."""
    totals: dict[int, Decimal] = {}
    for item_id, quantity in quantities:
        totals[item_id] = totals.get(item_id, Decimal(0)) + quantity
    result = ComputedCharge()
    for item_id in sorted(totals, key=lambda i: (items[i].name.lower(), i)):
        item = items[item_id]
        version = version_for_month(versions.get(item_id, ()), month)  # type: ignore[type-var]
        if version is None:
            result.problems.append(
                f"O item {item.name} não tem preço vigente em {month.label_pt()}."
            )
            continue
        quantity = totals[item_id]
        result.lines.append(
            ChargeLine(
                billing_item_id=item_id,
                item_name=item.name,
                product=item.product,
                unit=item.unit,
                quantity=quantity,
                unit_price=version.unit_price,
                price_version_id=version.id,
                amount=line_amount(quantity, version.unit_price),
            )
        )
    return result
