"""The invoice moved to receivables (same table): the foreign keys follow it, state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("fiscal", "0001_initial"),
        ("receivables", "0002_invoice_from_billing"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="nfse",
                    name="invoice",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="nfses",
                        to="receivables.invoice",
                    ),
                ),
                migrations.AlterField(
                    model_name="serviceorder",
                    name="invoice",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="service_orders",
                        to="receivables.invoice",
                    ),
                ),
            ],
        ),
    ]
