"""What an invoice's page may offer: each action with its label, the capability it needs, its
form and the service it calls; ``buttons_for`` picks those the invoice's state allows
(``receivables.domain.allowed_actions``) and the user's role may do. The page
(:mod:`.invoice_page`) shows them; :mod:`.invoice_actions` runs them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fatura.core.money import format_brl
from fatura.core.roles import Capability, can
from fatura.core.users import User
from fatura.receivables import corrections, late_charges, services
from fatura.receivables.collections import invoice_call, invoice_remind
from fatura.receivables.delivery import invoice_resend
from fatura.receivables.domain import allowed_actions
from fatura.receivables.models import AdjustmentRequest, DeliveryStatus, Invoice, InvoiceKind
from fatura.receivables.selectors import adjustment_pending, invoice_open_disputes
from fatura.web.forms_receivables import (
    CallForm,
    ConfirmForm,
    DatedAmountReasonForm,
    DisputeForm,
    LateChargesWaiveForm,
    ReasonForm,
    ResolveDisputeForm,
    WriteOffForm,
)

Data = dict[str, Any]
# What a successful action says, and where to go next (None: the invoice's page).
Outcome = tuple[str, str | None]


def _complete(user: User, invoice: Invoice, data: Data) -> Outcome:
    services.invoice_complete(by=user, number=invoice.number)
    return _("Fatura concluída."), None


def _submit(user: User, invoice: Invoice, data: Data) -> Outcome:
    services.invoice_submit(by=user, number=invoice.number)
    return _("Fatura enviada para aprovação."), None


def _approve(user: User, invoice: Invoice, data: Data) -> Outcome:
    services.invoice_approve(by=user, number=invoice.number)
    return _("Fatura aprovada."), None


def _reject(user: User, invoice: Invoice, data: Data) -> Outcome:
    services.invoice_reject(by=user, number=invoice.number, reason=data["reason"])
    return _("Fatura rejeitada: voltou para rascunho."), None


def _send(user: User, invoice: Invoice, data: Data) -> Outcome:
    sent = services.invoice_send(by=user, number=invoice.number)
    return _("Fatura enviada ao cliente por e-mail (%(email)s), com o PDF.") % {
        "email": sent.customer.email
    }, None


def _resend(user: User, invoice: Invoice, data: Data) -> Outcome:
    sent = invoice_resend(by=user, number=invoice.number)
    return _("Fatura reenviada ao cliente por e-mail (%(email)s), com o PDF.") % {
        "email": sent.customer.email
    }, None


def _remind(user: User, invoice: Invoice, data: Data) -> Outcome:
    invoice_remind(by=user, number=invoice.number)
    return _("Lembrete de pagamento enviado por e-mail."), None


def _call(user: User, invoice: Invoice, data: Data) -> Outcome:
    call = invoice_call(
        by=user,
        number=invoice.number,
        outcome=data["outcome"],
        promise_date=data["promise_date"],
        note=data["note"],
    )
    return _("Ligação registrada: %(outcome)s.") % {"outcome": call.get_outcome_display()}, None


def _dispute(user: User, invoice: Invoice, data: Data) -> Outcome:
    dispute = corrections.dispute_register(
        by=user, number=invoice.number, reason=data["reason"], amount=data["amount"],
        note=data["note"],
    )  # fmt: skip
    return _("Disputa registrada (%(reason)s, %(amount)s): a régua de cobrança pausa.") % {
        "reason": dispute.get_reason_display(),
        "amount": format_brl(dispute.amount),
    }, None


def _resolve(user: User, invoice: Invoice, data: Data) -> Outcome:
    dispute = corrections.dispute_resolve(
        by=user, number=invoice.number, resolution=data["resolution"],
        dispute_id=data["dispute_id"], amount=data["amount"] or None, note=data["note"],
    )  # fmt: skip
    return _("Disputa resolvida: %(resolution)s.") % {
        "resolution": dispute.get_resolution_display()
    }, None


def _credit_note(user: User, invoice: Invoice, data: Data) -> Outcome:
    note = corrections.credit_note_issue(
        by=user,
        number=invoice.number,
        amount=data["amount"],
        reason=data["reason"],
        date=data.get("date"),
    )
    return _("Nota de crédito %(number)s emitida: %(amount)s.") % {
        "number": note.number,
        "amount": format_brl(note.amount),
    }, None


def _adjust(user: User, invoice: Invoice, data: Data) -> Outcome:
    adjustment = corrections.invoice_adjust(
        by=user,
        number=invoice.number,
        amount=data["amount"],
        reason=data["reason"],
        date=data.get("date"),
    )
    if isinstance(adjustment, AdjustmentRequest):
        return _(
            "O ajuste de %(amount)s leva a fatura acima do limite de aprovação: ele vale depois "
            "de aprovado por outro usuário do Financeiro."
        ) % {"amount": format_brl(adjustment.amount)}, None
    return _("Ajuste %(number)s registrado: %(amount)s.") % {
        "number": adjustment.number,
        "amount": format_brl(adjustment.amount),
    }, None


def _approve_adjustment(user: User, invoice: Invoice, data: Data) -> Outcome:
    adjustment = corrections.invoice_adjustment_approve(by=user, number=invoice.number)
    return _("Ajuste %(number)s aprovado: %(amount)s.") % {
        "number": adjustment.number,
        "amount": format_brl(adjustment.amount),
    }, None


def _reject_adjustment(user: User, invoice: Invoice, data: Data) -> Outcome:
    request = corrections.invoice_adjustment_reject(
        by=user, number=invoice.number, reason=data["reason"]
    )
    return _("Ajuste de %(amount)s rejeitado: a fatura não muda.") % {
        "amount": format_brl(request.amount)
    }, None


def _write_off(user: User, invoice: Invoice, data: Data) -> Outcome:
    done = corrections.invoice_write_off(
        by=user, number=invoice.number, reason=data["reason"], date=data.get("date")
    )
    return _("Saldo de %(amount)s baixado como perda: a fatura foi encerrada.") % {
        "amount": format_brl(done.amount_written_off)
    }, None


def _waive_late_charges(user: User, invoice: Invoice, data: Data) -> Outcome:
    waiver = late_charges.late_charges_waive(
        by=user, number=invoice.number, amount=data["amount"] or None, reason=data["reason"]
    )
    return _("Encargos por atraso de %(amount)s dispensados (%(number)s).") % {
        "amount": format_brl(-waiver.amount),
        "number": waiver.number,
    }, None


def _convert(user: User, invoice: Invoice, data: Data) -> Outcome:
    new = services.proforma_convert(by=user, number=invoice.number)
    message = _("Proforma %(proforma)s convertida na fatura %(number)s (rascunho).") % {
        "proforma": invoice.number,
        "number": new.number,
    }
    return message, new.number


def _plain(invoice: Invoice, data: Any) -> forms.Form:
    return ConfirmForm(data)


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str | Promise
    capability: Capability
    run: Callable[[Any, Invoice, Data], Outcome]
    form: Callable[[Invoice, Any], forms.Form] = _plain
    style: str = "button-secondary"
    hint: str | Promise = ""


SPECS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("complete", gettext_lazy("Concluir"), Capability.MANAGE_INVOICES, _complete,
                   style="button-primary",
                   hint=gettext_lazy("Depois de concluída, a fatura não é mais editada.")),
        ActionSpec("submit", gettext_lazy("Enviar para aprovação"), Capability.MANAGE_INVOICES,
                   _submit, style="button-primary"),
        ActionSpec("approve", gettext_lazy("Aprovar"), Capability.APPROVE_INVOICES, _approve,
                   style="button-primary",
                   hint=gettext_lazy("A aprovação deve vir de quem não criou a fatura.")),
        ActionSpec("reject", gettext_lazy("Rejeitar"), Capability.APPROVE_INVOICES, _reject,
                   lambda i, d: ReasonForm(d), style="button-danger-ghost",
                   hint=gettext_lazy("A fatura volta para rascunho (retrabalho).")),
        ActionSpec("send", gettext_lazy("Enviar ao cliente"), Capability.MANAGE_INVOICES, _send,
                   style="button-primary",
                   hint=gettext_lazy("Envia por e-mail ao cliente, com o PDF anexo.")),
        ActionSpec("resend", gettext_lazy("Reenviar"), Capability.MANAGE_INVOICES, _resend,
                   style="button-primary",
                   hint=gettext_lazy("O envio por e-mail falhou: tenta de novo agora, com o PDF.")),
        ActionSpec("remind", gettext_lazy("Enviar lembrete"), Capability.LOG_COLLECTION, _remind,
                   hint=gettext_lazy("Envia um lembrete de pagamento por e-mail ao cliente.")),
        ActionSpec("call", gettext_lazy("Registrar ligação"), Capability.LOG_COLLECTION, _call,
                   lambda i, d: CallForm(d)),
        ActionSpec("dispute", gettext_lazy("Registrar disputa"), Capability.LOG_COLLECTION,
                   _dispute, lambda i, d: DisputeForm(d),
                   hint=gettext_lazy("Enquanto houver disputa aberta, a régua de cobrança pausa.")),
        ActionSpec("resolve-dispute", gettext_lazy("Resolver disputa"),
                   Capability.MANAGE_INVOICES, _resolve,
                   lambda i, d: ResolveDisputeForm(d, disputes=invoice_open_disputes(i)),
                   style="button-primary"),
        ActionSpec("credit-note", gettext_lazy("Emitir nota de crédito"),
                   Capability.MANAGE_INVOICES, _credit_note,
                   lambda i, d: DatedAmountReasonForm(d)),
        ActionSpec("adjust", gettext_lazy("Ajustar"), Capability.MANAGE_INVOICES, _adjust,
                   lambda i, d: DatedAmountReasonForm(d, signed=True)),
        ActionSpec("approve-adjustment", gettext_lazy("Aprovar ajuste"),
                   Capability.APPROVE_INVOICES, _approve_adjustment, style="button-primary",
                   hint=gettext_lazy("A aprovação deve vir de quem não pediu o ajuste.")),
        ActionSpec("reject-adjustment", gettext_lazy("Rejeitar ajuste"),
                   Capability.APPROVE_INVOICES, _reject_adjustment, lambda i, d: ReasonForm(d),
                   style="button-danger-ghost"),
        ActionSpec("write-off", gettext_lazy("Baixar como perda"), Capability.WRITE_OFF,
                   _write_off, lambda i, d: WriteOffForm(d), style="button-danger-ghost",
                   hint=gettext_lazy("Baixa todo o saldo em aberto e encerra a fatura.")),
        ActionSpec("waive-late-charges", gettext_lazy("Dispensar encargos por atraso"),
                   Capability.MANAGE_INVOICES, _waive_late_charges,
                   lambda i, d: LateChargesWaiveForm(d, open_amount=late_charges.late_open(i)),
                   hint=gettext_lazy("Um crédito na fatura, com o motivo, de multa e juros "
                                     "de mora ainda em aberto.")),
        ActionSpec("convert", gettext_lazy("Converter em fatura"), Capability.MANAGE_INVOICES,
                   _convert, style="button-primary",
                   hint=gettext_lazy("Cria uma fatura nova, em rascunho, com as mesmas linhas.")),
    )
}  # fmt: skip


# Offered while an adjustment waits for approval, whatever the state.
PENDING_ADJUSTMENT_ACTIONS = ("approve-adjustment", "reject-adjustment")
# Offered while late charges are open on a receivable (receivables.late_charges).
LATE_CHARGE_ACTIONS = ("waive-late-charges",)


def buttons_for(invoice: Invoice, user: User) -> list[ActionSpec]:
    """The state's allowed actions that the user's role may do, in the state machine's order;
    then, while an adjustment waits, its approval and rejection."""
    proforma = invoice.kind == InvoiceKind.PROFORMA
    names = allowed_actions(invoice.status, proforma=proforma)
    if invoice.delivery == DeliveryStatus.FAILED:  # the e-mail failed: "Reenviar" instead
        names = ["resend" if n == "send" else n for n in names]
    if adjustment_pending(invoice) is not None:
        names = [n for n in names if n != "adjust"] + list(PENDING_ADJUSTMENT_ACTIONS)
    if "adjust" in allowed_actions(invoice.status) and late_charges.late_open(invoice) > 0:
        names += list(LATE_CHARGE_ACTIONS)
    return [SPECS[name] for name in names if name in SPECS and can(user, SPECS[name].capability)]
