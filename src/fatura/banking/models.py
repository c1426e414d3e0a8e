"""The payment instruments issued for an invoice (or one of its installments): a PIX BR Code
identified by its txid, a boleto by its nosso número. The row is the stable identity a bank
file's entry is matched by; amounts and payloads are computed from the invoice when shown."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InstrumentKind(models.TextChoices):
    PIX = "pix", "PIX"
    BOLETO = "boleto", _("Boleto")


class PaymentInstrument(models.Model):
    """One PIX txid or one boleto nosso número of one invoice installment (1 when the invoice
    has a single due date). ``reference`` is the txid (≤ 25 alphanumerics) or the nosso número
    as digits without check digit; ``bank_code`` is the boleto's bank (FEBRABAN 3 digits), ""
    for PIX."""

    invoice = models.ForeignKey(
        "receivables.Invoice", on_delete=models.PROTECT, related_name="payment_instruments"
    )
    installment_number = models.PositiveSmallIntegerField(_("parcela"), default=1)
    kind = models.CharField(_("tipo"), max_length=10, choices=InstrumentKind.choices)
    bank_code = models.CharField(_("banco"), max_length=3, blank=True, default="")
    reference = models.CharField(_("txid / nosso número"), max_length=25)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("instrumento de pagamento")
        verbose_name_plural = _("instrumentos de pagamento")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "bank_code", "reference"], name="instrument_reference_unique"
            ),
            models.UniqueConstraint(
                fields=["invoice", "installment_number", "kind", "bank_code"],
                name="instrument_per_installment_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"


class Remittance(models.Model):
    """A CNAB 240 remittance file generated for a set of boletos; ``number`` is the file's
    sequential number (NSA) in its header."""

    number = models.PositiveIntegerField(_("número"), unique=True)
    bank_code = models.CharField(_("banco"), max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    instruments = models.ManyToManyField(PaymentInstrument, related_name="remittances")
    content = models.TextField()

    class Meta:
        verbose_name = _("remessa")
        verbose_name_plural = _("remessas")

    def __str__(self) -> str:
        return f"remessa {self.number}"
