"""The payment instruments issued for an invoice (or one of its installments): a PIX BR Code
identified by its txid, a boleto by its nosso número. The row is the stable identity a bank
file's entry is matched by; amounts and payloads are computed from the invoice when shown."""

from __future__ import annotations

from pathlib import Path

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


# Bank files in (docs/decisions/0028-bank-files-and-matching.md)


class BankFileKind(models.TextChoices):
    CNAB240 = "cnab240", "CNAB 240"
    CNAB400 = "cnab400", "CNAB 400"
    OFX = "ofx", "OFX"


class BankFile(models.Model):
    """A return file or statement imported once (its SHA-256 is unique: the same file sent
    again is answered with its entries counted as duplicates, nothing stored)."""

    kind = models.CharField(_("tipo"), max_length=10, choices=BankFileKind.choices)
    bank_code = models.CharField(_("banco"), max_length=3, blank=True, default="")
    name = models.CharField(_("arquivo"), max_length=200, blank=True, default="")
    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveIntegerField(default=0)
    entries = models.PositiveIntegerField(_("lançamentos"), default=0)
    matched = models.PositiveIntegerField(_("conciliados"), default=0)
    unmatched = models.PositiveIntegerField(_("pendentes"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicados"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("enviado em"))

    class Meta:
        verbose_name = _("arquivo bancário")
        verbose_name_plural = _("arquivos bancários")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.name or self.sha256[:12]}"


class EntryStatus(models.TextChoices):
    MATCHED = "matched", _("Conciliado")
    UNMATCHED = "unmatched", _("Pendente")
    IGNORED = "ignored", _("Ignorado")


class BankEntry(models.Model):
    """One movement of a bank file, once (``entry_id`` is the bank's id for it, unique; it is
    the idempotency key of the payment it became). ``payment`` is the payment created when it
    was matched, automatically or by hand."""

    file = models.ForeignKey(BankFile, on_delete=models.PROTECT, related_name="bank_entries")
    entry_id = models.CharField(_("id do lançamento"), max_length=80, unique=True)
    line = models.PositiveIntegerField(_("linha"), default=0)
    kind = models.CharField(_("natureza"), max_length=14)
    movement = models.CharField(_("movimento"), max_length=20, blank=True, default="")
    bank_code = models.CharField(_("banco"), max_length=3, blank=True, default="")
    credited_on = models.DateField(_("crédito em"), null=True, blank=True)
    amount = models.DecimalField(_("valor"), max_digits=14, decimal_places=2)
    interest = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    discount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    fee = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    nosso_numero = models.CharField(_("nosso número"), max_length=20, blank=True, default="")
    txid = models.CharField(max_length=25, blank=True, default="")
    payer_document = models.CharField(_("CPF/CNPJ do pagador"), max_length=14, blank=True)
    payer_name = models.CharField(_("pagador"), max_length=120, blank=True, default="")
    memo = models.CharField(_("histórico"), max_length=255, blank=True, default="")
    status = models.CharField(_("situação"), max_length=10, choices=EntryStatus.choices)
    reason = models.CharField(_("motivo"), max_length=200, blank=True, default="")
    matched_by_rule = models.CharField(max_length=20, blank=True, default="")
    suggestions = models.JSONField(default=list, blank=True)  # invoice numbers
    payment = models.ForeignKey(
        "receivables.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_entries",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("lançamento bancário")
        verbose_name_plural = _("lançamentos bancários")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"], name="bank_entry_status")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="matched") | models.Q(payment__isnull=False),
                name="bank_entry_matched_has_payment",
                violation_error_message="Um lançamento conciliado tem o seu pagamento.",
            ),
        ]

    def __str__(self) -> str:
        return self.entry_id


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Na fila")
    RUNNING = "running", _("Importando")
    DONE = "done", _("Importado")
    FAILED = "failed", _("Falhou")


class BankFileJob(models.Model):
    """A large bank file imported by the worker (docs/decisions/0035): the file was read whole
    when it was sent (a bad one is refused then, nothing queued); the upload waits under
    ``DATA_DIR/uploads/bank-files/`` while queued; the outcome is the :class:`BankFile` and
    its counts (done), or the error (failed, nothing kept)."""

    filename = models.CharField(_("arquivo"), max_length=200)
    kind = models.CharField(_("tipo"), max_length=10, choices=BankFileKind.choices)
    entries = models.PositiveIntegerField(_("lançamentos"), default=0)
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    upload = models.CharField(max_length=500, blank=True, default="")
    task_id = models.CharField(max_length=64, blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.ForeignKey(
        BankFile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    matched = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    errors = models.JSONField(default=list, blank=True)  # [{line, field, message}]

    class Meta:
        verbose_name = _("importação de arquivo bancário")
        verbose_name_plural = _("importações de arquivos bancários")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @staticmethod
    def upload_dir() -> Path:
        return Path(settings.DATA_DIR) / "uploads" / "bank-files"
