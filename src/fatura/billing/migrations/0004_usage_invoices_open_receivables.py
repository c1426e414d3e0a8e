"""Invoices finalized before receivables existed become completed receivables."""

from django.db import migrations
from django.db.models import F


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Invoice = apps.get_model("billing", "Invoice")
    Invoice.objects.filter(status="finalized").update(
        status="completed", balance=F("total_charged"), completed_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_invoice_receivables")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
