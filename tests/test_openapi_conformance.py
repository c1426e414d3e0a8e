"""Schemathesis over the whole of /api/v1/openapi.json, in-process (the WSGI app, no network):
every operation, 25 generated examples each (derandomized: the same examples every run), must
never answer 5xx, must answer only the statuses it documents, with bodies that match its
documented schemas, and must not refuse with 422 what its schema says is valid. The caller has
both roles (Financeiro and Operação), so a 403 means a rule, not a missing role. See
docs/decisions/0017."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from fatura.api import api
from fatura.core.roles import FINANCEIRO, OPERACAO
from tests.factories import UserFactory

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
schema.app = get_wsgi_application()

# What a schema cannot say: a 422 for schema-valid input is allowed only on these fields, each
# checked against stored data or another field. Anything else refused with 422 means the
# schema is looser than the validation behind it (a missing enum, pattern or bound).
BEYOND_SCHEMA = {
    "document": "CPF/CNPJ check digits",
    "collector": "a username that exists",
    "customer_id": "fiscal filters: customers that exist (a list)",
    "to": "not before from",
    "end": "not before start",
    "completed_to": "not before completed_from",
    "issued_to": "not before issued_from",
    "from": "not after today when to is absent",
    "promise_date": "required when the outcome is promise_to_pay",
    "file": "a file's format and content, read by its parser",
    "object_type": "required when the log is OCEL 2.0",
    "delivery": "email only when the customer has an e-mail (another field)",
    "invoice_numbers": "invoices that exist (POST /remittances)",
    "installment": "an installment of the invoice still open (PIX/boleto)",
    "payment_terms": "a payment term that exists and is active (GET /payment-terms)",
    "installments": "percents adding up to exactly 100 (POST/PATCH /payment-terms)",
    "days": "installment days strictly ascending",
    "percent": "an installment's percent (its sum with the others)",
    "discount_days": "set together with discount_percent, or neither",
    "discount_percent": "set together with discount_days, or neither",
    "reason_id": "a delay reason that exists and is active (GET /delay-reasons)",
}


def schema_valid_input_is_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """Input generated to fit the schema (positive mode) is not refused as invalid, except on
    the fields of BEYOND_SCHEMA."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    errors = response.json().get("errors", [])
    if errors and all("row" in error or "line" in error for error in errors):
        return None  # a file's content, refused row by row by its parser
    fields = {error.get("field") for error in errors}
    if not fields or not fields <= BEYOND_SCHEMA.keys():
        raise AssertionError(
            f"{case.operation.label}: schema-valid input refused with 422: {response.text[:300]}"
        )
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    schema_valid_input_is_accepted,
]


@pytest.fixture
def in_test_transaction(bearer: dict[str, str]) -> Iterator[None]:
    """The WSGI app closes the database connection around each request (request_started and
    request_finished), which would end the test's transaction on PostgreSQL; Django's test
    client keeps it open the same way. After ``bearer``: the test client connects them back."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db: Any, client: Any) -> dict[str, str]:
    user = UserFactory(username="fuzz", role=FINANCEIRO)
    user.groups.add(Group.objects.get_or_create(name=OPERACAO)[0])
    response = client.post(
        "/api/v1/auth/token",
        data={"username": "fuzz", "password": "secret-pass"},
        content_type="application/json",
    )
    return {"Authorization": f"Bearer {response.json()['token']}"}


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api(case: Any, bearer: dict[str, str], in_test_transaction: None) -> None:
    case.call_and_validate(headers=bearer, checks=CHECKS)
