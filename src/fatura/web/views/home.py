from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fatura.billing.selectors import PendingCharge, invoice_list, pending_charges
from fatura.core.money import ZERO
from fatura.web.views.common import current_month, page


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


def _summary(month_pending: list[PendingCharge]) -> dict[str, object]:
    return {
        "count": len(month_pending),
        "total_due": sum((p.total_due for p in month_pending), ZERO),
        "with_problems": sum(1 for p in month_pending if p.computed.problems),
    }


@page
def home(request: HttpRequest) -> HttpResponse:
    month = current_month()
    previous = month.previous()
    context = {
        "month": month,
        "previous": previous,
        "current_summary": _summary(pending_charges(month)),
        "previous_summary": _summary(pending_charges(previous)),
        "last_invoices": list(invoice_list()[:6]),
    }
    return render(request, "web/home.html", context)
