"""Mineração: an uploaded log while the worker imports it — its state, a progress bar that
polls (htmx) until the log is ready (then the link to its map) or failed (then the error)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fatura.mining.selectors import mined_log_import_get
from fatura.mining.services import log_import_progress
from fatura.web.views.common import is_htmx, page

ACTIVE = ("queued", "running")


@page
def log_import_status(request: HttpRequest, log_id: int) -> HttpResponse:
    mined = mined_log_import_get(log_id)
    context = {
        "mined": mined,
        "active": mined.status in ACTIVE,
        "progress": log_import_progress(mined.pk) if mined.status in ACTIVE else None,
    }
    template = "web/mining/_import.html" if is_htmx(request) else "web/mining/import.html"
    return render(request, template, context)
