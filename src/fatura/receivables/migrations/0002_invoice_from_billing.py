"""Invoice and InvoiceLine move from billing to receivables (state only).

The tables stay ``billing_invoice`` and ``billing_invoiceline`` (``Meta.db_table``), so nothing
changes in the database: receivables' state gains the two models and its foreign keys point at
``receivables.Invoice``; ``billing.0007`` then drops them from billing's state. This is Django's
documented way to move a model between apps (``SeparateDatabaseAndState``).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_charge_points_at_invoice"),
        ("catalog", "0001_initial"),
        ("customers", "0002_customer_collector"),
        ("receivables", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Invoice",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "number",
                            models.CharField(max_length=20, unique=True, verbose_name="número"),
                        ),
                        ("series", models.CharField(db_default="FAT", default="FAT", max_length=3)),
                        ("sequence", models.BigIntegerField()),
                        ("month", models.DateField(verbose_name="mês de referência")),
                        ("issue_date", models.DateField(verbose_name="data de emissão")),
                        (
                            "total_due",
                            models.DecimalField(
                                decimal_places=2, max_digits=14, verbose_name="total devido"
                            ),
                        ),
                        (
                            "total_charged",
                            models.DecimalField(
                                decimal_places=2, max_digits=14, verbose_name="total cobrado"
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("draft", "Rascunho"),
                                    ("completed", "Concluída"),
                                    ("pending_approval", "Aguardando aprovação"),
                                    ("approved", "Aprovada"),
                                    ("sent", "Enviada ao cliente"),
                                    ("overdue", "Vencida"),
                                    ("disputed", "Em disputa"),
                                    ("closed", "Encerrada"),
                                    ("written_off", "Baixada como perda"),
                                    ("converted", "Convertida em fatura"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("created_at", models.DateTimeField()),
                        (
                            "result_center",
                            models.CharField(
                                blank=True, max_length=60, verbose_name="centro de resultado"
                            ),
                        ),
                        (
                            "ticket",
                            models.CharField(blank=True, max_length=60, verbose_name="chamado"),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("usage", "Uso (cobrança mensal)"),
                                    ("simple", "Avulsa"),
                                    ("recurring", "Recorrente"),
                                    ("proforma", "Proforma"),
                                ],
                                default="usage",
                                max_length=10,
                                verbose_name="tipo",
                            ),
                        ),
                        (
                            "payment_status",
                            models.CharField(
                                choices=[
                                    ("unpaid", "Em aberto"),
                                    ("partially_paid", "Parcialmente paga"),
                                    ("paid", "Paga"),
                                    ("overpaid", "Paga a maior"),
                                ],
                                default="unpaid",
                                max_length=16,
                                verbose_name="situação do pagamento",
                            ),
                        ),
                        (
                            "payment_terms",
                            models.CharField(
                                default="NET30", max_length=20, verbose_name="condição de pagamento"
                            ),
                        ),
                        (
                            "due_date",
                            models.DateField(blank=True, null=True, verbose_name="vencimento"),
                        ),
                        (
                            "discount_until",
                            models.DateField(blank=True, null=True, verbose_name="desconto até"),
                        ),
                        ("currency", models.CharField(default="BRL", max_length=3)),
                        (
                            "description",
                            models.CharField(blank=True, max_length=200, verbose_name="descrição"),
                        ),
                        (
                            "amount_applied",
                            models.DecimalField(
                                db_default=0,
                                decimal_places=2,
                                default=0,
                                max_digits=14,
                                verbose_name="pagamentos aplicados",
                            ),
                        ),
                        (
                            "amount_credited",
                            models.DecimalField(
                                db_default=0,
                                decimal_places=2,
                                default=0,
                                max_digits=14,
                                verbose_name="créditos",
                            ),
                        ),
                        (
                            "amount_debited",
                            models.DecimalField(
                                db_default=0,
                                decimal_places=2,
                                default=0,
                                max_digits=14,
                                verbose_name="débitos",
                            ),
                        ),
                        (
                            "amount_discounted",
                            models.DecimalField(
                                db_default=0,
                                decimal_places=2,
                                default=0,
                                max_digits=14,
                                verbose_name="descontos",
                            ),
                        ),
                        (
                            "amount_written_off",
                            models.DecimalField(
                                db_default=0,
                                decimal_places=2,
                                default=0,
                                max_digits=14,
                                verbose_name="perdas",
                            ),
                        ),
                        (
                            "amount_overpaid",
                            models.DecimalField(
                                db_default=0,
                                decimal_places=2,
                                default=0,
                                max_digits=14,
                                verbose_name="pago a maior",
                            ),
                        ),
                        (
                            "balance",
                            models.DecimalField(
                                db_default=0,
                                decimal_places=2,
                                default=0,
                                max_digits=14,
                                verbose_name="saldo",
                            ),
                        ),
                        ("completed_at", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("closed_at", models.DateTimeField(blank=True, null=True)),
                        ("dunning_level", models.PositiveSmallIntegerField(default=0)),
                        ("open_disputes", models.PositiveSmallIntegerField(default=0)),
                        ("rework_count", models.PositiveSmallIntegerField(default=0)),
                        ("recurring_period", models.DateField(blank=True, null=True)),
                        (
                            "approved_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "converted_to",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="converted_from",
                                to="receivables.invoice",
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "customer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="invoices",
                                to="customers.customer",
                            ),
                        ),
                        (
                            "recurring_template",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="invoices",
                                to="receivables.recurringtemplate",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "billing_invoice",
                        "ordering": ["-sequence"],
                    },
                ),
                migrations.AlterField(
                    model_name="adjustment",
                    name="invoice",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="adjustments",
                        to="receivables.invoice",
                    ),
                ),
                migrations.AlterField(
                    model_name="allocation",
                    name="invoice",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="allocations",
                        to="receivables.invoice",
                    ),
                ),
                migrations.AlterField(
                    model_name="collectioncall",
                    name="invoice",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="calls",
                        to="receivables.invoice",
                    ),
                ),
                migrations.AlterField(
                    model_name="collectiontask",
                    name="invoice",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="call_tasks",
                        to="receivables.invoice",
                    ),
                ),
                migrations.AlterField(
                    model_name="creditnote",
                    name="invoice",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="credit_notes",
                        to="receivables.invoice",
                    ),
                ),
                migrations.AlterField(
                    model_name="dispute",
                    name="invoice",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="disputes",
                        to="receivables.invoice",
                    ),
                ),
                migrations.AlterField(
                    model_name="dunningnotice",
                    name="invoice",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="dunning_notices",
                        to="receivables.invoice",
                    ),
                ),
                migrations.CreateModel(
                    name="InvoiceLine",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("position", models.PositiveIntegerField()),
                        ("item_name", models.CharField(max_length=200)),
                        ("product", models.CharField(blank=True, db_default="", max_length=120)),
                        ("unit", models.CharField(blank=True, db_default="", max_length=30)),
                        ("quantity", models.DecimalField(decimal_places=6, max_digits=18)),
                        ("unit_price", models.DecimalField(decimal_places=4, max_digits=14)),
                        ("amount", models.DecimalField(decimal_places=2, max_digits=14)),
                        (
                            "billing_item",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="catalog.billingitem",
                            ),
                        ),
                        (
                            "invoice",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="lines",
                                to="receivables.invoice",
                            ),
                        ),
                        (
                            "price_version",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="catalog.priceversion",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "billing_invoiceline",
                        "ordering": ["invoice_id", "position"],
                    },
                ),
                migrations.AddIndex(
                    model_name="invoice",
                    index=models.Index(fields=["customer", "month"], name="invoice_customer_month"),
                ),
                migrations.AddIndex(
                    model_name="invoice",
                    index=models.Index(fields=["month"], name="invoice_month"),
                ),
                migrations.AddIndex(
                    model_name="invoice",
                    index=models.Index(fields=["status", "due_date"], name="invoice_status_due"),
                ),
                migrations.AddIndex(
                    model_name="invoice",
                    index=models.Index(
                        fields=["customer", "balance"], name="invoice_customer_balance"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="invoice",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("balance__gte", 0)), name="invoice_balance_gte_0"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="invoice",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("recurring_template__isnull", False)),
                        fields=("recurring_template", "recurring_period"),
                        name="invoice_one_per_recurring_period",
                    ),
                ),
                migrations.AddIndex(
                    model_name="invoiceline",
                    index=models.Index(fields=["billing_item"], name="invoice_line_item"),
                ),
                migrations.AddConstraint(
                    model_name="invoiceline",
                    constraint=models.UniqueConstraint(
                        fields=("invoice", "position"), name="invoice_line_position"
                    ),
                ),
            ],
        ),
    ]
