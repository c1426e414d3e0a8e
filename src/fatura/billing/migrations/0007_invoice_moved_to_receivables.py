"""Invoice and InvoiceLine now live in receivables (``receivables.0002``, same tables): billing's
state drops them and ``Charge.invoice`` points at ``receivables.Invoice``. No database change."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_charge_points_at_invoice"),
        ("fiscal", "0002_invoice_in_receivables"),
        ("receivables", "0002_invoice_from_billing"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="charge",
                    name="invoice",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="charge",
                        to="receivables.invoice",
                    ),
                ),
                migrations.DeleteModel(name="InvoiceLine"),
                migrations.DeleteModel(name="Invoice"),
            ],
        ),
    ]
