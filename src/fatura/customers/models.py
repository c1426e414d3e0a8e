from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from fatura.core.documents import format_document
from fatura.core.terms import Installment, TermRule

# The term a customer gets unless another is chosen (created by migration 0004).
DEFAULT_TERMS = "NET30"


class PaymentTerm(models.Model):
    """A payment term ("condição de pagamento"): installments as (days after the issue date,
    percent of the total) and an optional early-payment discount. Its rules are pure
    (``core.terms``); ``customers.terms`` validates and writes. Customers and invoices carry
    the code; an invoice keeps its own installments, so editing a term changes only the
    invoices issued after."""

    code = models.CharField(_("código"), max_length=20, unique=True)
    label = models.CharField(_("descrição"), max_length=80)
    # [{"days": 30, "percent": "33.33"}, ...]: days ascending, percents summing to 100
    installments = models.JSONField(_("parcelas"), default=list)
    discount_percent = models.DecimalField(
        _("desconto (%)"), max_digits=4, decimal_places=2, default=0
    )
    discount_days = models.PositiveSmallIntegerField(_("dias do desconto"), default=0)
    active = models.BooleanField(_("ativa"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("condição de pagamento")
        verbose_name_plural = _("condições de pagamento")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discount_percent__gte=0, discount_percent__lt=100),
                name="payment_term_discount_percent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.label})"

    @property
    def rule(self) -> TermRule:
        return TermRule(
            code=self.code,
            label=self.label,
            installments=tuple(
                Installment(int(i["days"]), Decimal(str(i["percent"]))) for i in self.installments
            ),
            discount_percent=Decimal(self.discount_percent),
            discount_days=self.discount_days,
        )


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
    # the code of a PaymentTerm (checked by customers.services)
    payment_terms = models.CharField(
        _("condição de pagamento"), max_length=20, default=DEFAULT_TERMS
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
    # the taxes this customer withholds from what it pays (core.withholdings: iss, irrf, pis,
    # cofins, csll, inss), as codes; invoices compute the amounts when issued
    withholdings = models.JSONField(_("retenções"), default=list, blank=True)
    collector = models.ForeignKey(
        "auth.User",
        verbose_name=_("cobrador"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="collected_customers",
    )
    # Late charges on what is paid after its due date (receivables.late_charges); null: the
    # settings' defaults (FATURA_LATE_FINE_PERCENT / FATURA_LATE_INTEREST_MONTHLY_PERCENT, 0)
    late_fine_percent = models.DecimalField(
        _("multa por atraso (%)"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    late_interest_monthly_percent = models.DecimalField(
        _("juros de mora ao mês (%)"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name"], name="customer_name")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(late_fine_percent__gte=0, late_fine_percent__lte=20)
                | models.Q(late_fine_percent__isnull=True),
                name="customer_late_fine_0_20",
                violation_error_message=_("A multa por atraso vai de 0% a 20%."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    late_interest_monthly_percent__gte=0, late_interest_monthly_percent__lte=10
                )
                | models.Q(late_interest_monthly_percent__isnull=True),
                name="customer_late_interest_0_10",
                violation_error_message=_("Os juros de mora vão de 0% a 10% ao mês."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.document_display})"

    @property
    def document_display(self) -> str:
        return format_document(self.document)
