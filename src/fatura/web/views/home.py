from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fatura.billing.selectors import PendingCharge, pending_charges
from fatura.core.logins import client_address, lockout_message, login_locked
from fatura.core.money import ZERO
from fatura.receivables.selectors import invoice_list
from fatura.web.views.common import current_month, page


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        """A locked (username, address) pair (core.logins) is told so, with 429, instead of
        "wrong password"."""
        username = str(form.data.get("username", ""))
        if login_locked(username=username, address=client_address(self.request)):
            context = self.get_context_data(form=form, lockout_message=lockout_message())
            return self.render_to_response(context, status=429)
        return super().form_invalid(form)


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
