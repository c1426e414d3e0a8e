"""A billing run e-mails its invoices after it finished (docs/decisions/0022)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_closed_months_in_usage"),
    ]

    operations = [
        migrations.AddField(
            model_name="billingrun",
            name="delivery_status",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "—"),
                    ("queued", "Envio na fila"),
                    ("running", "Enviando as faturas"),
                    ("done", "Envio concluído"),
                ],
                db_default="",
                default="",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="billingrun",
            name="delivery_finished_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
