"""Registrar cobrança: the month's pending charges, finalizing one, and the billing run."""

from __future__ import annotations

from collections.abc import Iterator

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fatura.billing.deliveries import billing_run_deliveries
from fatura.billing.models import BillingRun, BillingRunStatus, ChargeSituation
from fatura.billing.runs import billing_run_request
from fatura.billing.selectors import (
    ChargeRow,
    PendingCharge,
    billing_run_find,
    billing_run_latest,
    billing_run_progress,
    charge_rows,
    pending_charges,
)
from fatura.billing.services import charge_finalize
from fatura.core.errors import DomainError, NotFound
from fatura.core.money import ZERO
from fatura.core.months import Month
from fatura.core.roles import Capability, require
from fatura.customers.selectors import customer_get
from fatura.web.csv_export import csv_response
from fatura.web.forms import BillingRunForm, FinalizeForm
from fatura.web.views.common import (
    add_domain_errors,
    current_month,
    form_status,
    is_htmx,
    page,
    paginate,
    parse_int,
    parse_month,
)

PER_PAGE = 100
ACTIVE = (BillingRunStatus.QUEUED, BillingRunStatus.RUNNING)


def _month(request: HttpRequest) -> Month:
    """The month asked for; by default the previous one (the month being billed)."""
    return parse_month(request.GET.get("mes")) or current_month().previous()


def _situation(request: HttpRequest) -> str | None:
    """The Situação filter (``?situacao=pending|finalized``); anything else: every row."""
    value = request.GET.get("situacao", "")
    return value if value in ChargeSituation.values else None


def _summary(pending: list[ChargeRow], finalized: list[ChargeRow]) -> dict[str, object]:
    return {
        "count": len(pending),
        "finalized_count": len(finalized),
        "total_due": sum((r.total_due for r in pending), ZERO),
        "total_charged": sum((r.total_charged or ZERO for r in finalized), ZERO),
        "with_problems": sum(1 for r in pending if r.problems),
    }


@page
def charges(request: HttpRequest) -> HttpResponse:
    """The month's rows: pending ("Cobrar") and finalized ("Finalizada", with the issue date
    and the amount charged), filtered by situação with a plain GET form (HTMX swaps the table
    when it is there)."""
    month = _month(request)
    situation = _situation(request)
    every = charge_rows(month, with_lines=False)  # the summary counts the whole month
    rows = [r for r in every if situation in (None, r.status)]
    pending = [r for r in every if r.status == ChargeSituation.PENDING]
    finalized = [r for r in every if r.status == ChargeSituation.FINALIZED]
    if is_htmx(request):  # the filter form swaps the table only (a page of its own would
        # bring its own CSP nonce into this one)
        context = {
            "month": month,
            "page_obj": paginate(request, rows, PER_PAGE),
            "situation": situation or "",
            **_summary(pending, finalized),
        }
        return render(request, "web/charges/_section.html", context)
    latest = billing_run_latest(month)
    context = {
        "month": month,
        "page_obj": paginate(request, rows, PER_PAGE),
        "situation": situation or "",
        "situations": ChargeSituation.choices,
        **_summary(pending, finalized),
        "run_form": BillingRunForm(initial={"month": month}),
        "run": latest if latest is not None and latest.status in ACTIVE else None,
        "last_run": latest,
        "progress": billing_run_progress(latest.pk) if latest is not None else None,
    }
    return render(request, "web/charges/list.html", context)


def _pending_for(customer_id: int, month: Month) -> PendingCharge | None:
    found = pending_charges(month, customer_id=customer_id)
    return found[0] if found else None


def _render_finalize(
    request: HttpRequest,
    form: FinalizeForm,
    pending: PendingCharge | None,
    error: DomainError | None = None,
) -> HttpResponse:
    partial = is_htmx(request)
    template = "web/charges/_finalize_form.html" if partial else "web/charges/finalize.html"
    context = {"form": form, "pending": pending, "error": error}
    return render(request, template, context, status=form_status(form, error))


