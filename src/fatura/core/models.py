from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored. ``password_stamp`` is the
    user's session hash (an HMAC of the password hash) when the token was issued: a token whose
    user has changed password since no longer matches and is refused (``core.tokens``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    password_stamp = models.CharField(max_length=128, default="")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"token of {self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class Counter(models.Model):
    """A gapless number sequence (invoices, later credit notes). The row is locked with
    ``SELECT ... FOR UPDATE`` and incremented in the transaction that uses the number, so a
    rollback gives the number back and no two transactions can take the same one."""

    name = models.CharField(max_length=50, primary_key=True)
    last_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.last_value}"


class LoginFailure(models.Model):
    """Failed logins of one username from one address, for login throttling (``core.logins``).
    ``failures`` counts the failures that came less than the lockout period apart; the pair is
    locked while it has reached the limit and its last failure is recent. A success deletes the
    row."""

    username = models.CharField(max_length=150)
    address = models.CharField(max_length=64)
    failures = models.PositiveIntegerField(default=0)
    last_failed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["username", "address"], name="core_login_failure_pair")
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.address}: {self.failures}"
