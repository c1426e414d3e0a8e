"""The table of an invoice's installments (re-exported by ``receivables.models``; kept apart so
models.py stays one screenful of topics). The rules are in ``receivables.installments``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InvoiceInstallment(models.Model):
    """One installment ("parcela") of an invoice: what is owed by its due date. Its balance is
    computed from the invoice's (``receivables.installments``: the open balance fills the
    schedule from its end, so payments and credits settle the oldest installment first)."""

    invoice = models.ForeignKey(
        "receivables.Invoice", on_delete=models.CASCADE, related_name="installments"
    )
    number = models.PositiveSmallIntegerField(_("parcela"))
    due_date = models.DateField(_("vencimento"))
    amount = models.DecimalField(_("valor"), max_digits=14, decimal_places=2)

    class Meta:
        app_label = "receivables"
        ordering = ["invoice_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "number"], name="invoice_installment_number"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="invoice_installment_amount_gte_0"
            ),
        ]
        indexes = [models.Index(fields=["due_date"], name="invoice_installment_due")]

    def __str__(self) -> str:
        return f"{self.invoice_id} parcela {self.number}"
