"""Receivables and collections: payments and their allocations, credit notes, adjustments,
disputes, dunning strategies, collection calls and recurring invoice templates.

The invoice document itself is ``billing.Invoice``; its lifecycle fields (status,
payment_status, balance and the amounts that make it up) are changed only by
``receivables.services`` and friends, each change with its event in the same transaction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fatura.billing.models import Invoice
from fatura.customers.models import Customer


def money(label: Any = None, **kwargs: Any) -> Any:
    return models.DecimalField(label, max_digits=14, decimal_places=2, **kwargs)


class PaymentMethod(models.TextChoices):
    PIX = "pix", "PIX"
    BOLETO = "boleto", _("Boleto")
    TRANSFER = "transferencia", _("Transferência")
    CARD = "cartao", _("Cartão")
    CHECK = "cheque", _("Cheque")


class Payment(models.Model):
    """Money received from a customer. What is not allocated to invoices stays as the
    customer's credit (``unapplied``) and can be applied later."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    amount = money(_("valor"))
    applied = money(_("aplicado"), default=0)
    received_at = models.DateField(_("recebido em"))
    posted_at = models.DateField(_("contabilizado em"), null=True, blank=True)
    method = models.CharField(_("forma"), max_length=14, choices=PaymentMethod.choices)
    reference = models.CharField(_("referência"), max_length=80, blank=True)
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversal_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["customer", "received_at"], name="payment_customer")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_gt_0"),
            models.CheckConstraint(
                condition=models.Q(applied__gte=0) & models.Q(applied__lte=models.F("amount")),
                name="payment_applied_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"pagamento {self.pk} {self.amount}"

    @property
    def unapplied(self) -> Decimal:
        """The customer's credit left on this payment (none once reversed)."""
        return self.amount - self.applied if self.reversed_at is None else Decimal("0.00")

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


class Allocation(models.Model):
    """Part of a payment applied to an invoice; ``discount`` is the early-payment discount
    granted with it. Reversed allocations are kept (with ``reversed_at``) for the record."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = money()
    discount = money(default=0)
    applied_at = models.DateTimeField()
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["applied_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_amount_gt_0")
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.invoice_id}: {self.amount}"


class DisputeReason(models.TextChoices):
    WRONG_PRICE = "preco_incorreto", _("Preço incorreto")
    QUANTITY = "divergencia_quantidade", _("Divergência de quantidade")
    DAMAGED = "produto_danificado", _("Produto danificado")
    DUPLICATE = "fatura_duplicada", _("Fatura duplicada")
    OTHER = "outro", _("Outro")


class DisputeResolution(models.TextChoices):
    CREDIT_NOTE = "credit_note", _("Nota de crédito")
    ADJUSTMENT = "adjustment", _("Ajuste")
    REJECTED = "rejected", _("Disputa rejeitada")


class Dispute(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="disputes")
    reason = models.CharField(_("motivo"), max_length=30, choices=DisputeReason.choices)
    amount = money(_("valor contestado"))
    note = models.CharField(_("observação"), max_length=300, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    resolution = models.CharField(max_length=12, choices=DisputeResolution.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]

    def __str__(self) -> str:
        return f"disputa {self.pk} ({self.reason})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class CreditNote(models.Model):
    """A correction that lowers what the customer owes ("nota de crédito"), own numbers.
    ``excess`` is the part above the open balance (the customer had paid it): it becomes
    customer credit and the invoice is overpaid."""

    number = models.CharField(max_length=20, unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    amount = money()
    excess = money(default=0)
    reason = models.CharField(max_length=300)
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.number


class Adjustment(models.Model):
    """A signed correction ("ajuste"): positive is a debit (the customer owes more),
    negative a credit; own numbers."""

    number = models.CharField(max_length=20, unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="adjustments")
    amount = money()
    reason = models.CharField(max_length=300)
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.number


class DunningAction(models.TextChoices):
    REMINDER = "reminder", _("Lembrete por e-mail")
    SECOND_REMINDER = "second_reminder", _("Segundo lembrete")
    CALL_TASK = "call_task", _("Tarefa de ligação de cobrança")
    HANDOVER = "handover", _("Envio para cobrança terceirizada")


class DunningStrategy(models.Model):
    """The dunning levels for a customer segment; ``segment=""`` is the default strategy."""

    name = models.CharField(_("nome"), max_length=80)
    segment = models.CharField(_("segmento"), max_length=80, unique=True, blank=True)

    class Meta:
        ordering = ["segment"]

    def __str__(self) -> str:
        return self.name


class DunningLevel(models.Model):
    strategy = models.ForeignKey(DunningStrategy, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField()
    days_after_due = models.PositiveSmallIntegerField(_("dias após o vencimento"))
    action = models.CharField(max_length=16, choices=DunningAction.choices)
    min_balance = money(_("saldo mínimo"), default=0)

    class Meta:
        ordering = ["strategy_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "level"], name="dunning_level_unique")
        ]

    def __str__(self) -> str:
        return f"{self.strategy_id} nível {self.level}"


class DunningNotice(models.Model):
    """One dunning level run on one invoice: never twice (the daily task may re-run)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="dunning_notices")
    level = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=16, choices=DunningAction.choices)
    balance = money()
    run_at = models.DateTimeField()

    class Meta:
        ordering = ["invoice_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "level"], name="dunning_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} nível {self.level}"


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Contato realizado")
    PROMISE = "promise_to_pay", _("Promessa de pagamento")
    NO_ANSWER = "no_answer", _("Não atendeu")
    WRONG_CONTACT = "wrong_contact", _("Contato errado")


class CollectionCall(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="calls")
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=CallOutcome.choices)
    promise_date = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    called_at = models.DateTimeField()

    class Meta:
        ordering = ["-called_at"]

    def __str__(self) -> str:
        return f"ligação {self.pk} ({self.outcome})"


class CollectionTask(models.Model):
    """A call the collector must make (dunning level "call_task"); done by logging a call."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="call_tasks")
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"tarefa {self.pk} ({self.due_on})"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Mensal")
    YEARLY = "yearly", _("Anual")


class RecurringTemplate(models.Model):
    """A recurring invoice: each period (month or year from ``start``) is issued once; the
    database refuses a second invoice for the same template and period."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="recurrences")
    description = models.CharField(max_length=200)
    frequency = models.CharField(max_length=8, choices=Frequency.choices)
    start = models.DateField(_("primeira emissão"))
    end = models.DateField(_("última emissão"), null=True, blank=True)
    payment_terms = models.CharField(max_length=20)
    lines = models.JSONField(default=list)  # [{"description", "quantity", "unit_price"}]
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description
