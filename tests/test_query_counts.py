"""Query counts of every list endpoint of the JSON API and every list page of the site, pinned in
one table (NetBox's query-count tests): each answers a page of rows in a constant number of
queries, so an N+1 regression fails here.

The endpoints and pages are discovered — the API's GET collection operations from its OpenAPI
schema, the site's pages from the URL conf — so a new one without a row in a table fails
``test_every_*_has_a_row``. Each count is measured with a few rows and again with more rows: it
must not grow with the rows, and must stay within the pinned number. An API request spends 2 of
its queries on authentication (the token, the user's roles); a page spends 2 on the session and
the user.

To see the counts of today: ``FATURA_PRINT_QUERY_COUNTS=1 pytest tests/test_query_counts.py -s``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from fatura.banking import bank_files
from fatura.banking.files.write import Transaction, ofx_statement
from fatura.fiscal.models import (
    ExpectedLag,
    Nfse,
    NfseCoverage,
    NfseStatus,
    ServiceOrder,
    ServiceOrderStatus,
)
from fatura.forecast.models import ForecastModel
from fatura.mining.services import log_import
from tests.factories import CustomerFactory, financeiro
from tests.receivables.builders import Books
from tests.scenarios import APRIL, MAY, billing_item, finalize, frozen_clock, record

__all__ = ["frozen_clock"]  # autouse: every row is made and read at tests.scenarios.NOW

# GET collection endpoints of /api/v1 (path as in the OpenAPI schema) -> queries at most. The
# paginated lists (fatura.core.pagination) spend one of theirs on the total (X-Total-Count).
API_QUERY_COUNTS: dict[str, int] = {
    "/bank-entries": 4,
    "/billing-items": 5,  # + which versions a finalized charge used (catalog.uses)
    "/charges": 7,  # + the month's finalized charges (Registrar cobrança keeps them)
    "/collections/worklist": 10,  # + the payment terms (the forecast reads them; 0023)
    "/consumptions": 4,
    "/customers": 3,
    "/delay-reasons": 3,
    "/events": 4,
    "/forecast/cash-flow": 9,  # + the payment terms' net days (a table since 0023)
    "/forecast/models": 3,
    "/invoices": 7,  # + the adjustments waiting for approval, + the installments (0023)
    "/kpis/nfse-after-billing": 7,  # + the delay reasons (labels, kinds; 0040)
    "/mining/logs": 3,
    "/mining/logs/{log_id}/cases": 4,  # the log's row; its cases are in its Parquet file
    "/nfse": 5,
    "/nfse/backlog": 5,
    "/payment-terms": 4,
    "/payments": 5,
    "/periods": 4,  # the closed months, the first invoice's issue date (no count: a list)
    "/reports/aging": 3,
    "/reports/dso": 4,
    "/service-orders": 5,
    "/settings/nfse-expected-lag": 3,
    "/usage": 5,
}

# Query strings the measured request adds (a month with rows, a required parameter).
API_QUERIES: dict[str, str] = {
    "/charges": "month=2026-05",
    "/usage": "customer_id={customer}&item_ids={item0},{item1}",
}

# Pages of the site without URL parameters ("web:<name>") -> queries at most.
PAGE_QUERY_COUNTS: dict[str, int] = {
    "web:aging": 4,
    "web:bank_files": 6,  # + the latest files
    "web:cash_in": 5,
    "web:charges": 9,
    "web:consumption": 8,
    "web:customers": 6,  # + the payment terms (a table since docs/decisions/0023)
    "web:dso": 29,
    "web:dunning_strategies": 5,
    "web:events": 5,
    "web:fiscal": 15,
    "web:fiscal_backlog": 11,  # + the active delay reasons (the form)
    "web:fiscal_efficiency": 12,
    "web:fiscal_lags": 10,
    "web:fiscal_nfse": 8,
    "web:fiscal_orders": 11,
    "web:fiscal_post_service": 16,  # + the delay reasons (the KPI reads them apart; 0040)
    "web:forecast": 11,  # + the payment terms' net days (a table since 0023)
    "web:home": 9,
    "web:invoices": 6,
    "web:items": 6,
    "web:mining": 5,
    "web:payment_terms": 5,
    "web:payments": 6,
    "web:periods": 5,
    "web:remittances": 6,  # open invoices (count + page) and the latest remittances
    "web:usage": 9,
    "web:worklist": 13,  # + the payment terms (the forecast reads them; 0023)
    "web:payment_open_invoices": 4,
}

PAGE_QUERIES: dict[str, str] = {
    "web:charges": "mes=2026-05",
    "web:payment_open_invoices": "customer={customer}",
    "web:usage": "cliente={customer}&itens={item0}&itens={item1}",
}

# Pages without URL parameters that are not lists, and why.
NOT_LIST_PAGES: dict[str, str] = {
    "set_language": "POST: switches the language",
    "web:billing_run_start": "POST: queues a billing run",
    "web:charge_finalize": "POST: finalizes a charge",
    "web:dunning_strategy_edit": "a form",
    "web:fiscal_nfse_import": "an upload form",
    "web:fiscal_orders_import": "an upload form",
    "web:forecast_train": "POST: trains a model",
    "web:invoice_new": "a form",
    "web:login": "a form",
    "web:logout": "POST: logs out",
    "web:mining_upload": "an upload form",
    "web:payment_new": "a form",
    "web:volume_import": "an upload form",
}

SMALL, LARGE = 1, 3  # rows of each kind, then more rows of each kind
FILE_SUFFIX = re.compile(r"\.(csv|pdf|svg|png|js|xml|json)$")
PRINT = bool(os.environ.get("FATURA_PRINT_QUERY_COUNTS"))


# --- discovery ---------------------------------------------------------------------------------


def api_list_endpoints() -> set[str]:
    """Every GET of /api/v1 without a path parameter, or whose answer is a JSON array."""
    from fatura.api import api

    found = set()
    for path, operations in api.get_openapi_schema()["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        content = get["responses"].get(200, {}).get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        if "{" not in path or schema.get("type") == "array":
            found.add(path.removeprefix("/api/v1"))
    return found


def _patterns(resolver: URLResolver, namespace: str = "", prefix: str = "") -> Iterator[Any]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from _patterns(entry, inner.strip(":"), prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield namespace, prefix + str(entry.pattern), entry


def site_pages() -> set[str]:
    """Every named page of the site without URL parameters that is not a file download."""
    found = set()
    for namespace, route, pattern in _patterns(get_resolver()):
        if route.startswith(("api/", "admin/")) or not pattern.name or "<" in route:
            continue
        if pattern.pattern.regex.groups or FILE_SUFFIX.search(route):
            continue
        found.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return found


# --- rows ----------------------------------------------------------------------------------------

CSV_LOG = (
    "case_id,activity,timestamp\n"
    "o1,Receive order,2026-01-01T10:00:00Z\n"
    "o1,Ship,2026-01-02T10:00:00Z\n"
    "o2,Receive order,2026-01-01T11:00:00Z\n"
)


class Rows:
    """``add(n)`` makes n more rows of every kind the lists show, through the services where
    rules apply (invoices, payments, events)."""

    def __init__(self, by: Any, approver: Any, clock: Any, folder: Path) -> None:
        self.by = by
        self.books = Books(by, approver, clock)
        self.folder = folder
        self.items = [billing_item(f"Item {n}", price="1.25") for n in range(2)]
        self.made = 0
        self.first = CustomerFactory()
        first_log = folder / "log-0.csv"
        first_log.write_text(CSV_LOG, encoding="utf-8")
        self.log = log_import(first_log, name="Pedidos 0", by=by, zone="UTC")

    def params(self) -> dict[str, Any]:
        """What the query strings name: the first customer, the two items consumed, the first
        imported log."""
        return {
            "customer": self.first.pk,
            "item0": self.items[0].pk,
            "item1": self.items[1].pk,
            "log_id": self.log.pk,
        }

    def add(self, count: int) -> None:
        for _ in range(count):
            self.made += 1
            self._one(self.made)

    def _one(self, n: int) -> None:
        customer = CustomerFactory()
        billing_item(f"Item {n} sem consumo", price="2.00")
        for item in self.items:
            record(self.by, customer, item, "10", APRIL)
            record(self.by, customer, item, "4", MAY)
        finalize(self.by, customer, APRIL)  # a charge and its invoice
        sent = self.books.sent(customer, amount="500.00", issue_date=dt.date(2026, 3, 2))
        self.books.pay(sent, "100.00")
        self.books.sent(customer, amount="300.00")
        self.books.sent(self.first, amount="200.00")  # the first customer's open invoices
        statement = ofx_statement(
            [Transaction(f"Q{n}", dt.date(2026, 5, 4), Decimal("12.34"), memo="DEPOSITO")]
        )
        bank_files.bank_file_import(by=self.by, data=statement)  # an unmatched entry
        order = ServiceOrder.objects.create(
            number=f"OS-{n}",
            customer=customer,
            service_type="Manutenção",
            team="Norte",
            value=Decimal("100.00"),
            completed_at=dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC),
            billed_at=dt.datetime(2026, 4, 3, 10, tzinfo=dt.UTC),
            status=ServiceOrderStatus.BILLED,
        )
        ServiceOrder.objects.create(
            number=f"OS-{n}-B",
            customer=customer,
            service_type="Instalação",
            team="Sul",
            value=Decimal("50.00"),
            completed_at=dt.datetime(2026, 4, 5, 10, tzinfo=dt.UTC),
            billed_at=dt.datetime(2026, 4, 6, 10, tzinfo=dt.UTC),  # no NFS-e yet: backlog
            status=ServiceOrderStatus.BILLED,
        )
        note = Nfse.objects.create(
            number=f"N-{n}",
            issued_at=dt.datetime(2026, 4, 4, 10, tzinfo=dt.UTC),
            value=Decimal("100.00"),
            customer=customer,
            status=NfseStatus.ISSUED,
        )
        NfseCoverage.objects.create(nfse=note, service_order=order, value=Decimal("100.00"))
        ExpectedLag.objects.create(
            scope=ExpectedLag.scope_of("Manutenção", customer.pk),
            service_type="Manutenção",
            customer=customer,
            days=Decimal("2"),
        )
        path = self.folder / f"log-{n}.csv"
        path.write_text(CSV_LOG, encoding="utf-8")
        log_import(path, name=f"Pedidos {n}", by=self.by, zone="UTC")
        ForecastModel.objects.create(
            version=n,
            trained_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
            trained_by="fin",
            cutoff=dt.date(2026, 5, 1),
            rows=10,
            invoices=5,
            seconds=1.0,
            path=f"missing-{n}.joblib",
        )


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> None:
    """A cache and a data folder of the test's own (logs are files; cached answers would hide
    the queries)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "q"}
    }
    settings.DATA_DIR = tmp_path


