"""Fiscal → NFS-e: the list (filters, pagination, the orders each one covers), the import of
the issuer's CSV, national-standard XML or a zip of them, and each NFS-e's DPS XML."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from fatura.core.roles import Capability, require
from fatura.fiscal import listing
from fatura.fiscal.dps_source import nfse_dps_xml
from fatura.fiscal.imports import nfse_import
from fatura.fiscal.models import NfseStatus
from fatura.fiscal.nfse_documents import with_has_xml
from fatura.fiscal.selectors import nfse_import_get
from fatura.fiscal.uploads import nfse_import_request, runs_in_background
from fatura.web.forms import ListFilterForm
from fatura.web.views.common import is_htmx, page, paginate
from fatura.web.views.fiscal.common import list_filters
from fatura.web.views.fiscal.upload import example_document, job_context, upload

PER_PAGE = 50
ACCEPT = ".csv,.xml,.zip,text/csv,application/xml,text/xml,application/zip"
EXAMPLE = (
    "number,issued_at,value,customer_document,service_order_numbers,status\r\n"
    '1001,12/03/2026 10:15,"1.730,00",{doc},OS-1001;OS-1002,emitida\r\n'
    "1002,13/03/2026 16:40,300.00,{doc},OS-1003=300.00,emitida\r\n"
)
STATUS_BADGES = {
    NfseStatus.ISSUED: "badge-success",
    NfseStatus.CANCELLED: "badge-warning",
    NfseStatus.REPLACED: "badge-neutral",
}


def _render(
    request: HttpRequest, extra: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    asked = list_filters(request, NfseStatus.values)
    context = {
        "current": "nfse",
        "page_obj": paginate(request, with_has_xml(listing.nfse_list(**asked)), PER_PAGE),
        "asked": asked,
        "filter_form": ListFilterForm(request.GET),
        "statuses": NfseStatus.choices,
        "badges": STATUS_BADGES,
        "accept": ACCEPT,
        "nfse_total": listing.nfse_count(),
        **(extra or {}),
    }
    return render(request, "web/fiscal/nfse.html", context, status=status)


@page
def nfse(request: HttpRequest) -> HttpResponse:
    return _render(request)


@require_POST
@page
def nfse_upload(request: HttpRequest) -> HttpResponse:
    return upload(
        request,
        service=nfse_import,
        accept=ACCEPT,
        kind="nfse",
        page_url=reverse("web:fiscal_nfse"),
        full_page=lambda extra, status: _render(request, extra, status),
        background=runs_in_background,
        queue=nfse_import_request,
    )


@page
def nfse_import_status(request: HttpRequest, import_id: int) -> HttpResponse:
    """An NFS-e zip the worker imports: the box polls this until it is done or failed."""
    context = {"kind": "nfse", "page_url": reverse("web:fiscal_nfse")}
    context.update(job_context(nfse_import_get(import_id)))
    if is_htmx(request):
        return render(request, "web/fiscal/_import_job.html", context)
    return render(request, "web/fiscal/import_job.html", context)


@page
def nfse_example(request: HttpRequest) -> HttpResponse:
    document = example_document()
    response = HttpResponse(EXAMPLE.format(doc=document), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="exemplo-nfse.csv"'
    return response


def _safe(number: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in number)


@require_GET
@page
def nfse_dps(request: HttpRequest, number: str) -> HttpResponse:
    """The DPS (national layout 1.01, validated, unsigned) of an NFS-e; Financeiro only."""
    require(request.user, Capability.MANAGE_FISCAL)
    xml = nfse_dps_xml(listing.nfse_get(number))
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dps-{_safe(number)}.xml"'
    return response
