from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fatura.core.documents import format_document


class PaymentTerms(models.TextChoices):
    NET_30 = "NET30", _("Líquido 30")
    NET_60 = "NET60", _("Líquido 60")
    DUE_ON_RECEIPT = "DUE_ON_RECEIPT", _("Vencimento no recebimento")
    DISCOUNT_2_10_NET_30 = "2_10_NET30", _("2% 10, Líquido 30")


class DeliveryPolicy(models.TextChoices):
    """How an issued invoice reaches the customer: e-mailed with its PDF as soon as it is
    issued (``receivables.delivery``), or sent by Financeiro by hand."""

    EMAIL = "email", _("E-mail automático")
    MANUAL = "manual", _("Manual")


class Customer(models.Model):
    name = models.CharField(_("nome"), max_length=200)
    # digits only; CPF (11) or CNPJ (14), validated by the service
    document = models.CharField(_("CPF/CNPJ"), max_length=14, unique=True)
    document_type = models.CharField(max_length=4, choices=[("CPF", "CPF"), ("CNPJ", "CNPJ")])
    email = models.EmailField(_("e-mail"), blank=True)
    segment = models.CharField(_("segmento"), max_length=80, blank=True)
    region = models.CharField(_("região"), max_length=80, blank=True)
    country = models.CharField(_("país"), max_length=2, default="BR")
    business_unit = models.CharField(_("unidade de negócio"), max_length=80, blank=True)
    payment_terms = models.CharField(
        _("condição de pagamento"),
        max_length=20,
        choices=PaymentTerms.choices,
        default=PaymentTerms.NET_30,
    )
    # a row written without the service (no e-mail known) sends nothing by itself;
    # customers.services picks "email" when the customer has an e-mail
    delivery = models.CharField(
        _("envio da fatura"),
        max_length=6,
        choices=DeliveryPolicy.choices,
        default=DeliveryPolicy.MANUAL,
        db_default=DeliveryPolicy.MANUAL,
    )
    collector = models.ForeignKey(
        "auth.User",
        verbose_name=_("cobrador"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="collected_customers",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name"], name="customer_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.document_display})"

    @property
    def document_display(self) -> str:
        return format_document(self.document)
