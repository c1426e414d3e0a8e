from __future__ import annotations

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