@page
def finalize(request: HttpRequest) -> HttpResponse:
    """GET: the finalize form for one customer and month, pre-filled with the total due.
    POST: finalize it; the invoice number (and its PDF) on success, the rule's message
    (409/422/403) next to the form otherwise."""
    require(request.user, Capability.FINALIZE_CHARGES)  # the form too, not just its submit
    if request.method != "POST":
        customer = customer_get(parse_int(request.GET.get("cliente")) or 0)
        month = _month(request)
        pending = _pending_for(customer.pk, month)
        if pending is None:
            raise NotFound(
                _("%(customer)s não tem cobrança pendente em %(month)s.")
                % {"customer": customer.name, "month": month.label_pt()}
            )
        initial = {
            "customer": customer.pk,
            "month": month,
            "total_charged": format(pending.total_due, "f").replace(".", ","),
        }
        return _render_finalize(request, FinalizeForm(initial=initial), pending)
    form = FinalizeForm(request.POST)
    if not form.is_valid():
        return _render_finalize(request, form, None)
    data = form.cleaned_data
    customer = customer_get(data["customer"])
    try:
        invoice = charge_finalize(
            by=request.user,
            customer=customer,
            month=data["month"],
            result_center=data["result_center"],
            ticket=data["ticket"],
            total_charged=data["total_charged"],
        )
    except DomainError as exc:
        add_domain_errors(form, exc)
        return _render_finalize(request, form, _pending_for(customer.pk, data["month"]), exc)
    if is_htmx(request):
        context = {"invoice": invoice, "customer": customer}
        return render(request, "web/charges/_finalize_done.html", context, status=201)
    messages.success(
        request,
        _("Cobrança finalizada: fatura %(number)s emitida.") % {"number": invoice.number},
    )
    return redirect("web:invoice_detail", number=invoice.number)


def _render_run(
    request: HttpRequest, run: BillingRun | None, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    progress = billing_run_progress(run.pk) if run is not None else None
    context = {
        "run": run,
        "progress": progress,
        "run_form": form,
        "active": ACTIVE,
        "deliveries": billing_run_deliveries(run) if run is not None else None,
    }
    template = "web/charges/_run.html" if is_htmx(request) else "web/charges/run.html"
    return render(request, template, context, status=status)


@page
def billing_run_start(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("web:charges")
    form = BillingRunForm(request.POST)
    if not form.is_valid():
        return _render_run(request, None, form, status=422)
    data = form.cleaned_data
    try:
        run = billing_run_request(
            by=request.user,
            month=data["month"],
            result_center=data["result_center"],
            ticket=data["ticket"],
        )
    except DomainError as exc:
        add_domain_errors(form, exc)
        return _render_run(request, None, form, status=exc.status)
    if is_htmx(request):
        return _render_run(request, run, status=202)
    return redirect("web:billing_run", run_id=run.pk)


@page
def billing_run(request: HttpRequest, run_id: int) -> HttpResponse:
    run = billing_run_find(run_id)
    if run is None:
        raise NotFound(_("Faturamento %(id)s não encontrado.") % {"id": run_id})
    return _render_run(request, run)


@page
def charges_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The month's rows as the page lists them (same situação filter), one line per charge
    line; finalized rows with their invoice's lines, issue date and amount charged."""
    month = _month(request)
    rows_of_month = charge_rows(month, status=_situation(request))

    def rows() -> Iterator[tuple[object, ...]]:
        for r in rows_of_month:
            problems = " ".join(r.problems)
            tail = (r.status_label, r.issue_date, r.total_charged, r.invoice_number or "")
            if not r.lines:  # only items without a price: one row for the customer
                blank = ("",) * 6
                yield (month, r.customer.name, r.customer.document_display, *blank,
                       r.total_due, problems, *tail)  # fmt: skip
            for line in r.lines:
                yield (
                    month,
                    r.customer.name,
                    r.customer.document_display,
                    line.item_name,
                    line.product,
                    line.unit,
                    line.quantity,
                    line.unit_price,
                    line.amount,
                    r.total_due,
                    problems,
                    *tail,
                )

    header = [
        _("Mês"),
        _("Cliente"),
        _("CPF/CNPJ"),
        _("Item de cobrança"),
        _("Produto"),
        _("Unidade"),
        _("Quantidade"),
        _("Preço unitário (R$)"),
        _("Valor da linha (R$)"),
        _("Total devido do cliente (R$)"),
        _("Problemas"),
        _("Situação"),
        _("Data de emissão"),
        _("Valor cobrado (R$)"),
        _("Fatura"),
    ]
    return csv_response(f"cobrancas-{month}.csv", header, rows())
