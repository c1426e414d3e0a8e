"""Receivables and collections: the invoice document and its lines, payments and their
allocations, credit notes, adjustments, disputes, dunning strategies, collection calls and
recurring invoice templates.

Usage invoices are issued by ``billing`` through ``receivables.services``; an invoice's
lifecycle fields (status, payment_status, balance and the amounts that make it up) are changed
only by ``receivables.services`` and friends, each change with its event in the same transaction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fatura.catalog.models import BillingItem, PriceVersion
from fatura.core.months import Month
from fatura.customers.models import Customer
from fatura.receivables.installment_model import InvoiceInstallment as InvoiceInstallment

# the invoice's vocabularies live in ``vocabulary`` (domain reads them too); importable here
from fatura.receivables.vocabulary import DeliveryStatus as DeliveryStatus
from fatura.receivables.vocabulary import InvoiceKind as InvoiceKind
from fatura.receivables.vocabulary import InvoiceStatus as InvoiceStatus
from fatura.receivables.vocabulary import PaymentStatus as PaymentStatus


def money(label: Any = None, **kwargs: Any) -> Any:
    return models.DecimalField(label, max_digits=14, decimal_places=2, **kwargs)


def _money(label: Any) -> Any:
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=0, db_default=0)


class Invoice(models.Model):
    """The invoice document ("fatura"). Its number comes from a gapless sequence taken in the
    transaction that creates it; a finalized invoice is never edited."""

    number = models.CharField(_("número"), max_length=20, unique=True)
    # number series: "FAT" (invoices, gapless) or "PRO" (proforma quotes, own sequence)
    series = models.CharField(max_length=3, default="FAT", db_default="FAT")
    sequence = models.BigIntegerField()
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
    # what a usage invoice printed from its charge (billing's result center and ticket)
    result_center = models.CharField(_("centro de resultado"), max_length=60, blank=True)
    ticket = models.CharField(_("chamado"), max_length=60, blank=True)
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
    # the next due date: the oldest open installment's (receivables.installments)
    due_date = models.DateField(_("vencimento"), null=True, blank=True)
    discount_until = models.DateField(_("desconto até"), null=True, blank=True)
    # what the terms granted when the invoice was issued (editing a term changes neither)
    discount_percent = models.DecimalField(
        _("desconto (%)"), max_digits=4, decimal_places=2, default=0, db_default=0
    )
    installment_count = models.PositiveSmallIntegerField(_("parcelas"), default=1, db_default=1)
    currency = models.CharField(max_length=3, default="BRL")
    description = models.CharField(_("descrição"), max_length=200, blank=True)
    amount_applied = _money(_("pagamentos aplicados"))
    amount_credited = _money(_("créditos"))
    amount_debited = _money(_("débitos"))
    amount_discounted = _money(_("descontos"))
    amount_written_off = _money(_("perdas"))
    # the customer's retentions (issue 13): [{tax, rate, amount}] and their sum; the receivable
    # is total_charged − amount_withheld (receivables.withholdings)
    withholdings = models.JSONField(_("retenções"), default=list, blank=True)
    amount_withheld = _money(_("retenções"))
    amount_overpaid = _money(_("pago a maior"))
    # late charges booked (Adjustment kind late_charge) less those waived or reversed; part of
    # amount_debited / amount_credited, kept apart so payments cover the principal first
    amount_late_charged = _money(_("encargos por atraso"))
    balance = _money(_("saldo"))
    completed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    # the e-mail with the PDF (receivables.delivery): status, attempts, the last error and when
    # the retry task tries again (also the lease of an attempt under way)
    delivery = models.CharField(
        _("envio"),
        max_length=10,
        choices=DeliveryStatus.choices,
        blank=True,
        default=DeliveryStatus.NONE,
        db_default=DeliveryStatus.NONE,
    )
    delivery_attempts = models.PositiveSmallIntegerField(default=0, db_default=0)
    delivery_error = models.CharField(
        _("erro do envio"), max_length=300, blank=True, default="", db_default=""
    )
    delivery_retry_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # the write-off's document date (business date; ``closed_at`` is when it was entered)
    written_off_on = models.DateField(_("baixada em"), null=True, blank=True)
    dunning_level = models.PositiveSmallIntegerField(default=0)
    open_disputes = models.PositiveSmallIntegerField(default=0)
    rework_count = models.PositiveSmallIntegerField(default=0)
    converted_to = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="converted_from"
    )
    recurring_template = models.ForeignKey(
        "RecurringTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
    )
    recurring_period = models.DateField(null=True, blank=True)

    class Meta:
        db_table = "billing_invoice"  # the table predates the move from billing (receivables.0002)
        ordering = ["-sequence"]
        indexes = [
            models.Index(fields=["customer", "month"], name="invoice_customer_month"),
            models.Index(fields=["month"], name="invoice_month"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due"),
            models.Index(fields=["customer", "balance"], name="invoice_customer_balance"),
            models.Index(fields=["delivery", "delivery_retry_at"], name="invoice_delivery"),
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

    @property
    def is_usage(self) -> bool:
        """Issued by billing for a finalized charge (``self.charge`` is that charge)."""
        return self.kind == InvoiceKind.USAGE


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
        db_table = "billing_invoiceline"
        ordering = ["invoice_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position")
        ]
        indexes = [models.Index(fields=["billing_item"], name="invoice_line_item")]

    def __str__(self) -> str:
        return f"{self.invoice_id}#{self.position} {self.item_name}"


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
    # What the request that used ``idempotency_key`` asked for (normalized): a retry with the
    # same key and another body is refused instead of answered with this payment.
    idempotency_request = models.JSONField(default=dict, blank=True)
    reversed_at = models.DateTimeField(null=True, blank=True)  # when the reversal was entered
    reversal_date = models.DateField(_("estornado em"), null=True, blank=True)  # business date
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
    date = models.DateField(_("data"))  # the document's (business) date; created_at: entered
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.number


class AdjustmentKind(models.TextChoices):
    """Why an adjustment was made: by hand, or the late charges of a payment received after
    the due date (``receivables.late_charges``), their waiver and their reversal."""

    MANUAL = "manual", _("Ajuste")
    LATE_CHARGE = "late_charge", _("Encargos por atraso (multa e juros)")
    LATE_CHARGE_WAIVER = "late_charge_waiver", _("Dispensa de encargos por atraso")
    LATE_CHARGE_REVERSAL = "late_charge_reversal", _("Estorno de encargos por atraso")


LATE_CHARGE_KINDS = (
    AdjustmentKind.LATE_CHARGE,
    AdjustmentKind.LATE_CHARGE_WAIVER,
    AdjustmentKind.LATE_CHARGE_REVERSAL,
)


class Adjustment(models.Model):
    """A signed correction ("ajuste"): positive is a debit (the customer owes more),
    negative a credit; own numbers."""

    number = models.CharField(max_length=20, unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="adjustments")
    amount = money()
    reason = models.CharField(max_length=300)
    date = models.DateField(_("data"))  # the document's (business) date; created_at: entered
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    kind = models.CharField(
        _("tipo"),
        max_length=20,
        choices=AdjustmentKind.choices,
        default=AdjustmentKind.MANUAL,
        db_default=AdjustmentKind.MANUAL,
    )
    # the allocation (a payment received late) whose late charges this books or reverses
    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, null=True, blank=True, related_name="late_charges"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.number


class AdjustmentRequestStatus(models.TextChoices):
    PENDING = "pending", _("Aguardando aprovação")
    APPROVED = "approved", _("Aprovado")
    REJECTED = "rejected", _("Rejeitado")


class AdjustmentRequest(models.Model):
    """A debit that would take the invoice's total above the approval threshold: it waits for
    another Financeiro user's approval and takes effect (as an ``Adjustment``, with its number)
    only then. At most one waits per invoice."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="adjustment_requests"
    )
    amount = money()
    reason = models.CharField(max_length=300)
    status = models.CharField(
        max_length=10,
        choices=AdjustmentRequestStatus.choices,
        default=AdjustmentRequestStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    date = models.DateField(_("data"), null=True, blank=True)  # the adjustment's, if approved
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=300, blank=True)
    adjustment = models.OneToOneField(
        Adjustment, on_delete=models.PROTECT, related_name="request", null=True, blank=True
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"],
                condition=models.Q(status="pending"),
                name="one_pending_adjustment_per_invoice",
                violation_error_message=_("A fatura já tem um ajuste aguardando aprovação."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="adjustment_request_amount_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"ajuste pendente {self.pk} {self.amount}"


class Period(models.Model):
    """A closed accounting month (a row exists only while it is closed): no entry dated in it
    is accepted (``receivables.periods``). Reopening deletes the row; both are events."""

    month = models.DateField(_("mês"), unique=True)  # its first day
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("fechado em"))

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y}"


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
    # the installment that was overdue (each installment goes through the levels once)
    installment = models.PositiveSmallIntegerField(default=1, db_default=1)
    level = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=16, choices=DunningAction.choices)
    balance = money()
    run_at = models.DateTimeField()

    class Meta:
        ordering = ["invoice_id", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "installment", "level"], name="dunning_notice_once"
            )
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
