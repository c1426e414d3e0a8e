"""Creating a direct invoice (/faturas/nova/): the form with its lines, a recurrence, and the
service's errors next to the line or field they are about."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fatura.core import clock
from fatura.core.errors import DomainError
from fatura.core.money import format_brl
from fatura.core.roles import Capability, require
from fatura.customers.selectors import customer_get
from fatura.receivables import services
from fatura.receivables.models import InvoiceKind
from fatura.web.forms import decimal_from_input
from fatura.web.forms_receivables import InvoiceCreateForm, LineRow, line_rows
from fatura.web.views.common import add_domain_errors, form_status, page


def _recurrence(kind: str, data: dict[str, Any]) -> dict[str, Any] | None:
    if kind != InvoiceKind.RECURRING:
        return None
    return {"frequency": data.get("frequency") or "", "end": data.get("recurrence_end")}


_ALIASES = {
    "recurrence": "frequency",
    "recurrence.frequency": "frequency",
    "recurrence.end": "recurrence_end",
}


def _line_errors(rows: list[LineRow], kept: list[int], exc: DomainError) -> None:
    """The service numbers the lines it got (blank rows were left out): back to the rows."""
    for error in exc.errors:
        position = error.get("line")
        if isinstance(position, int) and 0 < position <= len(kept):
            rows[kept[position - 1]].errors[str(error.get("field"))] = str(error.get("message"))


def _render_create(
    request: HttpRequest,
    form: InvoiceCreateForm,
    rows: list[LineRow],
    error: DomainError | None = None,
    lines_error: str = "",
) -> HttpResponse:
    context = {
        "form": form,
        "rows": rows,
        "error": error,
        "lines_error": lines_error,
    }
    status = form_status(form, error)
    if lines_error and status == 200:
        status = 422
    return render(request, "web/receivables/invoice_new.html", context, status=status)


@page
def invoice_new(request: HttpRequest) -> HttpResponse:
    """GET: the form (three empty lines). POST: the draft invoice, or every error next to its
    field and line."""
    require(request.user, Capability.MANAGE_INVOICES)
    if request.method != "POST":
        initial = {"issue_date": clock.today(), "kind": "simple"}
        customer = request.GET.get("cliente", "")
        if customer.isdigit():
            initial["customer"] = int(customer)
        rows = [LineRow(), LineRow(), LineRow()]
        return _render_create(request, InvoiceCreateForm(initial=initial), rows)
    form = InvoiceCreateForm(request.POST)
    rows = line_rows(request.POST) or [LineRow()]
    kept = [i for i, row in enumerate(rows) if not row.blank]
    if not form.is_valid():
        return _render_create(request, form, rows)
    data = form.cleaned_data
    lines = [
        {
            "description": rows[i].description,
            "quantity": decimal_from_input(rows[i].quantity),
            "unit_price": decimal_from_input(rows[i].unit_price),
        }
        for i in kept
    ]
    try:
        invoice = services.invoice_create(
            by=request.user,
            customer=customer_get(data["customer"]),
            kind=data["kind"],
            issue_date=data["issue_date"],
            payment_terms=data["payment_terms"] or None,
            lines=lines,
            recurrence=_recurrence(data["kind"], data),
            description=data["description"],
        )
    except DomainError as exc:
        _line_errors(rows, kept, exc)
        fields = [e for e in exc.errors if "line" not in e and e.get("field") != "lines"]
        add_domain_errors(form, DomainError(exc.message, errors=fields), _ALIASES)
        no_lines = any(e.get("field") == "lines" for e in exc.errors)
        shown = exc
        if exc.errors and all("line" in e for e in exc.errors):  # each is on its row
            shown = type(exc)(_("Corrija as linhas destacadas abaixo."), errors=exc.errors)
        return _render_create(request, form, rows, shown, exc.message if no_lines else "")
    messages.success(
        request,
        _("Fatura %(number)s criada em rascunho: total %(total)s.")
        % {"number": invoice.number, "total": format_brl(invoice.total_charged)},
    )
    return redirect("web:invoice_detail", number=invoice.number)
