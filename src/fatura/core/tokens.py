"""Issue and check API bearer tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import Q
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from fatura.core import clock
from fatura.core.errors import DomainError
from fatura.core.logins import TooManyLoginAttempts, client_address, lockout_message, login_locked
from fatura.core.models import ApiToken


class BadCredentials(DomainError):  # noqa: N818
    status = 401


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _password_stamp(user: Any) -> str:
    """An HMAC of the user's password hash (Django's session hash): it changes whenever the
    password does, by any path (admin, ``set_password``, ``changepassword``)."""
    return str(user.get_session_auth_hash())


def token_issue(*, request: HttpRequest | None, username: str, password: str) -> str:
    """A new token for the user, after the throttled password check (``core.logins``):
    locked out (username, address) pairs get ``TooManyLoginAttempts``."""
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        if request is not None and login_locked(username=username, address=client_address(request)):
            raise TooManyLoginAttempts(lockout_message())
        raise BadCredentials("Usuário ou senha inválidos.")
    key = secrets.token_urlsafe(32)
    now = clock.now()
    stamp = _password_stamp(user)
    ApiToken.objects.filter(user=user).filter(
        Q(expires_at__lt=now) | ~Q(password_stamp=stamp)
    ).delete()
    ApiToken.objects.create(
        user=user,
        key_hash=_hash(key),
        password_stamp=stamp,
        created_at=now,
        expires_at=now + dt.timedelta(hours=settings.FATURA_TOKEN_TTL_HOURS),
    )
    return key


def token_get(key: str) -> ApiToken | None:
    """The live token with this key: not expired, its user active and with the password the
    token was issued under."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), expires_at__gt=clock.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if not constant_time_compare(token.password_stamp, _password_stamp(token.user)):
        return None
    return token


def token_user(key: str) -> Any | None:
    token = token_get(key)
    return None if token is None else token.user


def token_revoke(*, token: ApiToken) -> None:
    """Logout: the token stops working at once."""
    ApiToken.objects.filter(pk=token.pk).delete()
