"""Activity names (English, after the order-to-cash templates) and their pt-BR labels.

The log stores the English name, so mined logs line up with ERP templates; pages show the
label in the reader's language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CUSTOMER_CREATED = "Customer Created"
BILLING_ITEM_CREATED = "Billing Item Created"
PRICE_VERSION_ADDED = "Price Version Added"
PRICE_VERSION_REMOVED = "Price Version Removed"
BILLING_ITEM_DELETED = "Billing Item Deleted"
CONSUMPTION_RECORDED = "Consumption Recorded"
CONSUMPTION_DELETED = "Consumption Deleted"
VOLUME_FILE_IMPORTED = "Volume File Imported"
CHARGE_FINALIZED = "Charge Finalized"
INVOICE_CREATED = "Invoice Created"
INVOICE_COMPLETED = "Invoice Completed"
BILLING_RUN_COMPLETED = "Billing Run Completed"

LABELS = {
    CUSTOMER_CREATED: _("Cliente cadastrado"),
    BILLING_ITEM_CREATED: _("Item de cobrança criado"),
    PRICE_VERSION_ADDED: _("Preço cadastrado"),
    PRICE_VERSION_REMOVED: _("Preço removido"),
    BILLING_ITEM_DELETED: _("Item de cobrança excluído"),
    CONSUMPTION_RECORDED: _("Consumo lançado"),
    CONSUMPTION_DELETED: _("Consumo excluído"),
    VOLUME_FILE_IMPORTED: _("Arquivo de volumetria importado"),
    CHARGE_FINALIZED: _("Cobrança finalizada"),
    INVOICE_CREATED: _("Fatura criada"),
    INVOICE_COMPLETED: _("Fatura concluída"),
    BILLING_RUN_COMPLETED: _("Faturamento do mês concluído"),
}


def label(activity: str) -> str:
    return str(LABELS.get(activity, activity))
