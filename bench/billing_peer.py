"""The billing benchmark's SQL peer: the month's billing run written as raw set-based
``INSERT … SELECT`` statements, SQL only, from the same source rows (the month's consumption,
the catalog's items and price versions, the customers).

It writes what the billing run writes, for the same customers and in the same order: the
invoices (numbered from a block of the ``invoice`` counter, by customer name), their lines
(quantities summed per item, the price version in force, each line rounded to cents, positions
by item name), one installment each, the charges, the closed months and the three events of
each invoice (Charge Finalized, Invoice Created, Invoice Completed, with their attributes).
It takes the same customer locks first, and its deferred foreign-key checks are run before the
clock stops (``SET CONSTRAINTS ALL IMMEDIATE``), since the run pays them at its commit.

What it leaves out is what only the application's rules know: payment terms other than a flat
number of days (the benchmark's customers all have NET30), withholdings (none) and e-mail
delivery (manual). The driver runs it in a transaction it then rolls back, so the billing run
measured next starts from the same database; :func:`fingerprint` of both must agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

SERIES = "FAT"


def _dialect() -> dict[str, str]:
    if connection.vendor == "postgresql":
        return {
            "json": "jsonb_build_object",
            "text": "({})::text",
            "money_text": "({})::text",
            "false": "false",
            "number": "'FAT-' || lpad(({})::text, 8, '0')",
            "plus_days": "({}) + 30",
            "lower": 'lower({}) COLLATE "C"',
        }
    return {
        "json": "json_object",
        "text": "CAST({} AS TEXT)",
        "money_text": "printf('%%.2f', {})",
        "false": "json('false')",
        "number": "'FAT-' || printf('%%08d', {})",
        "plus_days": "date({}, '+30 days')",
        "lower": "lower({})",
    }


def _json(d: dict[str, str], pairs: list[tuple[str, str]]) -> str:
    return d["json"] + "(" + ", ".join(f"'{key}', {expr}" for key, expr in pairs) + ")"


def _types(d: dict[str, str], pairs: list[tuple[str, str]]) -> str:
    return d["json"] + "(" + ", ".join(f"'{key}', '{kind}'" for key, kind in pairs) + ")"


def _statements(d: dict[str, str]) -> list[str]:
    sums = """
        SELECT u.customer_id, u.billing_item_id, SUM(u.quantity) AS quantity
        FROM usage_consumption u
        WHERE u.month = %(month)s AND u.customer_id IN (SELECT id FROM locked)
          AND NOT EXISTS (
            SELECT 1 FROM billing_charge ch WHERE ch.customer_id = u.customer_id
            AND ch.month = %(month)s AND ch.status = 'finalized')
        GROUP BY u.customer_id, u.billing_item_id"""
    price = """
        SELECT item_id, id, unit_price FROM (
          SELECT item_id, id, unit_price,
                 ROW_NUMBER() OVER (PARTITION BY item_id ORDER BY valid_from DESC) AS latest
          FROM catalog_priceversion WHERE valid_from <= %(month)s) v
        WHERE latest = 1"""
    priced = f"""
        WITH locked AS (SELECT id FROM peer_locked), sums AS ({sums}), price AS ({price})
        SELECT s.customer_id, s.billing_item_id, p.id AS version_id, s.quantity, p.unit_price,
               ROUND(s.quantity * p.unit_price, 2) AS amount
        FROM sums s JOIN price p ON p.item_id = s.billing_item_id"""
    new = f"i.series = '{SERIES}' AND i.sequence >= %(first)s"
    customer_month = [
        ("customer", "c.name"),
        ("customer_document", "c.document"),
        ("segment", "c.segment"),
        ("region", "c.region"),
        ("country", "c.country"),
        ("business_unit", "c.business_unit"),
        ("month", "%(month_text)s"),
    ]
    money = d["money_text"]
    invoice = [
        ("invoice_number", "i.number"),
        ("invoice_kind", "i.kind"),
        ("customer_id", "c.id"),
        ("customer", "c.name"),
        ("customer_document", "c.document"),
        ("segment", "c.segment"),
        ("business_unit", "c.business_unit"),
        ("billing_department", "i.result_center"),
        ("region", "c.region"),
        ("country", "c.country"),
        ("amount", money.format("i.total_charged")),
        ("invoice_amount", money.format("i.total_charged")),
        ("currency", "i.currency"),
        ("payment_terms", "i.payment_terms"),
        ("invoice_date", d["text"].format("i.issue_date")),
        ("due_date", d["text"].format("i.due_date")),
        ("collector", "COALESCE(col.username, '')"),
    ]
    invoice_types = [
        ("invoice_number", "string"),
        ("invoice_kind", "string"),
        ("customer_id", "int"),
        ("customer", "string"),
        ("customer_document", "string"),
        ("segment", "string"),
        ("business_unit", "string"),
        ("billing_department", "string"),
        ("region", "string"),
        ("country", "string"),
        ("amount", "decimal"),
        ("invoice_amount", "decimal"),
        ("currency", "string"),
        ("payment_terms", "string"),
        ("invoice_date", "date"),
        ("due_date", "date"),
        ("collector", "string"),
    ]
    created = [
        *customer_month,
        ("total_due", money.format("i.total_due")),
        ("total_charged", money.format("i.total_charged")),
        ("adjusted", d["false"]),
        ("result_center", "i.result_center"),
        ("ticket", "i.ticket"),
        ("issue_date", d["text"].format("i.issue_date")),
        ("charge_case_id", "'charge:' || c.document || ':' || %(month_text)s"),
        *invoice,
    ]
    created_types = [
        *[(key, "string") for key, _ in customer_month],
        ("total_due", "decimal"),
        ("total_charged", "decimal"),
        ("adjusted", "boolean"),
        ("result_center", "string"),
        ("ticket", "string"),
        ("issue_date", "date"),
        ("charge_case_id", "string"),
        *invoice_types,
    ]
    events_from = (
        f"FROM billing_invoice i JOIN customers_customer c ON c.id = i.customer_id "
        f"LEFT JOIN auth_user col ON col.id = c.collector_id WHERE {new}"
    )
    event_columns = (
        'INSERT INTO eventlog_event (case_id, activity, "timestamp", end_timestamp, "user", '
        "is_automated, source_system, attributes, attribute_types) "
    )
    return [
        # the customers with consumption, locked in id order (as the run does)
        "CREATE TEMP TABLE peer_locked AS SELECT id FROM customers_customer WHERE id IN "
        "(SELECT customer_id FROM usage_consumption WHERE month = %(month)s) ORDER BY id",
        "SELECT id FROM customers_customer WHERE id IN (SELECT id FROM peer_locked) "
        "ORDER BY id FOR UPDATE",
        # the invoices, numbered by customer name from the block taken in the counter
        f"""INSERT INTO billing_invoice (number, series, sequence, month, issue_date, total_due,
            total_charged, status, created_at, created_by_id, customer_id, amount_applied,
            amount_credited, amount_debited, amount_discounted, amount_overpaid,
            amount_written_off, balance, completed_at, currency, description, due_date,
            dunning_level, kind, open_disputes, payment_status, payment_terms, rework_count,
            result_center, ticket, amount_late_charged, discount_percent,
            installment_count, delivery, delivery_attempts, delivery_error, withholdings,
            amount_withheld)
        SELECT {d["number"].format("t.seq")}, '{SERIES}', t.seq, %(month)s, %(issue_date)s,
            t.total, t.total, 'completed', %(now)s, %(user_id)s, t.customer_id, 0, 0, 0, 0, 0,
            0, t.total, %(now)s, 'BRL', '', {d["plus_days"].format("%(issue_date)s")}, 0,
            'usage', 0, CASE WHEN t.total = 0 THEN 'paid' ELSE 'unpaid' END, c.payment_terms,
            0, %(result_center)s, %(ticket)s, 0, 0, 1, '', 0, '', '[]', 0
        FROM (
          SELECT p.customer_id, SUM(p.amount) AS total,
                 %(first)s - 1 + ROW_NUMBER() OVER (
                   ORDER BY {d["lower"].format("MIN(c2.name)")}, p.customer_id) AS seq
          FROM ({priced}) p JOIN customers_customer c2 ON c2.id = p.customer_id
          GROUP BY p.customer_id
        ) t JOIN customers_customer c ON c.id = t.customer_id""",
        "UPDATE core_counter SET last_value = (SELECT MAX(sequence) FROM billing_invoice "
        f"WHERE series = '{SERIES}') WHERE name = 'invoice'",
        # the lines, positioned by item name
        f"""INSERT INTO billing_invoiceline (invoice_id, position, billing_item_id,
            price_version_id, item_name, product, unit, quantity, unit_price, amount)
        SELECT i.id, ROW_NUMBER() OVER (
                 PARTITION BY p.customer_id ORDER BY {d["lower"].format("b.name")}, b.id),
               p.billing_item_id, p.version_id, b.name, b.product, b.unit, p.quantity,
               p.unit_price, p.amount
        FROM ({priced}) p JOIN catalog_billingitem b ON b.id = p.billing_item_id
        JOIN billing_invoice i ON i.customer_id = p.customer_id AND i.month = %(month)s
        WHERE {new}""",
        "INSERT INTO receivables_invoiceinstallment (invoice_id, number, due_date, amount) "
        f"SELECT i.id, 1, i.due_date, i.balance FROM billing_invoice i WHERE {new}",
        "INSERT INTO billing_charge (month, status, result_center, ticket, total_due, "
        "total_charged, finalized_at, customer_id, finalized_by_id, invoice_id) "
        "SELECT i.month, 'finalized', i.result_center, i.ticket, i.total_due, i.total_charged, "
        f"%(now)s, i.customer_id, %(user_id)s, i.id FROM billing_invoice i WHERE {new}",
        "INSERT INTO usage_closedmonth (month, invoice_number, closed_at, customer_id) "
        f"SELECT i.month, i.number, %(now)s, i.customer_id FROM billing_invoice i WHERE {new}",
        # the three events of each invoice
        event_columns + "SELECT 'charge:' || c.document || ':' || %(month_text)s, "
        "'Charge Finalized', %(now)s, NULL, %(user)s, TRUE, 'Fatura', "
        f"{_json(d, [*customer_month, ('invoice_number', 'i.number')])}, "
        f"{_types(d, [(key, 'string') for key, _ in customer_month] + [('invoice_number', 'string')])} "  # noqa: E501
         + events_from,
        event_columns + "SELECT i.number, 'Invoice Created', %(now)s, NULL, %(user)s, TRUE, "
        f"'Fatura', {_json(d, created)}, {_types(d, created_types)} " + events_from,
        event_columns + "SELECT i.number, 'Invoice Completed', %(now)s, NULL, %(user)s, TRUE, "
        f"'Fatura', {_json(d, invoice)}, {_types(d, invoice_types)} " + events_from,
        "DROP TABLE peer_locked",
    ]


def peer_run(
    *,
    month: dt.date,
    issue_date: dt.date,
    now: dt.datetime,
    user: Any,
    result_center: str,
    ticket: str,
) -> int:
    """Write the month's billing run with SQL only (inside the caller's transaction); the
    number of invoices written."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM core_counter WHERE name = 'invoice'")
        row = cursor.fetchone()
        first = (row[0] if row else 0) + 1
        params = {
            "month": month,
            "month_text": month.strftime("%Y-%m"),
            "issue_date": issue_date,
            "now": now,
            "user_id": user.pk,
            "user": user.get_username(),
            "result_center": result_center,
            "ticket": ticket,
            "first": first,
        }
        for sql in _statements(_dialect()):
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks the run pays at commit
        cursor.execute(
            f"SELECT COUNT(*) FROM billing_invoice WHERE series = '{SERIES}' AND sequence >= %s",
            [first],
        )
        return int(cursor.fetchone()[0])


