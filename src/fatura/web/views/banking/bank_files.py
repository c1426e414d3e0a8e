"""Arquivos bancários: upload a return file (CNAB 240/400) or a statement (OFX), see what it
settled, and work the queue of entries nothing matched — match one to an invoice or ignore it
with a reason."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fatura.banking import bank_files, job_queue, jobs
from fatura.banking.models import EntryStatus
from fatura.banking.selectors import bank_entry_list, bank_file_list
from fatura.core.errors import DomainError, InvalidInput
from fatura.core.roles import Capability, require
from fatura.web.views.common import is_htmx, page, paginate

PER_PAGE = 50
STATUSES = [
    ("unmatched", gettext_lazy("Pendentes")),
    ("matched", gettext_lazy("Conciliados")),
    ("ignored", gettext_lazy("Ignorados")),
]


class BankFileForm(forms.Form):
    arquivo = forms.FileField(
        label=gettext_lazy("Arquivo de retorno (CNAB 240 ou 400) ou extrato (OFX)"),
        help_text=gettext_lazy(
            "O tipo é reconhecido pelo conteúdo; um arquivo com erro não importa nada."
        ),
    )


def _status(request: HttpRequest) -> str:
    wanted = request.GET.get("situacao", "unmatched")
    return wanted if wanted in EntryStatus.values else "unmatched"


def _render(
    request: HttpRequest, form: BankFileForm, error: DomainError | None = None
) -> HttpResponse:
    status = _status(request)
    context: dict[str, Any] = {
        "form": form,
        "error": error,
        "status": status,
        "statuses": STATUSES,
        "page_obj": paginate(request, bank_entry_list(status=status), PER_PAGE),
        "files": bank_file_list(limit=10),
    }
    return render(
        request, "web/banking/bank_files.html", context, status=error.status if error else 200
    )


@page
def bank_files_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request, BankFileForm())
    require(request.user, Capability.RECORD_PAYMENTS)
    form = BankFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, form, InvalidInput(_("Escolha o arquivo a importar.")))
    upload = form.cleaned_data["arquivo"]
    data, name = upload.read(), upload.name or ""
    try:
        parsed = bank_files.bank_file_read(data)
        if job_queue.runs_in_background(parsed):  # a large file: the worker, with progress
            job = job_queue.bank_file_job_request(
                by=request.user, parsed=parsed, data=data, name=name
            )
            return redirect("web:bank_file_job", job.pk)
        result = bank_files.bank_file_parsed_import(
            by=request.user, parsed=parsed, data=data, name=name
        )
    except DomainError as exc:
        return _render(request, form, exc)
    if result.created:
        messages.success(
            request,
            _(
                "Arquivo %(kind)s importado: %(entries)s lançamentos, %(matched)s conciliados, "
                "%(unmatched)s pendentes, %(duplicates)s já importados antes."
            )
            % {
                "kind": result.kind.upper(),
                "entries": result.entries,
                "matched": result.matched,
                "unmatched": result.unmatched,
                "duplicates": result.duplicates,
            },
        )
    else:
        messages.info(
            request,
            _("Este arquivo já tinha sido importado: nada mudou (%(entries)s lançamentos).")
            % {"entries": result.entries},
        )
    return redirect("web:bank_files")


@page
def bank_file_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A large file while the worker imports it: a progress bar that polls (htmx) until it is
    done (the counts) or failed (the error, line and field)."""
    job = jobs.bank_file_job_get(job_id)
    active = job.status in ("queued", "running")
    context = {
        "job": job,
        "active": active,
        "progress": jobs.bank_file_job_progress(job.pk) if active else None,
    }
    template = "web/banking/_import.html" if is_htmx(request) else "web/banking/import.html"
    return render(request, template, context)


def _back(request: HttpRequest) -> HttpResponse:
    response = redirect("web:bank_files")
    query = request.POST.get("voltar", "")
    if query.startswith("situacao="):
        response["Location"] += f"?{query}"
    return response


@page
def bank_entry_match(request: HttpRequest, entry_id: int) -> HttpResponse:
    require(request.user, Capability.RECORD_PAYMENTS)
    if request.method != "POST":
        return redirect("web:bank_files")
    number = request.POST.get("fatura", "").strip()
    amount = request.POST.get("valor", "").strip()
    try:
        entry = bank_files.bank_entry_match(
            by=request.user,
            entry_id=entry_id,
            allocations=[{"invoice_number": number, "amount": amount or Decimal(0)}],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request)
    messages.success(
        request,
        _("Lançamento conciliado com a fatura %(number)s (pagamento nº %(payment)s).")
        % {"number": number, "payment": entry.payment_id},
    )
    return _back(request)


@page
def bank_entry_ignore(request: HttpRequest, entry_id: int) -> HttpResponse:
    require(request.user, Capability.RECORD_PAYMENTS)
    if request.method != "POST":
        return redirect("web:bank_files")
    try:
        bank_files.bank_entry_ignore(
            by=request.user, entry_id=entry_id, reason=request.POST.get("motivo", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request)
    messages.success(request, _("Lançamento ignorado."))
    return _back(request)
