"""Business dates on the correction documents (credit note, adjustment, write-off, payment
reversal) and the closed accounting periods. Existing rows get, as their date, the local date
(settings.TIME_ZONE) of the moment they were entered."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

BATCH = 2000


def _dated(model, source, target, **filters):
    rows = model.objects.filter(**filters).only("pk", source)
    batch = []
    for row in rows.iterator(chunk_size=BATCH):
        setattr(row, target, timezone.localdate(getattr(row, source)))
        batch.append(row)
        if len(batch) >= BATCH:
            model.objects.bulk_update(batch, [target])
            batch = []
    if batch:
        model.objects.bulk_update(batch, [target])


def fill_dates(apps, schema_editor):
    get = lambda name: apps.get_model("receivables", name)  # noqa: E731
    _dated(get("CreditNote"), "created_at", "date")
    _dated(get("Adjustment"), "created_at", "date")
    _dated(get("AdjustmentRequest"), "requested_at", "date")
    _dated(get("Invoice"), "closed_at", "written_off_on", status="written_off")
    _dated(get("Payment"), "reversed_at", "reversal_date", reversed_at__isnull=False)


class Migration(migrations.Migration):
    dependencies = [
        ("receivables", "0004_adjustment_request"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="creditnote",
            name="date",
            field=models.DateField(null=True, verbose_name="data"),
        ),
        migrations.AddField(
            model_name="adjustment",
            name="date",
            field=models.DateField(null=True, verbose_name="data"),
        ),
        migrations.AddField(
            model_name="adjustmentrequest",
            name="date",
            field=models.DateField(blank=True, null=True, verbose_name="data"),
        ),
        migrations.AddField(
            model_name="invoice",
            name="written_off_on",
            field=models.DateField(blank=True, null=True, verbose_name="baixada em"),
        ),
        migrations.AddField(
            model_name="payment",
            name="reversal_date",
            field=models.DateField(blank=True, null=True, verbose_name="estornado em"),
        ),
        migrations.RunPython(fill_dates, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="creditnote",
            name="date",
            field=models.DateField(verbose_name="data"),
        ),
        migrations.AlterField(
            model_name="adjustment",
            name="date",
            field=models.DateField(verbose_name="data"),
        ),
        migrations.CreateModel(
            name="Period",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(unique=True, verbose_name="mês")),
                ("closed_at", models.DateTimeField(verbose_name="fechado em")),
                (
                    "closed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["-month"]},
        ),
    ]
