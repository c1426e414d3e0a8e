from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fatura.catalog.models import BillingItem, PriceVersion
from fatura.core.months import Month
from fatura.customers.models import Customer


class ChargeStatus(models.TextChoices):
    FINALIZED = "finalized", _("Finalizada")


class Charge(models.Model):
    """The monthly charge of one customer ("cobrança"), once finalized. Pending charges are not
    stored: they are computed from the month's consumption (see ``selectors.pending_charges``)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="charges")
    month = models.DateField(_("mês"))
    status = models.CharField(max_length=12, choices=ChargeStatus.choices)
    result_center = models.CharField(_("centro de resultado"), max_length=60)
    ticket = models.CharField(_("chamado"), max_length=60)
    total_due = models.DecimalField(_("total devido"), max_digits=14, decimal_places=2)
    total_charged = models.DecimalField(_("total cobrado"), max_digits=14, decimal_places=2)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    finalized_at = models.DateTimeField()

    class Meta:
        ordering = ["-month", "customer_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "month"],
                condition=models.Q(status="finalized"),
                name="charge_one_finalized_per_customer_month",
                violation_error_message="A cobrança deste cliente neste mês já foi finalizada.",
            ),
            models.CheckConstraint(
                condition=models.Q(total_charged__gte=0),
                name="charge_total_charged_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m} {self.status}"


class InvoiceKind(models.TextChoices):
    USAGE = "usage", _("Uso (cobrança mensal)")
    SIMPLE = "simple", _("Avulsa")
    RECURRING = "recurring", _("Recorrente")
    PROFORMA = "proforma", _("Proforma")


class InvoiceStatus(models.TextChoices):
    """The document's state machine (see ``receivables.domain``)."""

    DRAFT = "draft", _("Rascunho")
    COMPLETED = "completed", _("Concluída")
    PENDING_APPROVAL = "pending_approval", _("Aguardando aprovação")
    APPROVED = "approved", _("Aprovada")
    SENT = "sent", _("Enviada ao cliente")
    OVERDUE = "overdue", _("Vencida")
    DISPUTED = "disputed", _("Em disputa")
    CLOSED = "closed", _("Encerrada")
    WRITTEN_OFF = "written_off", _("Baixada como perda")
    CONVERTED = "converted", _("Convertida em fatura")


class PaymentStatus(models.TextChoices):
    """The payment's state machine: what was applied against what is owed."""

    UNPAID = "unpaid", _("Em aberto")
    PARTIALLY_PAID = "partially_paid", _("Parcialmente paga")
    PAID = "paid", _("Paga")
    OVERPAID = "overpaid", _("Paga a maior")


def _money(label: Any) -> Any:
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=0, db_default=0)


class Invoice(models.Model):
    """The invoice document ("fatura"). Its number comes from a gapless sequence taken in the
    transaction that creates it; a finalized invoice is never edited."""

    number = models.CharField(_("número"), max_length=20, unique=True)
    # number series: "FAT" (invoices, gapless) or "PRO" (proforma quotes, own sequence)
    series = models.CharField(max_length=3, default="FAT", db_default="FAT")
    sequence = models.BigIntegerField()
    charge = models.OneToOneField(
        Charge, on_delete=models.PROTECT, null=True, blank=True, related_name="invoice"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    month = models.DateField(_("mês de referência"))
    issue_date = models.DateField(_("data de emissão"))
    total_due = models.DecimalField(_("total devido"), max_digits=14, decimal_places=2)
    total_charged = models.DecimalField(_("total cobrado"), max_digits=14, decimal_places=2)
    status = models.CharField(max_length=20, choices=InvoiceStatus.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    # --- receivables: the invoice's life after it is issued (rules in ``receivables``) ---
    kind = models.CharField(
        _("tipo"), max_length=10, choices=InvoiceKind.choices, default=InvoiceKind.USAGE
    )
    payment_status = models.CharField(
        _("situação do pagamento"),
        max_length=16,
        choices=PaymentStatus.choices,
        default=PaymentStatus.UNPAID,
    )
    payment_terms = models.CharField(_("condição de pagamento"), max_length=20, default="NET30")
    due_date = models.DateField(_("vencimento"), null=True, blank=True)
    discount_until = models.DateField(_("desconto até"), null=True, blank=True)
    currency = models.CharField(max_length=3, default="BRL")
    description = models.CharField(_("descrição"), max_length=200, blank=True)
    amount_applied = _money(_("pagamentos aplicados"))
    amount_credited = _money(_("créditos"))
    amount_debited = _money(_("débitos"))
    amount_discounted = _money(_("descontos"))
    amount_written_off = _money(_("perdas"))
    amount_overpaid = _money(_("pago a maior"))
    balance = _money(_("saldo"))
    completed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    dunning_level = models.PositiveSmallIntegerField(default=0)
    open_disputes = models.PositiveSmallIntegerField(default=0)
    rework_count = models.PositiveSmallIntegerField(default=0)
    converted_to = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="converted_from"
    )
    recurring_template = models.ForeignKey(
        "receivables.RecurringTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
    )
    recurring_period = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-sequence"]
        indexes = [
            models.Index(fields=["customer", "month"], name="invoice_customer_month"),
            models.Index(fields=["month"], name="invoice_month"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due"),
            models.Index(fields=["customer", "balance"], name="invoice_customer_balance"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="invoice_balance_gte_0"
            ),
            models.UniqueConstraint(
                fields=["recurring_template", "recurring_period"],
                condition=models.Q(recurring_template__isnull=False),
                name="invoice_one_per_recurring_period",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def period(self) -> Month:
        return Month.of(self.month)


class InvoiceLine(models.Model):
    """One line of an invoice, with the price version it used and a copy of what was printed."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    # usage lines name their billing item and price version; direct invoices' lines do not
    billing_item = models.ForeignKey(
        BillingItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    price_version = models.ForeignKey(
        PriceVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    item_name = models.CharField(max_length=200)
    product = models.CharField(max_length=120, blank=True, db_default="")
    unit = models.CharField(max_length=30, blank=True, db_default="")
    quantity = models.DecimalField(max_digits=18, decimal_places=6)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["invoice_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position")
        ]
        indexes = [models.Index(fields=["billing_item"], name="invoice_line_item")]

    def __str__(self) -> str:
        return f"{self.invoice_id}#{self.position} {self.item_name}"


class BillingRunStatus(models.TextChoices):
    QUEUED = "queued", _("Na fila")
    RUNNING = "running", _("Em andamento")
    DONE = "done", _("Concluído")
    FAILED = "failed", _("Falhou")


class BillingRun(models.Model):
    """Finalizing every pending charge of a month at once, in one transaction, by the worker."""

    month = models.DateField()
    result_center = models.CharField(max_length=60)
    ticket = models.CharField(max_length=60)
    status = models.CharField(
        max_length=10, choices=BillingRunStatus.choices, default=BillingRunStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    charges_finalized = models.PositiveIntegerField(default=0)
    total_charged = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    first_invoice = models.CharField(max_length=20, blank=True)
    last_invoice = models.CharField(max_length=20, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"run {self.pk} {self.month:%Y-%m} {self.status}"
