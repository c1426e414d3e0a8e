"""Payment terms as data (docs/decisions/0023): the table, with the four terms the code knew
(same codes, labels and discount) and "30/60/90"; the customer's term loses its fixed choices
(any code of the table, checked by customers.services)."""

from django.db import migrations, models

TERMS = [
    # code, label, installments [(days, percent)], discount percent, discount days
    ("NET30", "Líquido 30", [(30, "100.00")], "0", 0),
    ("NET60", "Líquido 60", [(60, "100.00")], "0", 0),
    ("DUE_ON_RECEIPT", "Vencimento no recebimento", [(0, "100.00")], "0", 0),
    ("2_10_NET30", "2% 10, Líquido 30", [(30, "100.00")], "2", 10),
    ("30/60/90", "30/60/90 dias", [(30, "33.3333"), (60, "33.3333"), (90, "33.3334")], "0", 0),
]


def create_terms(apps, schema_editor):
    term = apps.get_model("customers", "PaymentTerm")
    for code, label, installments, percent, days in TERMS:
        term.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "installments": [{"days": d, "percent": p} for d, p in installments],
                "discount_percent": percent,
                "discount_days": days,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_customer_delivery"),
    ]

    operations = [
        migrations.CreateModel(
            name="PaymentTerm",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=20, unique=True, verbose_name="código")),
                ("label", models.CharField(max_length=80, verbose_name="descrição")),
                ("installments", models.JSONField(default=list, verbose_name="parcelas")),
                (
                    "discount_percent",
                    models.DecimalField(
                        decimal_places=2, default=0, max_digits=4, verbose_name="desconto (%)"
                    ),
                ),
                (
                    "discount_days",
                    models.PositiveSmallIntegerField(default=0, verbose_name="dias do desconto"),
                ),
                ("active", models.BooleanField(default=True, verbose_name="ativa")),
            ],
            options={
                "verbose_name": "condição de pagamento",
                "verbose_name_plural": "condições de pagamento",
                "ordering": ["code"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("discount_percent__gte", 0), ("discount_percent__lt", 100)
                        ),
                        name="payment_term_discount_percent",
                    )
                ],
            },
        ),
        migrations.AlterField(
            model_name="customer",
            name="payment_terms",
            field=models.CharField(
                default="NET30", max_length=20, verbose_name="condição de pagamento"
            ),
        ),
        migrations.RunPython(create_terms, migrations.RunPython.noop),
    ]
