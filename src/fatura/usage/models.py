from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fatura.catalog.models import BillingItem
from fatura.core.months import Month
from fatura.customers.models import Customer


class ConsumptionSource(models.TextChoices):
    MANUAL = "manual", _("Manual")
    VOLUMETRIA = "volumetria", _("Volumetria")


class VolumeImport(models.Model):
    """One imported volume file ("arquivo de volumetria")."""

    filename = models.CharField(max_length=255)
    rows = models.PositiveIntegerField()
    items_created = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.filename} ({self.rows} linhas)"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Na fila")
    RUNNING = "running", _("Importando")
    DONE = "done", _("Importado")
    FAILED = "failed", _("Falhou")


class VolumeFileJob(models.Model):
    """A large volume file imported by the worker: the upload waits under
    ``DATA_DIR/uploads/volume/`` while queued; the outcome is the :class:`VolumeImport` (done),
    or the error and every bad row (failed, nothing written)."""

    filename = models.CharField(max_length=255)
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    upload = models.CharField(max_length=500, blank=True, default="")
    task_id = models.CharField(max_length=64, blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(
        VolumeImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error = models.TextField(blank=True, default="")
    errors = models.JSONField(default=list, blank=True)  # [{row, field, message}]

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @staticmethod
    def upload_dir() -> Path:
        return Path(settings.DATA_DIR) / "uploads" / "volume"


class Consumption(models.Model):
    """A customer's consumption of one billing item in one month ("lançamento de consumo")."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="consumptions")
    month = models.DateField(_("mês"))  # first day of the month
    billing_item = models.ForeignKey(
        BillingItem, on_delete=models.PROTECT, related_name="consumptions"
    )
    quantity = models.DecimalField(_("quantidade"), max_digits=18, decimal_places=6)
    source = models.CharField(
        max_length=12, choices=ConsumptionSource.choices, default=ConsumptionSource.MANUAL
    )
    volume_import = models.ForeignKey(
        VolumeImport, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["month", "customer_id", "id"]
        indexes = [
            models.Index(fields=["month", "customer"], name="consumption_month_customer"),
            models.Index(fields=["customer", "month"], name="consumption_customer_month"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0),
                name="consumption_quantity_not_negative",
                violation_error_message="A quantidade não pode ser negativa.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m} {self.billing_item_id} x {self.quantity}"

    @property
    def period(self) -> Month:
        return Month.of(self.month)


class ClosedMonth(models.Model):
    """A customer's month closed for consumption: its charge was finalized. Written by billing
    (``services.months_close``) in the transaction that finalizes the charge; usage refuses
    new or deleted consumption in a closed month without knowing what a charge is."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    invoice_number = models.CharField(max_length=20)  # what the month was billed on (messages)
    closed_at = models.DateTimeField()

    class Meta:
        ordering = ["-month", "customer_id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"], name="closed_month_once")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m} ({self.invoice_number})"
