"""Login throttling: after ``FATURA_LOGIN_FAILURE_LIMIT`` failed logins for one username from one
address, that pair (and only that pair) is refused for ``FATURA_LOGIN_LOCKOUT_MINUTES``.

The authentication backend below is the one place that enforces it, so every login that Django
authenticates with a request goes through it: the login page, the admin's login and
``POST /api/v1/auth/token``. ``authenticate()`` without a request (the shell, the test client's
``login``) knows no address and is not throttled. The page and the API ask ``login_locked`` to
answer a refused login with 429 and a clear message instead of "wrong password".
See docs/decisions/0015-login-throttling-and-tokens.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _

from fatura.core import clock
from fatura.core.errors import DomainError
from fatura.core.models import LoginFailure

_USERNAME_MAX = LoginFailure._meta.get_field("username").max_length or 150


class TooManyLoginAttempts(DomainError):  # noqa: N818 - domain vocabulary
    status = 429


def lockout_message() -> str:
    return _(
        "Muitas tentativas de entrada sem sucesso para este usuário. Por segurança, o acesso "
        "foi bloqueado: tente novamente em %(minutes)d minutos."
    ) % {"minutes": settings.FATURA_LOGIN_LOCKOUT_MINUTES}


def client_address(request: HttpRequest) -> str:
    """The address a login comes from: ``REMOTE_ADDR``, or, behind ``FATURA_PROXY_HOPS``
    trusted reverse proxies, the address the nearest of them saw (``X-Forwarded-For`` read
    from the right, so a client cannot choose it)."""
    hops = settings.FATURA_PROXY_HOPS
    if hops > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops][:64]
    return str(request.META.get("REMOTE_ADDR") or "")[:64]


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.FATURA_LOGIN_LOCKOUT_MINUTES)


def _pair(username: str, address: str) -> dict[str, str]:
    return {"username": username[:_USERNAME_MAX], "address": address}


def login_locked(*, username: str, address: str) -> bool:
    return LoginFailure.objects.filter(
        **_pair(username, address),
        failures__gte=settings.FATURA_LOGIN_FAILURE_LIMIT,
        last_failed_at__gt=clock.now() - _window(),
    ).exists()


def login_failure_record(*, username: str, address: str) -> None:
    """Counts one failure; failures further apart than the lockout period start a new count."""
    now = clock.now()
    with transaction.atomic():
        row, created = LoginFailure.objects.select_for_update().get_or_create(
            **_pair(username, address), defaults={"failures": 1, "last_failed_at": now}
        )
        if created:
            return
        if row.last_failed_at <= now - _window():
            row.failures = 1
        else:
            row.failures = F("failures") + 1
        row.last_failed_at = now
        row.save(update_fields=["failures", "last_failed_at"])


def login_success_record(*, username: str, address: str) -> None:
    LoginFailure.objects.filter(**_pair(username, address)).delete()


class ThrottledModelBackend(ModelBackend):
    """Django's username/password check, refused while the (username, address) pair is locked;
    records failures and clears them on success."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None or username is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        address = client_address(request)
        if login_locked(username=username, address=address):
            # authenticate() stops at PermissionDenied: no other backend is tried
            raise PermissionDenied(lockout_message())
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username=username, address=address)
        else:
            login_success_record(username=username, address=address)
        return user
