from __future__ import annotations

from collections.abc import Iterator

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fatura.catalog.domain import version_for_month
from fatura.catalog.models import BillingItem, PriceVersion
from fatura.catalog.selectors import (
    billing_item_get,
    billing_item_list,
    price_version_get,
    versions_mark_used,
)
from fatura.catalog.services import (
    billing_item_create,
    price_version_add,
    price_version_delete,
    price_version_replace,
)
from fatura.core.errors import DomainError
from fatura.core.months import Month
from fatura.web.csv_export import csv_response
from fatura.web.forms import BillingItemForm, PriceReplaceForm, PriceVersionForm
from fatura.web.views.common import (
    add_domain_errors,
    current_month,
    form_status,
    page,
    paginate,
)

PER_PAGE = 50


def _with_current_price(items: list[BillingItem], month: Month) -> list[BillingItem]:
    """Set ``current_price`` (in force this month) and ``first_price`` from the prefetched
    versions, so the list needs no query per item."""
    for item in items:
        versions = list(item.prices.all())
        item.current_price = version_for_month(versions, month)  # type: ignore[attr-defined]
        item.first_price = versions[0] if versions else None  # type: ignore[attr-defined]
    return items


def _render_list(
    request: HttpRequest, form: BillingItemForm, error: DomainError | None = None
) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    page_obj = paginate(request, billing_item_list(search=search), PER_PAGE)
    month = current_month()
    _with_current_price(list(page_obj.object_list), month)
    context = {
        "page_obj": page_obj,
        "search": search,
        "form": form,
        "error": error,
        "month": month,
    }
    return render(request, "web/catalog/list.html", context, status=form_status(form, error))


@page
def items(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_list(request, BillingItemForm(initial={"valid_from": current_month()}))
    form = BillingItemForm(request.POST)
    if not form.is_valid():
        return _render_list(request, form)
    try:
        item = billing_item_create(by=request.user, **form.cleaned_data)
    except DomainError as exc:
        add_domain_errors(form, exc)
        return _render_list(request, form, exc)
    messages.success(request, _("Item de cobrança %(name)s criado.") % {"name": item.name})
    return redirect("web:item_detail", item_id=item.pk)


def _render_detail(
    request: HttpRequest,
    item: BillingItem,
    form: PriceVersionForm | None = None,
    error: DomainError | None = None,
) -> HttpResponse:
    month = current_month()
    _with_current_price([item], month)
    versions_mark_used([item])
    form = form or PriceVersionForm(initial={"valid_from": month.next()})
    context = {"item": item, "form": form, "error": error, "month": month}
    status = form_status(form, error) if error or form.is_bound else 200
    return render(request, "web/catalog/detail.html", context, status=status)


@page
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = billing_item_get(item_id)
    if request.method != "POST":
        return _render_detail(request, item)
    form = PriceVersionForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, item, form)
    try:
        version = price_version_add(by=request.user, item=item, **form.cleaned_data)
    except DomainError as exc:
        add_domain_errors(form, exc)
        return _render_detail(request, billing_item_get(item_id), form, exc)
    messages.success(
        request,
        _("Preço de %(month)s cadastrado.") % {"month": version.month.label_pt()},
    )
    return redirect("web:item_detail", item_id=item.pk)


@page
def price_remove(request: HttpRequest, item_id: int, price_id: int) -> HttpResponse:
    """GET asks for confirmation (and says when the item goes with its last price); POST
    removes."""
    item = billing_item_get(item_id)
    version: PriceVersion = price_version_get(item, price_id)
    if request.method != "POST":
        context = {"item": item, "version": version, "is_last": item.prices.count() == 1}
        return render(request, "web/catalog/price_remove.html", context)
    # The service asks ``item.prices.exists()`` to know whether the item goes too; with the
    # selector's prefetched prices that answer would be stale, so drop the prefetch first.
    getattr(item, "_prefetched_objects_cache", {}).pop("prices", None)
    try:
        item_deleted = price_version_delete(by=request.user, item=item, version=version)
    except DomainError as exc:
        return _render_detail(request, billing_item_get(item_id), error=exc)
    if item_deleted:
        messages.success(
            request,
            _("O último preço foi removido e o item %(name)s foi excluído.") % {"name": item.name},
        )
        return redirect("web:items")
    messages.success(
        request, _("Preço de %(month)s removido.") % {"month": version.month.label_pt()}
    )
    return redirect("web:item_detail", item_id=item.pk)


@page
def price_replace(request: HttpRequest, item_id: int, price_id: int) -> HttpResponse:
    """Correct the price of a version no finalized charge used (the manual's rule): GET the
    form, POST the new price; a used version answers 409 with the rule's message."""
    item = billing_item_get(item_id)
    version: PriceVersion = price_version_get(item, price_id)
    form = PriceReplaceForm(request.POST if request.method == "POST" else None)
    error: DomainError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            price_version_replace(by=request.user, item=item, version=version, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
            error = exc
        else:
            messages.success(
                request, _("Preço de %(month)s substituído.") % {"month": version.month.label_pt()}
            )
            return redirect("web:item_detail", item_id=item.pk)
    context = {"item": item, "version": version, "form": form, "error": error}
    status = form_status(form, error) if form.is_bound else 200
    return render(request, "web/catalog/price_replace.html", context, status=status)


@page
def items_csv(request: HttpRequest) -> StreamingHttpResponse:
    search = request.GET.get("q", "").strip()
    month = current_month()

    def rows() -> Iterator[tuple[object, ...]]:
        for item in billing_item_list(search=search):
            versions = list(item.prices.all())
            current = version_for_month(versions, month)
            yield (
                item.name,
                item.product,
                item.unit,
                item.get_source_display(),
                current.unit_price if current else None,
                current.month if current else None,
                len(versions),
            )

    header = [
        _("Nome"),
        _("Produto"),
        _("Unidade"),
        _("Origem"),
        _("Preço vigente (R$)"),
        _("Vigente desde"),
        _("Versões de preço"),
    ]
    return csv_response("itens-de-cobranca.csv", header, rows())
