"""Issue and check API bearer tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate

from fatura.core import clock
from fatura.core.errors import DomainError
from fatura.core.models import ApiToken


class BadCredentials(DomainError):  # noqa: N818
    status = 401


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(*, username: str, password: str) -> str:
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        raise BadCredentials("Usuário ou senha inválidos.")
    key = secrets.token_urlsafe(32)
    now = clock.now()
    ApiToken.objects.filter(user=user, expires_at__lt=now).delete()
    ApiToken.objects.create(
        user=user,
        key_hash=_hash(key),
        created_at=now,
        expires_at=now + dt.timedelta(hours=settings.FATURA_TOKEN_TTL_HOURS),
    )
    return key


def token_user(key: str) -> Any | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), expires_at__gt=clock.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token.user
