"""The invoice's vocabularies, each defined once (value + translatable label): its kind, its
document status and its payment status. Model choices, the API's enums, the pure state
machines (``domain``), pages, CSV and PDF all read them from here, so an English page shows
English names (docs/decisions/0025). No database: ``domain`` imports it too."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InvoiceKind(models.TextChoices):
    USAGE = "usage", _("Uso (cobrança mensal)")
    SIMPLE = "simple", _("Avulsa")
    RECURRING = "recurring", _("Recorrente")
    PROFORMA = "proforma", _("Proforma")


class InvoiceStatus(models.TextChoices):
    """The document's state machine (see ``domain``)."""

    DRAFT = "draft", _("Rascunho")
    COMPLETED = "completed", _("Concluída")
    PENDING_APPROVAL = "pending_approval", _("Aguardando aprovação")
    APPROVED = "approved", _("Aprovada")
    SENT = "sent", _("Enviada ao cliente")
    OVERDUE = "overdue", _("Vencida")
    DISPUTED = "disputed", _("Em disputa")
    CLOSED = "closed", _("Encerrada")
    WRITTEN_OFF = "written_off", _("Baixada como perda")
    CONVERTED = "converted", _("Convertida em fatura")


class PaymentStatus(models.TextChoices):
    """The payment's state machine: what was applied against what is owed."""

    UNPAID = "unpaid", _("Em aberto")
    PARTIALLY_PAID = "partially_paid", _("Parcialmente paga")
    PAID = "paid", _("Paga")
    OVERPAID = "overpaid", _("Paga a maior")


def label_of(choices: type[models.TextChoices], value: str) -> str:
    """The label of ``value`` in the active language; an unknown value as it is (an old event
    attribute, say)."""
    return str(choices(value).label) if value in choices.values else value


class DeliveryStatus(models.TextChoices):
    """Where the invoice's e-mail is (``receivables.delivery``); empty: no automatic delivery
    (the customer's policy is manual, or the invoice was not issued for sending)."""

    NONE = "", _("—")
    QUEUED = "queued", _("Na fila de envio")
    SENDING = "sending", _("Enviando")
    DELIVERED = "delivered", _("Enviada por e-mail")
    FAILED = "failed", _("Falha no envio")
    HELD = "held", _("Retida para aprovação")
