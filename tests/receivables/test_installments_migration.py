"""Migration receivables 0007 on a database with invoices: one installment each, for the whole
total, due on the invoice's due date (the issue date when it had none); the 2 % of
"2_10_NET30" kept on the invoices that had a discount window. Customers 0004 creates the
terms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("receivables", "0006_late_charges"), ("customers", "0003_customer_delivery")]
AFTER = [("receivables", "0007_installments"), ("customers", "0004_payment_term")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # terms: the conftest
def test_existing_invoices_get_one_installment_each(django_user_model):
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        user = apps.get_model("auth", "User").objects.create(username="antigo")
        customer = apps.get_model("customers", "Customer").objects.create(
            name="Antigo", document="11222333000181", document_type="CNPJ"
        )
        invoice = apps.get_model("receivables", "Invoice")
        common = {
            "customer": customer,
            "month": dt.date(2026, 1, 1),
            "issue_date": dt.date(2026, 1, 5),
            "total_due": Decimal("100.00"),
            "total_charged": Decimal("100.00"),
            "status": "sent",
            "created_by": user,
            "created_at": dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC),
        }
        invoice.objects.create(number="FAT-1", sequence=1, due_date=dt.date(2026, 2, 4), **common)
        invoice.objects.create(
            number="FAT-2",
            sequence=2,
            payment_terms="2_10_NET30",
            due_date=dt.date(2026, 2, 4),
            discount_until=dt.date(2026, 1, 15),
            **common,
        )
        invoice.objects.create(number="FAT-3", sequence=3, due_date=None, **common)

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        rows = apps.get_model("receivables", "InvoiceInstallment").objects.order_by("invoice_id")
        assert [(r.invoice.number, r.number, r.due_date, r.amount) for r in rows] == [
            ("FAT-1", 1, dt.date(2026, 2, 4), Decimal("100.00")),
            ("FAT-2", 1, dt.date(2026, 2, 4), Decimal("100.00")),
            ("FAT-3", 1, dt.date(2026, 1, 5), Decimal("100.00")),
        ]
        discounts = dict(
            apps.get_model("receivables", "Invoice").objects.values_list(
                "number", "discount_percent"
            )
        )
        assert discounts == {"FAT-1": 0, "FAT-2": Decimal("2.00"), "FAT-3": 0}
        terms = apps.get_model("customers", "PaymentTerm").objects.values_list("code", flat=True)
        assert {"NET30", "NET60", "DUE_ON_RECEIPT", "2_10_NET30", "30/60/90"} <= set(terms)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
