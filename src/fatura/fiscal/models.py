"""Service orders, the NFS-e that cover them, and the expected lag between the two.

An NFS-e covers one or more service orders and an order may be split over several NFS-e:
:class:`NfseCoverage` holds the value share of each pair (the shares of an NFS-e add up to its
value of services). Definitions of the KPI over them: docs/nfse-kpi.md.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fatura.customers.models import Customer
from fatura.receivables.models import Invoice


class ServiceOrderStatus(models.TextChoices):
    OPEN = "open", _("Aberta")
    COMPLETED = "completed", _("Concluída")
    BILLED = "billed", _("Faturada")
    CANCELLED = "cancelled", _("Cancelada")


class Source(models.TextChoices):
    FATURA = "fatura", _("Fatura")
    IMPORT = "import", _("Importação")


class ServiceType(models.Model):
    """A kind of service the company sells, with the tax codes its NFS-e carry."""

    name = models.CharField(_("tipo de serviço"), max_length=80, unique=True)
    national_code = models.CharField(_("código de tributação nacional (cTribNac)"), max_length=6)
    municipal_code = models.CharField(
        _("código de tributação municipal (cTribMun)"), max_length=3, blank=True
    )
    iss_rate = models.DecimalField(_("alíquota de ISS (%)"), max_digits=5, decimal_places=2)
    description = models.CharField(_("descrição do serviço"), max_length=600, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceOrder(models.Model):
    number = models.CharField(_("número"), max_length=60, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="service_orders")
    service_type = models.CharField(_("tipo de serviço"), max_length=80)
    team = models.CharField(_("equipe"), max_length=80)
    value = models.DecimalField(_("valor"), max_digits=14, decimal_places=2)
    status = models.CharField(
        max_length=10, choices=ServiceOrderStatus.choices, default=ServiceOrderStatus.OPEN
    )
    completed_at = models.DateTimeField(_("concluída em"), null=True, blank=True)
    billed_at = models.DateTimeField(_("faturada em"), null=True, blank=True)
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_orders",
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.FATURA)
    delay_reason = models.ForeignKey(
        "fiscal.DelayReason",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_orders",
        verbose_name=_("motivo do atraso"),
    )
    delay_note = models.CharField(_("observação do atraso"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_at", "number"]
        indexes = [
            # completed_at first (the lists and the backlog), then what the KPI sums (0040)
            models.Index(fields=["completed_at", "status", "value"], name="fiscal_so_completed"),
            models.Index(fields=["customer", "service_type"], name="fiscal_so_customer_type"),
            # the KPI's lookups by id read the index only on PostgreSQL (0040)
            models.Index(
                fields=[
                    "id",
                    "completed_at",
                    "billed_at",
                    "customer",
                    "service_type",
                    "team",
                    "delay_reason",
                ],
                name="fiscal_so_kpi",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gte=0), name="fiscal_so_value_gte_0"),
            models.CheckConstraint(
                condition=models.Q(billed_at__isnull=True) | models.Q(completed_at__isnull=False),
                name="fiscal_so_billed_after_completed",
                violation_error_message="Uma ordem de serviço só é faturada depois de concluída.",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def case_id(self) -> str:
        """The event log case: the invoice's number once billed on one, else the order's."""
        return self.invoice.number if self.invoice_id and self.invoice else self.number


class NfseStatus(models.TextChoices):
    ISSUED = "issued", _("Emitida")
    CANCELLED = "cancelled", _("Cancelada")
    REPLACED = "replaced", _("Substituída")


class Nfse(models.Model):
    number = models.CharField(_("número"), max_length=15, unique=True)
    access_key = models.CharField(
        _("chave de acesso"), max_length=53, null=True, blank=True, unique=True
    )
    verification_code = models.CharField(_("código de verificação"), max_length=60, blank=True)
    issued_at = models.DateTimeField(_("emitida em"))
    value = models.DecimalField(_("valor dos serviços"), max_digits=14, decimal_places=2)
    iss_rate = models.DecimalField(
        _("alíquota de ISS (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    iss_amount = models.DecimalField(
        _("valor do ISS"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    net_value = models.DecimalField(
        _("valor líquido"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    service_code = models.CharField(_("código do serviço (cTribNac)"), max_length=6, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="nfses")
    status = models.CharField(max_length=10, choices=NfseStatus.choices, default=NfseStatus.ISSUED)
    cancelled_at = models.DateTimeField(_("cancelada em"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces"
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="nfses"
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.IMPORT)
    xml = models.TextField(_("XML da NFS-e"), blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_at", "number"]
        indexes = [
            models.Index(fields=["issued_at"], name="fiscal_nfse_issued"),
            # the KPI's period of issued NFS-e from the index alone (0040)
            models.Index(fields=["status", "issued_at", "id"], name="fiscal_nfse_kpi"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gte=0), name="fiscal_nfse_value_gte_0")
        ]

    def __str__(self) -> str:
        return self.number


class NfseCoverage(models.Model):
    """The share of an NFS-e's value that covers one service order."""

    nfse = models.ForeignKey(Nfse, on_delete=models.CASCADE, related_name="coverages")
    service_order = models.ForeignKey(
        ServiceOrder, on_delete=models.PROTECT, related_name="coverages"
    )
    value = models.DecimalField(_("valor coberto"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["nfse_id", "service_order_id"]
        # the KPI reads an NFS-e's shares from the index alone (0040)
        indexes = [
            models.Index(fields=["nfse", "service_order", "value"], name="fiscal_coverage_kpi")
        ]
        constraints = [
            models.UniqueConstraint(fields=["nfse", "service_order"], name="fiscal_coverage_once"),
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="fiscal_coverage_value_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nfse_id} -> {self.service_order_id}: {self.value}"


class ExpectedLag(models.Model):
    """Expected days from an order's completion to its NFS-e: global (no service type, no
    customer), per service type, per customer, or per customer and service type. The most
    specific setting wins. ``scope`` is the unique key of the four combinations."""

    scope = models.CharField(max_length=200, unique=True, editable=False)
    service_type = models.CharField(_("tipo de serviço"), max_length=80, blank=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    days = models.DecimalField(_("dias esperados"), max_digits=7, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scope"]
        constraints = [
            models.CheckConstraint(condition=models.Q(days__gte=0), name="fiscal_lag_days_gte_0")
        ]

    def __str__(self) -> str:
        return f"{self.scope}: {self.days}"

    @staticmethod
    def scope_of(service_type: str, customer_id: int | None) -> str:
        return f"customer={customer_id or ''};service_type={service_type}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Na fila")
    RUNNING = "running", _("Importando")
    DONE = "done", _("Importado")
    FAILED = "failed", _("Falhou")


class NfseImport(models.Model):
    """An NFS-e zip imported by the worker: the uploaded file waits under
    ``DATA_DIR/uploads/nfse/`` while queued; the outcome is the counts, or the errors (each with
    its file, line, field and message) and nothing imported."""

    filename = models.CharField(max_length=255)
    status = models.CharField(
        max_length=8, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    upload = models.CharField(max_length=500, blank=True, default="")
    task_id = models.CharField(max_length=64, blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)  # created, updated, ... when done
    error = models.TextField(blank=True, default="")
    errors = models.JSONField(default=list, blank=True)  # [{file, line, field, message}]

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @staticmethod
    def upload_dir() -> Path:
        return Path(settings.DATA_DIR) / "uploads" / "nfse"


class DelayKind(models.TextChoices):
    INTERNAL = "internal", _("Interno")
    CUSTOMER = "customer", _("A pedido do cliente")


class DelayReason(models.Model):
    """Why an order's NFS-e is late: a configurable list, each reason internal or asked for by
    the customer (docs/nfse-kpi.md, "Delay reasons")."""

    label = models.CharField(_("motivo"), max_length=120, unique=True)
    kind = models.CharField(_("tipo"), max_length=10, choices=DelayKind.choices)
    active = models.BooleanField(_("ativo"), default=True)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class IssuanceStatus(models.TextChoices):
    PENDING = "pending", _("Em emissão")
    ISSUED = "issued", _("Emitida")
    REJECTED = "rejected", _("Rejeitada")
    CANCELLED = "cancelled", _("Cancelada")


class NfseIssuance(models.Model):
    """One NFS-e Fatura issues through the Sefin Nacional for an invoice (docs/decisions/0038):
    the DPS (its own number series, signed), the attempts to send it, and the outcome. The
    :class:`Nfse` row (and its coverages) exists only once the NFS-e is authorized; a rejection
    keeps its code and message here and leaves no NFS-e."""

    number = models.CharField(_("número da emissão"), max_length=20, unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="nfse_issuances")
    nfse = models.OneToOneField(
        Nfse, on_delete=models.PROTECT, null=True, blank=True, related_name="issuance"
    )
    status = models.CharField(
        max_length=10, choices=IssuanceStatus.choices, default=IssuanceStatus.PENDING
    )
    dps_series = models.CharField(_("série da DPS"), max_length=5)
    dps_number = models.BigIntegerField(_("número da DPS"))
    dps_id = models.CharField(_("Id da DPS"), max_length=45, blank=True)
    dps_xml = models.TextField(_("DPS assinada"), blank=True)
    access_key = models.CharField(_("chave de acesso"), max_length=50, blank=True)
    rejection_code = models.CharField(_("código da rejeição"), max_length=20, blank=True)
    rejection_message = models.TextField(_("motivo da rejeição"), blank=True)
    rejection_errors = models.JSONField(default=list, blank=True)  # [{code, message, detail}]
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)  # the last transport error (retried)
    task_id = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)  # first sent: ask before resending
    issued_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)
    cancel_event_xml = models.TextField(blank=True)  # the e101101 event the Sefin registered
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dps_series", "dps_number"], name="fiscal_issuance_dps_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.status})"

    @property
    def authorized_xml(self) -> str:
        """The authorized NFS-e XML the Sefin Nacional returned ("" until issued)."""
        return self.nfse.xml if self.nfse_id and self.nfse else ""
