from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from fatura.core.months import Month


class ItemSource(models.TextChoices):
    MANUAL = "manual", _("Manual")
    VOLUMETRIA = "volumetria", _("Volumetria")


class BillingItem(models.Model):
    """What is billed ("item de cobrança"). Its name, product and unit never change; its price
    is a series of effective-dated :class:`PriceVersion` rows."""

    name = models.CharField(_("nome"), max_length=120)
    product = models.CharField(_("produto"), max_length=120)
    unit = models.CharField(_("unidade de medida"), max_length=30)
    source = models.CharField(max_length=12, choices=ItemSource.choices, default=ItemSource.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="billing_item_name_unique",
                violation_error_message="Já existe um item de cobrança com este nome.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PriceVersion(models.Model):
    """The unit price of an item from ``valid_from`` (the first day of a month) on."""

    item = models.ForeignKey(BillingItem, on_delete=models.CASCADE, related_name="prices")
    unit_price = models.DecimalField(_("preço unitário"), max_digits=14, decimal_places=4)
    valid_from = models.DateField(_("início da vigência"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "valid_from"],
                name="price_version_one_per_month",
                violation_error_message="Este item já tem um preço para este mês.",
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0),
                name="price_version_not_negative",
                violation_error_message="O preço unitário não pode ser negativo.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.unit_price} from {self.valid_from:%Y-%m}"

    @property
    def month(self) -> Month:
        return Month.of(self.valid_from)
