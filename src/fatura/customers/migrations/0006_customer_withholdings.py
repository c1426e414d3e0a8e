from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_customer_late_charges")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="withholdings",
            field=models.JSONField(blank=True, default=list, verbose_name="retenções"),
        ),
    ]
