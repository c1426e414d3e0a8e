"""Late charges (docs/decisions/0024): adjustments say why they were made (by hand, or the
late charges of a late payment, their waiver, their reversal) and which allocation booked
them; the invoice keeps the net late charges apart. Existing adjustments are manual."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("receivables", "0005_business_dates_and_periods"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="amount_late_charged",
            field=models.DecimalField(
                db_default=0,
                decimal_places=2,
                default=0,
                max_digits=14,
                verbose_name="encargos por atraso",
            ),
        ),
        migrations.AddField(
            model_name="adjustment",
            name="kind",
            field=models.CharField(
                choices=[
                    ("manual", "Ajuste"),
                    ("late_charge", "Encargos por atraso (multa e juros)"),
                    ("late_charge_waiver", "Dispensa de encargos por atraso"),
                    ("late_charge_reversal", "Estorno de encargos por atraso"),
                ],
                db_default="manual",
                default="manual",
                max_length=20,
                verbose_name="tipo",
            ),
        ),
        migrations.AddField(
            model_name="adjustment",
            name="allocation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="late_charges",
                to="receivables.allocation",
            ),
        ),
    ]
