"""The customer's delivery policy (docs/decisions/0022): "email" for every customer that has an
e-mail, "manual" for the others."""

from django.db import migrations, models


def email_when_known(apps, schema_editor):  # noqa: ANN001, ARG001
    customer = apps.get_model("customers", "Customer")
    customer.objects.exclude(email="").update(delivery="email")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_customer_collector"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="delivery",
            field=models.CharField(
                choices=[("email", "E-mail automático"), ("manual", "Manual")],
                db_default="manual",
                default="manual",
                max_length=6,
                verbose_name="envio da fatura",
            ),
        ),
        migrations.RunPython(email_when_known, migrations.RunPython.noop, elidable=True),
    ]
