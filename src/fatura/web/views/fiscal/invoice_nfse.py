"""The NFS-e part of an invoice's page (decision 0039): its status (pendente, emitida,
rejeitada, cancelada), access key, the rejection's code and message, "Emitir NFS-e", the
cancellation with its reason, and the DANFSe. With htmx each action re-renders only the panel
(``#invoice-nfse``), which polls while the worker is issuing; without it, the action redirects
back to the invoice's page with its message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fatura.core.errors import DomainError, RuleViolation
from fatura.core.roles import Capability, can
from fatura.core.users import User
from fatura.fiscal.models import IssuanceStatus
from fatura.fiscal.nfse_documents import invoice_nfse, nfse_danfse
from fatura.fiscal.nfse_issuing import CANCEL_MOTIVES, REASON_MAX, REASON_MIN, nfse_cancel
from fatura.fiscal.nfse_queue import nfse_issue_request
from fatura.receivables.models import Invoice
from fatura.receivables.selectors import invoice_get
from fatura.web.views.common import add_domain_errors, is_htmx, page

ISSUANCE_BADGES: dict[str, str] = {
    IssuanceStatus.PENDING: "badge-info",
    IssuanceStatus.ISSUED: "badge-success",
    IssuanceStatus.REJECTED: "badge-danger",
    IssuanceStatus.CANCELLED: "badge-neutral",
}
POLL_SECONDS = 3


class CancelForm(forms.Form):
    motive = forms.TypedChoiceField(
        label=gettext_lazy("Motivo"),
        choices=list(CANCEL_MOTIVES.items()),  # the layout's cMotivo (pt-BR, as sent)
        coerce=int,
        initial=1,
    )
    reason = forms.CharField(
        label=gettext_lazy("Justificativa"),
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[MinLengthValidator(REASON_MIN), MaxLengthValidator(REASON_MAX)],
        help_text=gettext_lazy("De 15 a 255 caracteres; vai para a Sefin Nacional."),
    )


def nfse_panel_context(
    invoice: Invoice,
    user: User,
    *,
    form: CancelForm | None = None,
    error: DomainError | None = None,
    result: str = "",
) -> dict[str, Any]:
    """Everything the panel shows (three queries); the invoice's page includes it too."""
    state = invoice_nfse(invoice)
    manage = can(user, Capability.MANAGE_FISCAL)
    issuance = state.issuance
    return {
        "invoice": invoice,
        "nfse_state": state,
        "nfse_issuance": issuance,
        "nfse_badge": ISSUANCE_BADGES.get(issuance.status, "badge-neutral") if issuance else "",
        "nfse_can_issue": manage and state.can_issue,
        "nfse_can_cancel": manage
        and issuance is not None
        and issuance.status == IssuanceStatus.ISSUED,
        "nfse_cancel_form": form or CancelForm(),
        "nfse_error": error,
        "nfse_result": result,
        "nfse_poll": POLL_SECONDS if state.pending else 0,
    }


def _panel(request: HttpRequest, invoice: Invoice, status: int = 200, **extra: Any) -> HttpResponse:
    context = nfse_panel_context(invoice, request.user, **extra)
    return render(request, "web/fiscal/_invoice_nfse.html", context, status=status)


@page
@require_GET
def invoice_nfse_panel(request: HttpRequest, number: str) -> HttpResponse:
    """The panel alone (htmx polls it while the NFS-e is being issued)."""
    invoice = invoice_get(number)
    if not is_htmx(request):
        return redirect("web:invoice_detail", number=invoice.number)
    return _panel(request, invoice)


@page
@require_POST
def invoice_nfse_issue(request: HttpRequest, number: str) -> HttpResponse:
    invoice = invoice_get(number)
    try:
        issuance = nfse_issue_request(by=request.user, invoice=invoice)
    except DomainError as exc:
        if not is_htmx(request):
            raise
        return _panel(request, invoice, status=exc.status, error=exc)
    message = _("NFS-e %(number)s enviada para emissão; a situação se atualiza sozinha.") % {
        "number": issuance.number
    }
    if not is_htmx(request):
        messages.success(request, message)
        return redirect("web:invoice_detail", number=invoice.number)
    return _panel(request, invoice, result=message)


@page
@require_POST
def invoice_nfse_cancel(request: HttpRequest, number: str) -> HttpResponse:
    invoice = invoice_get(number)
    issuance = invoice_nfse(invoice).issuance
    form = CancelForm(request.POST)
    error: DomainError | None = None
    if issuance is None:
        error = RuleViolation(_("A fatura %(number)s não tem NFS-e emitida pelo Fatura.") % {
            "number": invoice.number
        })  # fmt: skip
    elif form.is_valid():
        try:
            issuance = nfse_cancel(
                by=request.user,
                issuance=issuance,
                reason=form.cleaned_data["reason"],
                motive=form.cleaned_data["motive"],
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
            error = exc
        else:
            message = _("NFS-e %(number)s cancelada.") % {"number": issuance.number}
            if not is_htmx(request):
                messages.success(request, message)
                return redirect("web:invoice_detail", number=invoice.number)
            return _panel(request, invoice, result=message)
    if not is_htmx(request):
        if error is not None:
            raise error
        messages.error(request, _("Informe o motivo do cancelamento (de 15 a 255 caracteres)."))
        return redirect("web:invoice_detail", number=invoice.number)
    status = error.status if error is not None else 422
    return _panel(request, invoice, status=status, form=form, error=error)


@page
@require_GET
def nfse_danfse_view(request: HttpRequest, number: str) -> HttpResponse:
    """The DANFSe of an NFS-e (its number or the issuance's DPS-…)."""
    filename, pdf = nfse_danfse(number)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
