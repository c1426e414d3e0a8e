"""Browser tests of receivables: an invoice from creation to closure, and a dispute to its
resolution, clicked through the pages as finance staff would (Playwright + Debian's chromium).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client
from playwright.sync_api import Page, expect

from fatura.core import clock
from fatura.core.roles import ROLES
from fatura.customers.models import Customer
from fatura.receivables import services
from fatura.receivables.models import Invoice
from tests.factories import CustomerFactory, financeiro

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NOW = dt.datetime(2026, 5, 5, 14, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[None]:
    monkeypatch.setattr(clock, "now", lambda: NOW)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    yield


@pytest.fixture(autouse=True)
def roles() -> None:
    for name in ROLES:
        Group.objects.get_or_create(name=name)


@pytest.fixture
def fin(roles: None) -> User:
    return financeiro()


@pytest.fixture
def acme() -> Customer:
    customer: Customer = CustomerFactory(name="ACME Serviços Ltda", payment_terms="NET30")
    return customer


@pytest.fixture
def sign_in(page: Page, live_server: Any) -> Callable[[User], None]:
    def sign(user: User) -> None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )

    return sign


def act(page: Page, action: str, fields: dict[str, str] | None = None) -> None:
    """Open an action's form on the invoice page, fill it and confirm."""
    page.locator(f"#action-{action}").click()
    form = page.locator("#action-form")
    expect(form).to_be_visible()
    for name, value in (fields or {}).items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.locator("#action-confirm").click()


def test_invoice_from_creation_to_closure(page: Page, sign_in: Any, fin: User, acme: Customer):
    sign_in(fin)
    page.goto("/faturas/nova/")
    page.locator("#id_customer").select_option(str(acme.pk))
    page.locator("#id_issue_date").fill("05/05/2026")
    page.locator("#line-1-description").fill("Consultoria de implantação")
    page.locator("#line-1-quantity").fill("10")
    page.locator("#line-1-unit_price").fill("150,00")
    page.locator("#invoice-submit").click()
    expect(page.locator("#invoice-status")).to_contain_text("Rascunho")
    number = Invoice.objects.get().number
    assert number == "FAT-00000001"
    expect(page.locator("#invoice-balance")).to_contain_text("R$ 1.500,00")

    act(page, "complete")
    expect(page.locator("#invoice-status")).to_contain_text("Concluída")
    act(page, "send")
    expect(page.locator("#invoice-status")).to_contain_text("Enviada ao cliente")

    # a payment for the whole balance, allocated on the payments page
    page.goto("/pagamentos/novo/")
    page.locator("#id_customer").select_option(str(acme.pk))
    expect(page.locator(f"#alloc-{number}")).to_be_visible()
    page.locator("#id_amount").fill("1.500,00")
    page.locator("#id_received_at").fill("20/05/2026")
    page.locator("#id_method").select_option("pix")
    page.locator("#pay-oldest-first").click()
    expect(page.locator(f"#alloc-{number}")).to_have_value("1500,00")
    page.locator("#payment-submit").click()
    expect(page.locator("#payment-applied")).to_contain_text("R$ 1.500,00")

    page.goto(f"/faturas/{number}/")
    expect(page.locator("#invoice-status")).to_contain_text("Encerrada")
    expect(page.locator("#invoice-payment-status")).to_contain_text("Paga")
    expect(page.locator("#invoice-balance")).to_contain_text("R$ 0,00")
    timeline = page.locator("#timeline")
    for label in (
        "Fatura criada",
        "Fatura concluída",
        "Fatura enviada ao cliente",
        "Pagamento recebido",
        "Pagamento aplicado à fatura",
        "Fatura encerrada",
    ):
        expect(timeline).to_contain_text(label)


def test_dispute_to_its_resolution_by_credit_note(
    page: Page, sign_in: Any, fin: User, acme: Customer
):
    invoice = services.invoice_create(
        by=fin,
        customer=acme,
        kind="simple",
        issue_date=dt.date(2026, 5, 5),
        payment_terms="NET30",
        lines=[{"description": "Suporte mensal", "quantity": "1", "unit_price": "800.00"}],
    )
    services.invoice_complete(by=fin, number=invoice.number)
    services.invoice_send(by=fin, number=invoice.number)
    sign_in(fin)
    page.goto(f"/faturas/{invoice.number}/")

    act(page, "dispute", {"reason": "preco_incorreto", "amount": "120,00"})
    expect(page.locator("#invoice-status")).to_contain_text("Em disputa")
    expect(page.locator("#invoice-disputes")).to_contain_text("Preço incorreto")

    act(page, "resolve-dispute", {"resolution": "credit_note"})
    expect(page.locator("#invoice-status")).to_contain_text("Enviada ao cliente")
    expect(page.locator("#invoice-balance")).to_contain_text("R$ 680,00")
    expect(page.locator("#invoice-credit-notes")).to_contain_text("NC-00000001")
    timeline = page.locator("#timeline")
    for label in ("Disputa registrada", "Nota de crédito emitida", "Disputa resolvida"):
        expect(timeline).to_contain_text(label)
