from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fatura.customers.models import Customer
from fatura.receivables.models import Invoice


class ChargeStatus(models.TextChoices):
    FINALIZED = "finalized", _("Finalizada")


class ChargeSituation(models.TextChoices):
    """A row of Registrar cobrança: a pending charge (computed, not stored: "Cobrar") or a
    finalized one (the stored ``Charge``'s status, same value and label)."""

    PENDING = "pending", _("Cobrar")
    FINALIZED = ChargeStatus.FINALIZED.value, ChargeStatus.FINALIZED.label


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
    # the invoice issued for it (owned by receivables); ``invoice.charge`` reads it back
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="charge")

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


class BillingRunStatus(models.TextChoices):
    QUEUED = "queued", _("Na fila")
    RUNNING = "running", _("Em andamento")
    DONE = "done", _("Concluído")
    FAILED = "failed", _("Falhou")


class RunDeliveryStatus(models.TextChoices):
    """The e-mails of a billing run's invoices (``billing.deliveries``), after the run."""

    NONE = "", _("—")
    QUEUED = "queued", _("Envio na fila")
    RUNNING = "running", _("Enviando as faturas")
    DONE = "done", _("Envio concluído")


class BillingRun(models.Model):
    """Finalizing every pending charge of a month at once, in one transaction, by the worker;
    then e-mailing the invoices of customers under the automatic delivery (another task)."""

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
    delivery_status = models.CharField(
        max_length=10,
        choices=RunDeliveryStatus.choices,
        blank=True,
        default=RunDeliveryStatus.NONE,
        db_default=RunDeliveryStatus.NONE,
    )
    delivery_finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"run {self.pk} {self.month:%Y-%m} {self.status}"
