"""The charge points at its invoice (``Charge.invoice``), no longer the invoice at its charge.

Before the invoice moves to receivables (``receivables.0002``) it must stop referencing billing:
``Charge.invoice`` is filled from ``billing_invoice.charge_id``, the invoice keeps what it printed
from the charge (result center and ticket), then the old column is dropped.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Charge = apps.get_model("billing", "Charge")
    Invoice = apps.get_model("billing", "Invoice")
    Charge.objects.update(
        invoice=Subquery(Invoice.objects.filter(charge=OuterRef("pk")).values("pk")[:1])
    )
    charge = Charge.objects.filter(pk=OuterRef("charge_id"))
    Invoice.objects.filter(charge__isnull=False).update(
        result_center=Subquery(charge.values("result_center")[:1]),
        ticket=Subquery(charge.values("ticket")[:1]),
    )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Charge = apps.get_model("billing", "Charge")
    Invoice = apps.get_model("billing", "Invoice")
    Invoice.objects.update(
        charge=Subquery(Charge.objects.filter(invoice=OuterRef("pk")).values("pk")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_invoice_series")]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="result_center",
            field=models.CharField(
                blank=True, default="", max_length=60, verbose_name="centro de resultado"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="invoice",
            name="ticket",
            field=models.CharField(blank=True, default="", max_length=60, verbose_name="chamado"),
            preserve_default=False,
        ),
        # no reverse accessors while both directions exist (they would share names)
        migrations.AlterField(
            model_name="invoice",
            name="charge",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="billing.charge",
            ),
        ),
        migrations.AddField(
            model_name="charge",
            name="invoice",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="billing.invoice",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="invoice", name="charge"),
        migrations.AlterField(
            model_name="charge",
            name="invoice",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="charge",
                to="billing.invoice",
            ),
        ),
    ]