def fingerprint(month: dt.date) -> dict[str, Any]:
    """What the month's billing wrote, summed up, to compare the peer's rows with the run's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), SUM(total_due), MIN(number), MAX(number), SUM(customer_id * sequence)"
            " FROM billing_invoice WHERE month = %s",
            [month],
        )
        invoices = cursor.fetchone()
        cursor.execute(
            "SELECT COUNT(*), SUM(l.amount), SUM(l.quantity), SUM(l.position * l.billing_item_id),"
            " SUM(l.price_version_id * i.sequence), SUM(l.unit_price)"
            " FROM billing_invoiceline l JOIN billing_invoice i ON i.id = l.invoice_id"
            " WHERE i.month = %s",
            [month],
        )
        lines = cursor.fetchone()
        cursor.execute(
            "SELECT COUNT(*) FROM eventlog_event e JOIN billing_invoice i ON e.case_id = i.number"
            " WHERE i.month = %s",
            [month],
        )
        events = cursor.fetchone()
    return {
        "invoices": int(invoices[0]),
        "total_due": f"{float(invoices[1] or 0):.2f}",
        "numbers": [invoices[2], invoices[3]],
        "customer_x_sequence": int(invoices[4] or 0),
        "lines": int(lines[0]),
        "line_amount": f"{float(lines[1] or 0):.2f}",
        "line_quantity": f"{float(lines[2] or 0):.6f}",
        "position_x_item": int(lines[3] or 0),
        "version_x_sequence": int(lines[4] or 0),
        "unit_price": f"{float(lines[5] or 0):.4f}",
        "invoice_events": int(events[0]),
    }
