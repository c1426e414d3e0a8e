"""The billing run's charges computed set-based on PostgreSQL (docs/decisions/0041).

``pending_charges`` computes every line of every charge in Python (quantities summed per item,
the price in force, each line rounded to cents): for a month-end run of 20,000 customers × 25
items that is 500,000 lines built, priced and sent back to the database one by one. Here the
rules that need Python run once per *item* — the price version in force in the month
(``catalog.domain.version_for_month``), the order of the lines (by item name, then id, as
``billing.domain.compute_charge`` sorts them), the problem of an item without a price — and the
database applies them to the rows: the quantities summed per customer and item, each line
``ROUND(quantity × unit price, 2)`` (PostgreSQL rounds a numeric half away from zero: half-up
for these non-negative amounts, as ``core.money.to_money``), the total of a charge the sum of
its lines. The lines go straight from the consumption to the invoices with one
``INSERT … SELECT`` per batch (``receivables.issue.usage_lines_insert``).

The result is the same as ``pending_charges`` + ``usage_invoices_issue`` with the lines in
Python (tests/billing/test_run_set_based.py compares the two on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from fatura.billing.models import Charge, ChargeStatus
from fatura.billing.selectors import _item_refs, _price_refs
from fatura.catalog.domain import version_for_month
from fatura.core.months import Month
from fatura.customers.models import Customer
from fatura.receivables.models import Invoice
from fatura.usage.models import Consumption


@dataclass(frozen=True)
class PricedItem:
    """An item of the month's consumption with its price in force and its line order."""

    id: int
    name: str
    product: str
    unit: str
    version_id: int
    unit_price: Decimal
    rank: int  # the lines' order: by item name (case-insensitive), then id


@dataclass
class MonthCharges:
    """The month's pending charges as totals: what the run needs to issue the invoices."""

    items: list[PricedItem]
    totals: dict[int, Decimal]  # customer id → total due (the sum of its rounded lines)
    problems: list[dict[str, str]]  # items without a price, per customer (nothing is written)


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "consumption": quote(Consumption._meta.db_table),
        "charge": quote(Charge._meta.db_table),
        "invoice": quote(Invoice._meta.db_table),
    }


_PENDING = """
    SELECT u.customer_id, u.billing_item_id, SUM(u.quantity) AS quantity
    FROM {consumption} u
    WHERE u.month = %(month)s AND NOT EXISTS (
        SELECT 1 FROM {charge} c
        WHERE c.customer_id = u.customer_id AND c.month = %(month)s AND c.status = %(finalized)s)
    GROUP BY u.customer_id, u.billing_item_id"""

_ITEMS = """
    SELECT * FROM unnest(
        %(item_ids)s::bigint[], %(version_ids)s::bigint[], %(names)s::text[],
        %(products)s::text[], %(units)s::text[], %(prices)s::numeric[], %(ranks)s::int[]
    ) AS it(item_id, version_id, name, product, unit, unit_price, rank)"""


def _item_params(items: list[PricedItem]) -> dict[str, Any]:
    return {
        "item_ids": [i.id for i in items],
        "version_ids": [i.version_id for i in items],
        "names": [i.name for i in items],
        "products": [i.product for i in items],
        "units": [i.unit for i in items],
        "prices": [i.unit_price for i in items],
        "ranks": [i.rank for i in items],
    }


def month_charges(month: Month) -> MonthCharges:
    """Every pending charge of ``month`` (customers with consumption and no finalized charge):
    its total due, computed in the database from the items' prices. Three queries, plus the
    items' names and prices."""
    params: dict[str, Any] = {"month": month.first_day, "finalized": ChargeStatus.FINALIZED}
    tables = _tables()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT billing_item_id FROM {tables['consumption']} WHERE month = %s",
            [month.first_day],
        )
        item_ids = {row[0] for row in cursor.fetchall()}
    refs = _item_refs(item_ids)
    versions = _price_refs(item_ids)
    ordered = sorted(item_ids, key=lambda i: (refs[i].name.lower(), i))
    items: list[PricedItem] = []
    unpriced: list[int] = []
    for rank, item_id in enumerate(ordered):
        version = version_for_month(versions.get(item_id, ()), month)  # type: ignore[type-var]
        if version is None:
            unpriced.append(item_id)
            continue
        ref = refs[item_id]
        items.append(
            PricedItem(
                item_id, ref.name, ref.product, ref.unit, version.id, version.unit_price, rank
            )
        )
    params.update(_item_params(items))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH s AS ({_PENDING.format(**tables)}), it AS ({_ITEMS}) "
            "SELECT s.customer_id, SUM(ROUND(s.quantity * it.unit_price, 2)) "
            "FROM s JOIN it ON it.item_id = s.billing_item_id GROUP BY s.customer_id",
            params,
        )
        totals: dict[int, Decimal] = dict(cursor.fetchall())
        problems: list[dict[str, str]] = []
        if unpriced:
            params["unpriced"] = unpriced
            pending = _PENDING.format(**tables)
            cursor.execute(
                f"SELECT DISTINCT s.customer_id, s.billing_item_id FROM ({pending}) s "
                "WHERE s.billing_item_id = ANY(%(unpriced)s)",
                params,
            )
            problems = _problems(month, cursor.fetchall(), refs, ordered)
    return MonthCharges(items=items, totals=totals, problems=problems)


def _problems(
    month: Month, pairs: list[tuple[int, int]], refs: dict[int, Any], ordered: list[int]
) -> list[dict[str, str]]:
    """The run's refusal, worded and ordered as ``compute_charge`` + ``month_finalize_all``:
    by customer name, then the customer's items by name."""
    rank = {item_id: n for n, item_id in enumerate(ordered)}
    names = dict(Customer.objects.filter(pk__in={c for c, _ in pairs}).values_list("pk", "name"))
    pairs.sort(key=lambda p: (names[p[0]].lower(), p[0], rank[p[1]]))
    return [
        {
            "field": "month",
            "message": f"{names[customer_id]}: O item {refs[item_id].name} não tem preço "
            f"vigente em {month.label_pt()}.",
        }
        for customer_id, item_id in pairs
    ]


def lines_select(
    *, month: Month, items: list[PricedItem], series: str, first: int, last: int
) -> tuple[str, dict[str, Any]]:
    """The ``SELECT`` of the lines of the invoices numbered ``first``..``last`` of ``series``
    (rows of ``receivables.issue.LINE_FIELDS``), from their customers' consumption."""
    tables = _tables()
    sql = (
        f"WITH inv AS (SELECT id, customer_id FROM {tables['invoice']} "
        "WHERE series = %(series)s AND sequence BETWEEN %(first)s AND %(last)s), "
        f"it AS ({_ITEMS}), "
        "s AS (SELECT u.customer_id, u.billing_item_id, SUM(u.quantity) AS quantity "
        f"FROM {tables['consumption']} u JOIN inv ON inv.customer_id = u.customer_id "
        "WHERE u.month = %(month)s GROUP BY u.customer_id, u.billing_item_id) "
        "SELECT inv.id, ROW_NUMBER() OVER (PARTITION BY inv.id ORDER BY it.rank), "
        "s.billing_item_id, it.version_id, it.name, it.product, it.unit, s.quantity, "
        "it.unit_price, ROUND(s.quantity * it.unit_price, 2) "
        "FROM s JOIN it ON it.item_id = s.billing_item_id "
        "JOIN inv ON inv.customer_id = s.customer_id"
    )
    params = {
        "month": month.first_day,
        "series": series,
        "first": first,
        "last": last,
        **_item_params(items),
    }
    return sql, params
