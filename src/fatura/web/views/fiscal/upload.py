"""Uploading a fiscal file from a page: the import service decides everything (all or
nothing); this turns its answer into the result box — counts, or every error with its file,
line, field and message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from fatura.core.errors import DomainError
from fatura.fiscal.imports import ImportResult
from fatura.fiscal.selectors import example_customer_document
from fatura.web.forms_fiscal import ImportForm
from fatura.web.views.common import is_htmx

FIELD_LABELS = {
    "number": _("número"),
    "customer_document": _("CPF/CNPJ do cliente"),
    "service_type": _("tipo de serviço"),
    "team": _("equipe"),
    "completed_at": _("conclusão"),
    "billed_at": _("faturamento"),
    "value": _("valor"),
    "issued_at": _("emissão"),
    "service_order_numbers": _("OS cobertas"),
    "status": _("situação"),
    "verification_code": _("código de verificação"),
    "iss_rate": _("alíquota de ISS"),
    "iss_amount": _("valor do ISS"),
    "net_value": _("valor líquido"),
    "service_code": _("código do serviço"),
    "cancelled_at": _("cancelada em"),
    "replaced_by": _("substituída por"),
    "header": _("cabeçalho"),
    "file": _("arquivo"),
}

EXAMPLE_DOCUMENT = "11222333000181"  # a valid CNPJ, for an example file with no customer yet

Render = Callable[[dict[str, Any], int], HttpResponse]


def bad_rows(exc: DomainError) -> list[dict[str, Any]]:
    return [
        {
            "file": e.get("file", ""),
            "line": e.get("line", ""),
            "field": FIELD_LABELS.get(str(e.get("field", "")), e.get("field", "")),
            "message": e.get("message", ""),
        }
        for e in exc.errors
    ]


def upload(
    request: HttpRequest,
    *,
    service: Callable[..., ImportResult],
    accept: str,
    kind: str,
    page_url: str,
    full_page: Render,
) -> HttpResponse:
    """Run ``service`` on the uploaded file; answer the result box (htmx) or the whole page."""
    form = ImportForm(request.POST, request.FILES, accept=accept)
    context: dict[str, Any] = {"kind": kind, "page_url": page_url}
    status = 201
    if not form.is_valid():
        context.update(form_invalid=True, upload_form=form)
        status = 422
    else:
        upload = form.cleaned_data["file"]
        filename = upload.name or "arquivo"
        try:
            result = service(by=request.user, filename=filename, data=upload.read())
        except DomainError as exc:
            context.update(error=exc, bad_rows=bad_rows(exc), filename=filename)
            status = exc.status
        else:
            context.update(result=result, filename=filename)
    if is_htmx(request):
        return render(request, "web/fiscal/_import_result.html", context, status=status)
    return full_page({"import_result": context}, status)


def example_document() -> str:
    """A registered customer's CPF/CNPJ (one with service orders first), so the example file
    can be imported as it is."""
    return example_customer_document() or EXAMPLE_DOCUMENT
