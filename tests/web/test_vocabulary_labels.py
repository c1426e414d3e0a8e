"""One source of truth per vocabulary (issue 11 §5, docs/decisions/0025): an invoice's status,
payment status and kind are shown with the labels of ``receivables.vocabulary``, translated —
the English pages show English names, the pt-BR pages pt-BR ones — on the invoice list, the
invoice page (its badges, its kind, the timeline's "situação") and the list's CSV; the API
states the codes as enums."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from django.test import Client

from fatura.receivables.vocabulary import InvoiceKind, InvoiceStatus, PaymentStatus
from tests.factories import financeiro
from tests.receivables.builders import Books
from tests.scenarios import frozen_clock
from tests.web.conftest import text

__all__ = ["frozen_clock"]


@pytest.fixture
def invoice(fin_user: Any, frozen_clock: Any, settings: Any) -> Any:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    books = Books(fin_user, financeiro("aprovador"), frozen_clock)
    sent = books.sent(amount="1000.00")
    books.pay(sent, "400.00")  # sent, partially paid
    return books.reload(sent)


def _in(client: Client, language: str) -> Client:
    client.cookies["django_language"] = language
    return client


@pytest.mark.parametrize(
    ("language", "status", "payment", "kind", "timeline"),
    [
        ("en", "Sent to customer", "Partially paid", "One-off", "Sent to customer"),
        ("pt-br", "Enviada ao cliente", "Parcialmente paga", "Avulsa", "Enviada ao cliente"),
    ],
)
def test_invoice_list_and_page_show_the_vocabulary_in_the_readers_language(
    fin_client: Client, invoice: Any, language: str, status: str, payment: str, kind: str,
    timeline: str,
) -> None:  # fmt: skip
    client = _in(fin_client, language)
    listing = text(client.get("/faturas/"))
    assert f">{status}</span>" in listing and f">{payment}</span>" in listing
    page = text(client.get(f"/faturas/{invoice.number}/"))
    assert 'id="invoice-status" title="' in page
    assert f">{status}</span>" in page and f">{payment}</span>" in page
    assert f'id="invoice-kind">{kind}<' in page
    assert timeline in page.split('id="invoice-status"', 1)[1]  # the timeline's facts too
    other = {"en": "Enviada ao cliente", "pt-br": "Sent to customer"}[language]
    assert other not in listing and other not in page
    csv = text(client.get("/faturas/exportar.csv"))
    assert {"en": "Partially paid", "pt-br": "Parcialmente paga"}[language] in csv


def test_the_filters_offer_the_vocabulary_in_english(fin_client: Client, invoice: Any) -> None:
    page = text(_in(fin_client, "en").get("/faturas/"))
    assert '<option value="written_off">Written off</option>' in page
    assert '<option value="overpaid">Overpaid</option>' in page
    assert '<option value="usage">Usage (monthly charge)</option>' in page


def test_the_api_states_the_codes_as_enums() -> None:
    from fatura.billing.models import ChargeSituation
    from fatura.receivables import domain
    from fatura.receivables.schemas import InvoiceKindCode, InvoiceStatusCode, PaymentStatusCode

    assert list(get_args(InvoiceKindCode)) == InvoiceKind.values
    assert list(get_args(InvoiceStatusCode)) == InvoiceStatus.values
    assert list(get_args(PaymentStatusCode)) == PaymentStatus.values
    assert domain.OVERDUE == InvoiceStatus.OVERDUE and not hasattr(domain, "STATUS_LABELS")
    assert ChargeSituation.FINALIZED.label is not None


def test_the_openapi_schema_lists_the_enums(fin_api: Any) -> None:
    from fatura.api import api

    schemas = api.get_openapi_schema()["components"]["schemas"]
    invoice = schemas["InvoiceOut"]["properties"]
    assert invoice["status"]["enum"] == InvoiceStatus.values
    assert invoice["payment_status"]["enum"] == PaymentStatus.values
    assert invoice["kind"]["enum"] == InvoiceKind.values
