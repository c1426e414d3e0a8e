"""Every finalized charge closes its customer's month in usage (``usage.ClosedMonth``), so
usage refuses consumption there without reading billing's charges."""

from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Charge = apps.get_model("billing", "Charge")
    ClosedMonth = apps.get_model("usage", "ClosedMonth")
    finalized = Charge.objects.filter(status="finalized").values_list(
        "customer_id", "month", "invoice__number", "finalized_at"
    )
    ClosedMonth.objects.bulk_create(
        [
            ClosedMonth(customer_id=customer, month=month, invoice_number=number, closed_at=at)
            for customer, month, number, at in finalized.iterator(chunk_size=5000)
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_invoice_moved_to_receivables"),
        ("usage", "0002_closed_month"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
