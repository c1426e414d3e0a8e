"""What every page shares: login + role check, domain errors as friendly pages, filters,
pagination."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from fatura.core import clock
from fatura.core.errors import DomainError
from fatura.core.months import Month
from fatura.core.roles import Capability, require

View = TypeVar("View", bound=Callable[..., HttpResponseBase])

TITLES = {
    403: _("Ação não permitida para o seu perfil"),
    404: _("Não encontrado"),
    409: _("Não foi possível concluir"),
    422: _("Dados inválidos"),
}


def _referer(request: HttpRequest) -> str:
    url = request.META.get("HTTP_REFERER", "")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return ""


def error_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A domain error as a page: the service's message, with the error's HTTP status."""
    return render(
        request,
        "web/error.html",
        {
            "error": exc,
            "title": TITLES.get(exc.status, _("Não foi possível concluir")),
            "base_template": "web/partial.html" if is_htmx(request) else "web/base.html",
            "back_url": _referer(request),
        },
        status=exc.status,
    )


def page(view: View) -> View:
    """Login required, a role that may read, and domain errors shown as a page, never a 500."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            require(request.user, Capability.VIEW)
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return error_page(request, exc)

    return login_required(wrapper)  # type: ignore[return-value]


def add_domain_errors(
    form: forms.Form, exc: DomainError, aliases: dict[str, str] | None = None
) -> None:
    """Put each ``{field, message}`` of a domain error next to its field (``aliases`` maps a
    service's field name to the form's); the rest (and the overall message) go to the form's
    top, so nothing the service said is lost."""
    aliases = aliases or {}
    placed = unplaced = False
    for error in exc.errors:
        field = aliases.get(str(error.get("field")), str(error.get("field")))
        if field in form.fields:
            form.add_error(field, str(error.get("message", "")))
            placed = True
        else:
            unplaced = True
    if not placed or unplaced:
        form.add_error(None, exc.message)


def parse_month(text: str | None) -> Month | None:
    if not text:
        return None
    try:
        return Month.parse(text)
    except ValueError:
        return None


def current_month() -> Month:
    return Month.of(clock.today())


def parse_int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def paginate(request: HttpRequest, items: QuerySet[Any] | list[Any], per_page: int) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def form_status(form: forms.Form, exc: DomainError | None) -> int:
    if exc is not None:
        return exc.status
    return 422 if form.is_bound and form.errors else 200


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))
