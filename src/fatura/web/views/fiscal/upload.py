"""Uploading a fiscal file from a page: the import service decides everything (all or
nothing); this turns its answer into the result box — counts, or every error with its file,
line, field and message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from fatura.core.errors import DomainError, InvalidInput
from fatura.fiscal.imports import ImportResult
from fatura.fiscal.models import NfseImport
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
    background: Callable[[bytes], bool] | None = None,
    queue: Callable[..., NfseImport] | None = None,
) -> HttpResponse:
    """Run ``service`` on the uploaded file; answer the result box (htmx) or the whole page.
    A file ``background`` says is for the worker is handed to ``queue`` instead: the result box
    then follows the import (or the page goes to the import's own page)."""
    form = ImportForm(request.POST, request.FILES, accept=accept)
    context: dict[str, Any] = {"kind": kind, "page_url": page_url}
    status = 201
    if not form.is_valid():
        context.update(form_invalid=True, upload_form=form)
        status = 422
    else:
        upload = form.cleaned_data["file"]
        filename = upload.name or "arquivo"
        data = upload.read()
        try:
            if queue is not None and background is not None and background(data):
                job = queue(by=request.user, filename=filename, data=data)
                if not is_htmx(request):
                    return redirect("web:fiscal_nfse_import", import_id=job.pk)
                context = {**context, **job_context(job)}
                return render(request, "web/fiscal/_import_job.html", context, status=202)
            result = service(by=request.user, filename=filename, data=data)
        except DomainError as exc:
            context.update(error=exc, bad_rows=bad_rows(exc), filename=filename)
            status = exc.status
        else:
            context.update(result=result, filename=filename)
    if is_htmx(request):
        return render(request, "web/fiscal/_import_result.html", context, status=status)
    return full_page({"import_result": context}, status)


def job_context(job: NfseImport) -> dict[str, Any]:
    """What the import box shows of an import run by the worker: its state while it runs, then
    the same counts or errors as an import in the request."""
    context: dict[str, Any] = {
        "job": job,
        "active": job.status in ("queued", "running"),
        "filename": job.filename,
    }
    if job.status == "done":
        context["result"] = ImportResult(**job.result)
    elif job.status == "failed":
        exc = InvalidInput(job.error, errors=job.errors)
        context.update(error=exc, bad_rows=bad_rows(exc))
    return context


def example_document() -> str:
    """A registered customer's CPF/CNPJ (one with service orders first), so the example file
    can be imported as it is."""
    return example_customer_document() or EXAMPLE_DOCUMENT
