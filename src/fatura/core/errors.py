"""Domain errors. Services raise these with a human message; the API and the pages map them
to HTTP statuses in one place (``fatura.api``): invalid input 422, a rule of the manual 409,
missing 404, role 403."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class InvalidInput(DomainError):  # noqa: N818 - domain vocabulary
    status = 422


class RuleViolation(DomainError):  # noqa: N818
    """A rule of the business (the user manual) forbids this action now."""

    status = 409


class NotFound(DomainError):  # noqa: N818
    status = 404


class Forbidden(DomainError):  # noqa: N818
    status = 403