@pytest.fixture
def rows(fin_user: Any, frozen_clock: Any, tmp_path: Path) -> Rows:
    return Rows(fin_user, financeiro("aprovador"), frozen_clock, tmp_path)


def _count(get: Callable[[str], Any], url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries.captured_queries)


def _small_and_large(rows: Rows, get: Callable[[str], Any], url: str) -> tuple[int, int]:
    rows.add(SMALL)
    if PRINT:
        print(f"\nSIZE {url!r}: {len(get(url).content)} bytes")
    get(url)  # warm the process-wide caches (content types, templates) outside the count
    small = _count(get, url)
    rows.add(LARGE - SMALL)
    large = _count(get, url)
    if PRINT:
        print(f"\nQUERY-COUNT {url!r}: {small} with {SMALL} rows, {large} with {LARGE} rows")
        print(f"SIZE {url!r}: {len(get(url).content)} bytes")
    return small, large


# --- the tables against what exists ---------------------------------------------------------------


def test_every_list_endpoint_has_a_row() -> None:
    assert api_list_endpoints() == set(API_QUERY_COUNTS)


def test_every_page_has_a_row() -> None:
    pages = site_pages()
    assert not set(PAGE_QUERY_COUNTS) & set(NOT_LIST_PAGES)
    assert pages == set(PAGE_QUERY_COUNTS) | set(NOT_LIST_PAGES)


# --- the counts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(API_QUERY_COUNTS))
def test_api_list_query_count(path: str, rows: Rows, fin_api: Any) -> None:
    url = path + (f"?{API_QUERIES[path]}" if path in API_QUERIES else "")
    url = url.format(**rows.params())
    small, large = _small_and_large(rows, fin_api.get, url)
    assert small == large, f"{url}: {small} queries with {SMALL} rows, {large} with {LARGE}"
    assert large <= API_QUERY_COUNTS[path], f"{url}: {large} queries"


@pytest.mark.parametrize("name", sorted(PAGE_QUERY_COUNTS))
def test_page_query_count(name: str, rows: Rows, fin_user: Any) -> None:
    from django.urls import reverse

    client = Client()
    client.force_login(fin_user)
    url = reverse(name) + (f"?{PAGE_QUERIES[name]}" if name in PAGE_QUERIES else "")
    url = url.format(**rows.params())
    small, large = _small_and_large(rows, client.get, url)
    assert small == large, f"{url}: {small} queries with {SMALL} rows, {large} with {LARGE}"
    assert large <= PAGE_QUERY_COUNTS[name], f"{url}: {large} queries"
