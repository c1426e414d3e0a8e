"""Activity names (English, after the order-to-cash templates) and their pt-BR labels.

The log stores the English name, so mined logs line up with ERP templates; pages show the
label in the reader's language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CUSTOMER_CREATED = "Customer Created"
CUSTOMER_UPDATED = "Customer Updated"
PAYMENT_TERM_CREATED = "Payment Term Created"
PAYMENT_TERM_CHANGED = "Payment Term Changed"
BILLING_ITEM_CREATED = "Billing Item Created"
PRICE_VERSION_ADDED = "Price Version Added"
PRICE_VERSION_REMOVED = "Price Version Removed"
PRICE_VERSION_REPLACED = "Price Version Replaced"
BILLING_ITEM_DELETED = "Billing Item Deleted"
CONSUMPTION_RECORDED = "Consumption Recorded"
CONSUMPTION_DELETED = "Consumption Deleted"
VOLUME_FILE_IMPORTED = "Volume File Imported"
CHARGE_FINALIZED = "Charge Finalized"
INVOICE_CREATED = "Invoice Created"
INVOICE_COMPLETED = "Invoice Completed"
BILLING_RUN_COMPLETED = "Billing Run Completed"
# receivables and collections (order-to-cash / credit-and-collections templates)
INVOICE_SENT_FOR_APPROVAL = "Invoice Sent for Approval"
INVOICE_APPROVED = "Invoice Approved"
INVOICE_REJECTED = "Invoice Rejected"
INVOICE_SENT = "Invoice Sent to Customer"
INVOICE_DELIVERY_FAILED = "Invoice Delivery Failed"
DUE_DATE_PASSED = "Due Date Passed"
PAYMENT_REMINDER = "Payment Reminder Issued"
DUNNING_INITIATED = "Dunning Procedure Initiated"
COLLECTION_CALL = "Collection Call Made"
DISPUTE_REGISTERED = "Dispute Registered"
DISPUTE_RESOLVED = "Dispute Resolved"
CREDIT_NOTE_ISSUED = "Credit Note Issued"
INVOICE_ADJUSTED = "Invoice Adjusted"
ADJUSTMENT_SENT_FOR_APPROVAL = "Adjustment Sent for Approval"
ADJUSTMENT_APPROVED = "Adjustment Approved"
ADJUSTMENT_REJECTED = "Adjustment Rejected"
PAYMENT_RECEIVED = "Payment Received"
PAYMENT_POSTED = "Payment Posted"
PAYMENT_APPLIED = "Payment Applied to Invoice"
PAYMENT_REVERSED = "Payment Reversed"
LATE_CHARGES_APPLIED = "Late Charges Applied"
LATE_CHARGES_WAIVED = "Late Charges Waived"
LATE_CHARGES_REVERSED = "Late Charges Reversed"
INVOICE_CLOSED = "Invoice Closed"
INVOICE_WRITTEN_OFF = "Invoice Written Off"
PROFORMA_CONVERTED = "Proforma Converted"
# accounting periods (case "period:YYYY-MM")
PERIOD_CLOSED = "Period Closed"
PERIOD_REOPENED = "Period Reopened"
# fiscal: service orders and their NFS-e (service-to-cash)
SERVICE_ORDER_COMPLETED = "Service Order Completed"
SERVICE_ORDER_BILLED = "Service Order Billed"
NFSE_ISSUED = "NFS-e Issued"
NFSE_CANCELLED = "NFS-e Cancelled"
NFSE_REJECTED = "NFS-e Rejected"  # the Sefin Nacional refused the DPS Fatura sent
DELAY_REASON_RECORDED = "Delay Reason Recorded"
# banking: bank files in (return files, statements)
BANK_FILE_IMPORTED = "Bank File Imported"
BANK_ENTRY_IGNORED = "Bank Entry Ignored"

LABELS = {
    CUSTOMER_CREATED: _("Cliente cadastrado"),
    CUSTOMER_UPDATED: _("Cliente alterado"),
    PAYMENT_TERM_CREATED: _("Condição de pagamento criada"),
    PAYMENT_TERM_CHANGED: _("Condição de pagamento alterada"),
    BILLING_ITEM_CREATED: _("Item de cobrança criado"),
    PRICE_VERSION_ADDED: _("Preço cadastrado"),
    PRICE_VERSION_REMOVED: _("Preço removido"),
    PRICE_VERSION_REPLACED: _("Preço substituído"),
    BILLING_ITEM_DELETED: _("Item de cobrança excluído"),
    CONSUMPTION_RECORDED: _("Consumo lançado"),
    CONSUMPTION_DELETED: _("Consumo excluído"),
    VOLUME_FILE_IMPORTED: _("Arquivo de volumetria importado"),
    CHARGE_FINALIZED: _("Cobrança finalizada"),
    INVOICE_CREATED: _("Fatura criada"),
    INVOICE_COMPLETED: _("Fatura concluída"),
    BILLING_RUN_COMPLETED: _("Faturamento do mês concluído"),
    INVOICE_SENT_FOR_APPROVAL: _("Fatura enviada para aprovação"),
    INVOICE_APPROVED: _("Fatura aprovada"),
    INVOICE_REJECTED: _("Fatura rejeitada"),
    INVOICE_SENT: _("Fatura enviada ao cliente"),
    INVOICE_DELIVERY_FAILED: _("Falha no envio da fatura"),
    DUE_DATE_PASSED: _("Vencimento ultrapassado"),
    PAYMENT_REMINDER: _("Lembrete de pagamento enviado"),
    DUNNING_INITIATED: _("Procedimento de cobrança iniciado"),
    COLLECTION_CALL: _("Ligação de cobrança realizada"),
    DISPUTE_REGISTERED: _("Disputa registrada"),
    DISPUTE_RESOLVED: _("Disputa resolvida"),
    CREDIT_NOTE_ISSUED: _("Nota de crédito emitida"),
    INVOICE_ADJUSTED: _("Fatura ajustada"),
    ADJUSTMENT_SENT_FOR_APPROVAL: _("Ajuste enviado para aprovação"),
    ADJUSTMENT_APPROVED: _("Ajuste aprovado"),
    ADJUSTMENT_REJECTED: _("Ajuste rejeitado"),
    PAYMENT_RECEIVED: _("Pagamento recebido"),
    PAYMENT_POSTED: _("Pagamento contabilizado"),
    PAYMENT_APPLIED: _("Pagamento aplicado à fatura"),
    PAYMENT_REVERSED: _("Pagamento estornado"),
    LATE_CHARGES_APPLIED: _("Encargos por atraso lançados"),
    LATE_CHARGES_WAIVED: _("Encargos por atraso dispensados"),
    LATE_CHARGES_REVERSED: _("Encargos por atraso estornados"),
    INVOICE_CLOSED: _("Fatura encerrada"),
    INVOICE_WRITTEN_OFF: _("Fatura baixada como perda"),
    PROFORMA_CONVERTED: _("Proforma convertida em fatura"),
    PERIOD_CLOSED: _("Mês fechado"),
    PERIOD_REOPENED: _("Mês reaberto"),
    SERVICE_ORDER_COMPLETED: _("Ordem de serviço concluída"),
    SERVICE_ORDER_BILLED: _("Ordem de serviço faturada"),
    NFSE_ISSUED: _("NFS-e emitida"),
    NFSE_CANCELLED: _("NFS-e cancelada"),
    NFSE_REJECTED: _("NFS-e rejeitada"),
    DELAY_REASON_RECORDED: _("Motivo de atraso registrado"),
    BANK_FILE_IMPORTED: _("Arquivo bancário importado"),
    BANK_ENTRY_IGNORED: _("Lançamento bancário ignorado"),
}


def label(activity: str) -> str:
    return str(LABELS.get(activity, activity))
