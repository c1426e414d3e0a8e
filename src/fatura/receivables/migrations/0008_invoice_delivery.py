"""The e-mail of an invoice: delivery status, attempts, last error, next retry
(receivables.delivery, docs/decisions/0022). Existing invoices have no automatic delivery."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("receivables", "0007_installments"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="delivery",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "—"),
                    ("queued", "Na fila de envio"),
                    ("sending", "Enviando"),
                    ("delivered", "Enviada por e-mail"),
                    ("failed", "Falha no envio"),
                    ("held", "Retida para aprovação"),
                ],
                db_default="",
                default="",
                max_length=10,
                verbose_name="envio",
            ),
        ),
        migrations.AddField(
            model_name="invoice",
            name="delivery_attempts",
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="invoice",
            name="delivery_error",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=300, verbose_name="erro do envio"
            ),
        ),
        migrations.AddField(
            model_name="invoice",
            name="delivery_retry_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["delivery", "delivery_retry_at"], name="invoice_delivery"),
        ),
    ]
