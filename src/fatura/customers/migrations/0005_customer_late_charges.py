"""The customer's late charges (docs/decisions/0024): a fine percent and a monthly interest
percent, both empty (the settings' defaults, which charge nothing) for every customer."""

from decimal import Decimal

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_payment_term"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="late_fine_percent",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=4,
                null=True,
                verbose_name="multa por atraso (%)",
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="late_interest_monthly_percent",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=4,
                null=True,
                verbose_name="juros de mora ao mês (%)",
            ),
        ),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("late_fine_percent__gte", Decimal("0")),
                    ("late_fine_percent__lte", Decimal("20")),
                )
                | models.Q(("late_fine_percent__isnull", True)),
                name="customer_late_fine_0_20",
                violation_error_message="A multa por atraso vai de 0% a 20%.",
            ),
        ),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("late_interest_monthly_percent__gte", Decimal("0")),
                    ("late_interest_monthly_percent__lte", Decimal("10")),
                )
                | models.Q(("late_interest_monthly_percent__isnull", True)),
                name="customer_late_interest_0_10",
                violation_error_message="Os juros de mora vão de 0% a 10% ao mês.",
            ),
        ),
    ]
