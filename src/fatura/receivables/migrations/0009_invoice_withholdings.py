from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("receivables", "0008_invoice_delivery")]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="withholdings",
            field=models.JSONField(blank=True, default=list, verbose_name="retenções"),
        ),
        migrations.AddField(
            model_name="invoice",
            name="amount_withheld",
            field=models.DecimalField(
                db_default=0,
                decimal_places=2,
                default=0,
                max_digits=14,
                verbose_name="retenções",
            ),
        ),
    ]
