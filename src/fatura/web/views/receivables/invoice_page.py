"""The invoice's page: what it shows of its life (amounts, badges, allowed actions, payments,
corrections, disputes and the timeline of every event of its case)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy

from fatura.core import clock
from fatura.core.money import format_brl
from fatura.core.roles import Capability, can
from fatura.core.users import User
from fatura.customers.terms import payment_term_label
from fatura.eventlog.models import Event
from fatura.eventlog.selectors import event_list, typed_attributes
from fatura.receivables import domain, late_charges
from fatura.receivables.installments import installment_balances
from fatura.receivables.models import (
    CallOutcome,
    DisputeReason,
    DisputeResolution,
    DunningAction,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    PaymentMethod,
)
from fatura.receivables.selectors import adjustment_pending
from fatura.receivables.withholdings import net_total, withholding_rows
from fatura.usage.events import charge_case_id
from fatura.web.forms_receivables import date_text
from fatura.web.views.receivables.action_specs import buttons_for

STATUS_BADGES = {
    "draft": "badge-neutral",
    "completed": "badge-info",
    "pending_approval": "badge-warning",
    "approved": "badge-info",
    "sent": "badge-info",
    "overdue": "badge-danger",
    "disputed": "badge-warning",
    "closed": "badge-success",
    "written_off": "badge-neutral",
    "converted": "badge-neutral",
}
PAYMENT_BADGES = {
    "unpaid": "badge-neutral",
    "partially_paid": "badge-warning",
    "paid": "badge-success",
    "overpaid": "badge-info",
}


# --- the invoice's page ------------------------------------------------------------------


def invoice_events(invoice: Invoice) -> list[Event]:
    """Every event of the invoice's case and, for a usage invoice, those of the charge it came
    from (consumption, finalization), in the order they happened."""
    events = list(event_list(case_id=invoice.number))
    if invoice.is_usage:
        case = charge_case_id(invoice.customer.document, invoice.period)
        events += list(event_list(case_id=case))
    return sorted(events, key=lambda e: (e.timestamp, e.pk))


def _date(value: Any) -> str:
    return date_text(value) if hasattr(value, "strftime") else str(value)


def _money(value: Any) -> str:
    try:
        return format_brl(Decimal(str(value)))
    except ArithmeticError:
        return str(value)


def _choice(choices: Any) -> Any:
    labels = dict(choices)
    return lambda value: str(labels.get(value, value))


# (attribute, pt-BR name, how to show it): what a reader of the timeline looks for.
_KEY_ATTRIBUTES: tuple[tuple[str, Any, Any], ...] = (
    ("item", gettext_lazy("item"), str),
    ("quantity", gettext_lazy("quantidade"), str),
    ("total_charged", gettext_lazy("total cobrado"), _money),
    ("payment_method", gettext_lazy("forma"), _choice(PaymentMethod.choices)),
    ("payment_amount", gettext_lazy("pagamento"), _money),
    ("applied_amount", gettext_lazy("aplicado"), _money),
    ("discount", gettext_lazy("desconto"), _money),
    ("received_at", gettext_lazy("recebido em"), _date),
    ("posted_at", gettext_lazy("contabilizado em"), _date),
    ("posting_lag_days", gettext_lazy("dias até contabilizar"), str),
    ("reversed_amount", gettext_lazy("estornado"), _money),
    ("dispute_reason", gettext_lazy("motivo"), _choice(DisputeReason.choices)),
    ("dispute_amount", gettext_lazy("contestado"), _money),
    ("dispute_resolution", gettext_lazy("resolução"), _choice(DisputeResolution.choices)),
    ("call_outcome", gettext_lazy("resultado"), _choice(CallOutcome.choices)),
    ("promise_date", gettext_lazy("promessa para"), _date),
    ("credit_note", gettext_lazy("nota de crédito"), str),
    ("credit_amount", gettext_lazy("valor"), _money),
    ("customer_credit", gettext_lazy("crédito do cliente"), _money),
    ("adjustment", gettext_lazy("ajuste"), str),
    ("adjustment_amount", gettext_lazy("valor do ajuste"), _money),
    ("written_off", gettext_lazy("baixado"), _money),
    ("late_fine", gettext_lazy("multa"), _money),
    ("late_interest", gettext_lazy("juros de mora"), _money),
    ("days_late", gettext_lazy("dias de atraso"), str),
    ("late_charges", gettext_lazy("encargos por atraso"), _money),
    ("waived_amount", gettext_lazy("dispensado"), _money),
    ("dunning_level", gettext_lazy("nível da régua"), str),
    ("dunning_action", gettext_lazy("ação"), _choice(DunningAction.choices)),
    ("days_overdue", gettext_lazy("dias em atraso"), str),
    ("reason", gettext_lazy("motivo"), str),
    ("email", gettext_lazy("e-mail"), str),
    ("invoice", gettext_lazy("fatura nova"), str),
    ("proforma", gettext_lazy("proforma"), str),
    ("status", gettext_lazy("situação"), _choice(InvoiceStatus.choices)),
    ("balance", gettext_lazy("saldo"), _money),
)
_ZERO_HIDDEN = {"discount", "customer_credit"}


def event_facts(event: Event) -> list[tuple[str, str]]:
    attributes = typed_attributes(event)
    facts = []
    for key, name, show in _KEY_ATTRIBUTES:
        value = attributes.get(key)
        if value in (None, "") or (key in _ZERO_HIDDEN and not Decimal(str(value))):
            continue
        facts.append((str(name), str(show(value))))
    return facts


def timeline_entries(invoice: Invoice) -> list[dict[str, Any]]:
    return [{"event": e, "facts": event_facts(e)} for e in invoice_events(invoice)]


def invoice_context(invoice: Invoice, user: User) -> dict[str, Any]:
    """Everything the invoice's page shows; the same for the page and after each action."""
    lines = list(invoice.lines.all())  # the invoice comes from receivables' invoice_detail
    today = clock.today()
    owed = invoice.status in domain.RECEIVABLE and invoice.balance > 0
    return {
        "invoice": invoice,
        "lines": lines,
        "timeline": timeline_entries(invoice),
        "actions": buttons_for(invoice, user),
        "allocations": list(invoice.allocations.all()),
        "credit_notes": list(invoice.credit_notes.all()),
        "adjustments": list(invoice.adjustments.all()),
        "pending_adjustment": adjustment_pending(invoice),
        "disputes": list(invoice.disputes.all()),
        "status_badge": STATUS_BADGES.get(invoice.status, "badge-neutral"),
        "payment_badge": PAYMENT_BADGES.get(invoice.payment_status, "badge-neutral"),
        "terms_label": payment_term_label(invoice.payment_terms),
        "installments": installment_balances(invoice) if invoice.installment_count > 1 else [],
        "days_overdue": domain.days_overdue(invoice.due_date, today) if owed else 0,
        "withholdings": withholding_rows(invoice),
        "net_total": net_total(invoice),
        "due_today": late_charges.due_if_paid_on(invoice, today) if owed else None,
        "can_record_payment": owed
        and invoice.kind != InvoiceKind.PROFORMA
        and can(user, Capability.RECORD_PAYMENTS),
    }
