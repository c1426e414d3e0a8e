"""Installments (docs/decisions/0023): every invoice has at least one. Existing invoices get
one installment for their whole total, due on their due date (the issue date when they had
none); the discount their terms granted is kept on the invoice (2 % for "2_10_NET30" when a
discount window was set); a dunning notice names the installment it was about (1 so far)."""

from django.db import migrations, models

import fatura.receivables.models


def backfill(apps, schema_editor):
    invoice = apps.get_model("receivables", "Invoice")
    installment = apps.get_model("receivables", "InvoiceInstallment")
    table = installment._meta.db_table
    invoices = invoice._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (invoice_id, number, due_date, amount) "
            f"SELECT id, 1, COALESCE(due_date, issue_date), total_charged FROM {invoices}"
        )
    invoice.objects.filter(payment_terms="2_10_NET30", discount_until__isnull=False).update(
        discount_percent=2
    )


class Migration(migrations.Migration):
    dependencies = [
        ("receivables", "0006_late_charges"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="discount_percent",
            field=models.DecimalField(
                db_default=0,
                decimal_places=2,
                default=0,
                max_digits=4,
                verbose_name="desconto (%)",
            ),
        ),
        migrations.AddField(
            model_name="invoice",
            name="installment_count",
            field=models.PositiveSmallIntegerField(
                db_default=1, default=1, verbose_name="parcelas"
            ),
        ),
        migrations.CreateModel(
            name="InvoiceInstallment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveSmallIntegerField(verbose_name="parcela")),
                ("due_date", models.DateField(verbose_name="vencimento")),
                (
                    "amount",
                    fatura.receivables.models.money("valor"),
                ),
                (
                    "invoice",
                    models.ForeignKey(
                        on_delete=models.deletion.CASCADE,
                        related_name="installments",
                        to="receivables.invoice",
                    ),
                ),
            ],
            options={
                "ordering": ["invoice_id", "number"],
                "indexes": [models.Index(fields=["due_date"], name="invoice_installment_due")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("invoice", "number"), name="invoice_installment_number"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("amount__gte", 0)),
                        name="invoice_installment_amount_gte_0",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="dunningnotice",
            name="installment",
            field=models.PositiveSmallIntegerField(db_default=1, default=1),
        ),
        migrations.RemoveConstraint(model_name="dunningnotice", name="dunning_notice_once"),
        migrations.AddConstraint(
            model_name="dunningnotice",
            constraint=models.UniqueConstraint(
                fields=("invoice", "installment", "level"), name="dunning_notice_once"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
