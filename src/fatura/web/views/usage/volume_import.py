"""Importing a volume file ("arquivo de volumetria") from the page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from fatura.core.documents import cnpj_with_check_digits
from fatura.core.errors import DomainError, InvalidInput
from fatura.customers.selectors import customer_documents
from fatura.usage.domain import COLUMNS
from fatura.usage.models import VolumeFileJob
from fatura.usage.selectors import volume_import_list, volume_job_get
from fatura.usage.services import volume_file_import
from fatura.usage.uploads import runs_in_background, volume_job_request
from fatura.web.forms import VolumeFileForm
from fatura.web.views.common import current_month, is_htmx, page

FIELD_LABELS = {
    "customer_document": _("CPF/CNPJ do cliente"),
    "month": _("mês"),
    "item": _("item"),
    "product": _("produto"),
    "unit": _("unidade"),
    "unit_price": _("preço unitário"),
    "quantity": _("quantidade"),
    "header": _("cabeçalho"),
    "file": _("arquivo"),
}


def _render(request: HttpRequest, context: dict[str, object], status: int = 200) -> HttpResponse:
    template = (
        "web/consumption/_import_result.html" if is_htmx(request) else "web/consumption/import.html"
    )
    if not is_htmx(request):
        context = {
            "form": VolumeFileForm(),
            "recent": list(volume_import_list()[:10]),
            "columns": COLUMNS,
            **context,
        }
    return render(request, template, context, status=status)


@page
def volume_import(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request, {})
    form = VolumeFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, {"form": form, "form_invalid": True}, status=422)
    upload = form.cleaned_data["file"]
    filename, data = upload.name or "volumetria.csv", upload.read()
    try:
        if runs_in_background(data):  # a large file: the worker imports it
            job = volume_job_request(by=request.user, filename=filename, data=data)
            if not is_htmx(request):
                return redirect("web:volume_import_job", job_id=job.pk)
            template = "web/consumption/_import_job.html"
            return render(request, template, _job_context(job), status=202)
        batch = volume_file_import(by=request.user, filename=filename, data=data)
    except DomainError as exc:
        return _render(request, {"error": exc, "bad_rows": _bad_rows(exc)}, status=exc.status)
    return _render(request, {"batch": batch}, status=201)


def _bad_rows(exc: DomainError) -> list[dict[str, object]]:
    return [
        {
            "row": e.get("row", ""),
            "field": FIELD_LABELS.get(str(e.get("field", "")), e.get("field", "")),
            "message": e.get("message", ""),
        }
        for e in exc.errors
    ]


def _job_context(job: VolumeFileJob) -> dict[str, object]:
    context: dict[str, object] = {"job": job, "active": job.status in ("queued", "running")}
    if job.status == "done":
        context["batch"] = job.batch
    elif job.status == "failed":
        exc = InvalidInput(job.error, errors=job.errors)
        context.update(error=exc, bad_rows=_bad_rows(exc))
    return context


@page
def volume_import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A large volume file the worker imports: the result box polls this until it is done."""
    context = _job_context(volume_job_get(job_id))
    if is_htmx(request):
        return render(request, "web/consumption/_import_job.html", context)
    return render(request, "web/consumption/import_job.html", context)


@page
def volume_example(request: HttpRequest) -> HttpResponse:
    """An example file with the expected header and two customers' rows."""
    month = current_month().previous()
    # The first two registered customers, so the example can be imported as it is.
    known = customer_documents(2)
    first, second = [
        *known,
        cnpj_with_check_digits("112223330001"),
        cnpj_with_check_digits("445556660001"),
    ][:2]
    lines = [
        ",".join(COLUMNS),
        f"{first},{month},Armazenamento em nuvem,Cloud,GB,0.35,1500.5",
        f"{first},{month},Horas de suporte,Suporte,hora,180.00,12",
        f"{second},{month},Armazenamento em nuvem,Cloud,GB,0.35,320",
    ]
    response = HttpResponse("\r\n".join(lines) + "\r\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="exemplo-volumetria.csv"'
    return response
