"""Fiscal → Pendências: set the delay reason of a late order (select + note). The service
checks the role, the order and the reason (decision 0034)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fatura.core.errors import DomainError
from fatura.fiscal import delays
from fatura.web.views.common import page


@require_POST
@page
def delay_reason_set(request: HttpRequest, number: str) -> HttpResponse:
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    back = back or reverse("web:fiscal_backlog")
    raw = request.POST.get("reason_id", "")
    if not raw.isdigit():
        messages.error(request, _("Escolha um motivo de atraso."))
        return redirect(back)
    try:
        order = delays.service_order_delay_reason_set(
            by=request.user,
            number=number,
            reason_id=int(raw),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    reason = order.delay_reason.label if order.delay_reason else ""
    messages.success(
        request,
        _("Motivo de atraso registrado na OS %(number)s: %(reason)s.")
        % {"number": order.number, "reason": reason},
    )
    return redirect(back)
