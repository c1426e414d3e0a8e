"""Browser tests of the "Uso e Faturas" pages: what a Financeiro or Operação user sees and does.

Each test makes its data through the services and factories (the clock frozen on 05/05/2026, so
the month being billed is April 2026) and drives only the step under test in the browser.

``transaction=True`` because the live server reads the test's rows from its own thread. The flush
after each test drops the role groups of the migrations; ``serialized_rollback=True`` should give
them back, but it is silently skipped once Playwright runs: its sync API keeps an asyncio loop
"running" in this thread, so Django serves the connections from a context-local store, and the
connection there is not the one that holds the serialized data (pytest-django issue #1117). So
the ``roles`` fixture makes the groups itself; the marker still restores the migrations' data when
it can, for the transactional tests that come after.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client
from playwright.sync_api import Page, expect

from fatura.billing.services import charge_finalize
from fatura.catalog.models import BillingItem
from fatura.core import clock
from fatura.core.documents import cnpj_with_check_digits, format_document
from fatura.core.months import Month
from fatura.core.roles import ROLES
from fatura.customers.models import Customer
from fatura.receivables.models import Invoice
from fatura.usage.models import Consumption
from fatura.usage.services import consumption_record
from tests.factories import BillingItemFactory, CustomerFactory, financeiro, operacao

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NOW = dt.datetime(2026, 5, 5, 14, 30, tzinfo=dt.UTC)
APRIL = Month(2026, 4)
VOLUME_HEADER = "customer_document,month,item,product,unit,unit_price,quantity\n"


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The pages and services ask ``fatura.core.clock``; the live server thread sees it too."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    yield


@pytest.fixture(autouse=True)
def roles() -> None:
    """The role groups, whether or not the serialized rollback brought them back."""
    for name in ROLES:
        Group.objects.get_or_create(name=name)


@pytest.fixture
def fin(roles: None) -> User:
    return financeiro()


@pytest.fixture
def ops(roles: None) -> User:
    return operacao()


@pytest.fixture
def acme() -> Customer:
    customer: Customer = CustomerFactory(name="ACME Serviços Ltda")
    return customer


@pytest.fixture
def storage() -> BillingItem:
    """R$ 0,50 per GB since January: 2.469,12 GB cost R$ 1.234,56."""
    item: BillingItem = BillingItemFactory(
        name="Armazenamento", product="Cloud", unit="GB", price=("0.50", "2026-01")
    )
    return item


@pytest.fixture
def sign_in(page: Page, live_server: Any) -> Callable[[User], None]:
    """Log the browser in without the login form (that one has its own tests): a session made
    by Django's test client, handed to the browser as its cookie."""

    def sign(user: User) -> None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )

    return sign


@pytest.fixture
def april_usage(fin: User, acme: Customer, storage: BillingItem) -> Consumption:
    """ACME's pending April charge: 2.469,12 GB, total due R$ 1.234,56."""
    return consumption_record(
        by=fin, customer=acme, month=APRIL, billing_item=storage, quantity="2469.12"
    )


def post_form(page: Page, action: str, fields: dict[str, str]) -> Any:
    """Submit a POST from the current page as a crafted form would (with the page's CSRF
    token), the way a user bypassing the hidden buttons would; returns the response."""
    with page.expect_navigation() as answer:
        page.evaluate(
            """([action, fields]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
                const all = {...fields, csrfmiddlewaretoken: csrf.value};
                for (const [name, value] of Object.entries(all)) {
                    const input = document.createElement("input");
                    input.type = "hidden";
                    input.name = name;
                    input.value = value;
                    form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
            }""",
            [action, fields],
        )
    response = answer.value
    assert response is not None and response.request.method == "POST"
    assert response.url.split("?")[0].endswith(action)
    return response


# 1. Login, wrong and right password, logout ------------------------------------------------


def test_login_wrong_password_then_right_password_then_logout(page: Page, fin: User) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))

    page.get_by_label("Usuário").fill("fin")
    page.get_by_label("Senha").fill("wrong-password")
    page.get_by_role("button", name="Entrar").click()
    error = page.locator("#login-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(re.compile(r"entre com um usuário\s+e senha corretos"))
    expect(page.locator("#id_username")).to_have_value("fin")
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator("#current-user")).to_have_count(0)

    page.get_by_label("Senha").fill("secret-pass")
    page.get_by_role("button", name="Entrar").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Olá, fin")
    expect(page.locator("#current-role")).to_have_text("Financeiro")
    expect(page.locator("#login-error")).to_have_count(0)

    page.locator("#logout-button").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator("#current-user")).to_have_count(0)
    page.goto("/faturas/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/faturas/$"))


# 2. Customers ------------------------------------------------------------------------------


def test_financeiro_creates_a_customer_after_fixing_an_invalid_cnpj(
    page: Page, sign_in: Callable[[User], None], fin: User
) -> None:
    sign_in(fin)
    page.goto("/clientes/")
    expect(page.locator("#customers-table")).to_have_count(0)

    page.locator("#id_name").fill("Nova Empresa Ltda")
    page.locator("#id_document").fill("11.222.333/0001-00")
    page.locator("#customer-submit").click()
    document = page.locator("#id_document")
    expect(page.locator("#id_document_error")).to_have_text("CNPJ inválido: 11.222.333/0001-00")
    expect(document).to_have_attribute("aria-invalid", "true")
    expect(document).to_have_attribute("aria-describedby", re.compile("id_document_error"))
    expect(page.locator("#form-error")).to_contain_text("Corrija os campos destacados abaixo.")
    expect(page.locator("#id_name")).to_have_value("Nova Empresa Ltda")
    expect(page.locator("#customers-table")).to_have_count(0)
    assert not Customer.objects.exists()

    valid = cnpj_with_check_digits("112223330001")
    document.fill(format_document(valid))
    page.locator("#customer-submit").click()
    expect(page).to_have_url(re.compile(r"/clientes/$"))
    expect(page.locator("#messages")).to_contain_text("Cliente Nova Empresa Ltda cadastrado.")
    row = page.locator("#customers-table tbody tr", has_text="Nova Empresa Ltda")
    expect(row).to_contain_text("11.222.333/0001-81")
    expect(row).to_contain_text("CNPJ")
    expect(page.locator("#id_document_error")).to_have_count(0)
    assert Customer.objects.get().document == valid


# 3. Billing items and price versions -------------------------------------------------------


def test_financeiro_creates_an_item_and_adds_a_second_price(
    page: Page, sign_in: Callable[[User], None], fin: User
) -> None:
    sign_in(fin)
    page.goto("/itens/")
    page.locator("#id_name").fill("Horas de suporte")
    page.locator("#id_product").fill("Suporte")
    page.locator("#id_unit").fill("hora")
    page.locator("#id_unit_price").fill("180,00")
    expect(page.locator("#id_valid_from")).to_have_value("2026-05")  # the current month
    page.locator("#item-submit").click()

    expect(page).to_have_url(re.compile(r"/itens/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Horas de suporte")
    expect(page.locator("#messages")).to_contain_text("Item de cobrança Horas de suporte criado.")
    expect(page.locator("#item-current-price")).to_have_text("R$ 180,00")
    versions = page.locator("#price-versions tbody tr")
    expect(versions).to_have_count(1)
    expect(versions.first).to_contain_text("maio/2026")
    expect(versions.first).to_contain_text("vigente")

    expect(page.locator("#id_valid_from")).to_have_value("2026-06")  # next month by default
    page.locator("#id_unit_price").fill("195,5")
    page.locator("#price-submit").click()
    expect(page.locator("#messages")).to_contain_text("Preço de junho/2026 cadastrado.")
    expect(versions).to_have_count(2)
    june = versions.filter(has_text="junho/2026")
    expect(june).to_contain_text("R$ 195,50")
    expect(june).to_contain_text("futuro")
    expect(versions.filter(has_text="maio/2026")).to_contain_text("vigente")
    expect(page.locator("#item-current-price")).to_have_text("R$ 180,00")  # still May's

    # The same month again: the rule's message, nothing added.
    page.locator("#id_unit_price").fill("200")
    page.locator("#id_valid_from").fill("2026-06")
    page.locator("#price-submit").click()
    expect(page.locator("#price-error")).to_contain_text("já tem um preço a partir de junho/2026")
    expect(versions).to_have_count(2)
    item = BillingItem.objects.get(name="Horas de suporte")
    assert [str(p.unit_price) for p in item.prices.order_by("valid_from")] == [
        "180.0000",
        "195.5000",
    ]


# 4. Consumption ----------------------------------------------------------------------------


def test_record_consumption_lists_it_and_the_amount_due(
    page: Page, sign_in: Callable[[User], None], fin: User, acme: Customer, storage: BillingItem
) -> None:
    sign_in(fin)
    page.goto("/consumo/")
    expect(page.locator("#consumption-table")).to_have_count(0)
    page.locator("#id_customer").select_option(str(acme.pk))
    expect(page.locator("#id_month")).to_have_value("2026-04")  # the month being billed
    page.locator("#id_billing_item").select_option(str(storage.pk))
    page.locator("#id_quantity").fill("2.469,12")
    page.locator("#consumption-submit").click()

    expect(page).to_have_url(re.compile(rf"/consumo/\?cliente={acme.pk}&mes=2026-04$"))
    expect(page.locator("#messages")).to_contain_text(
        "Consumo lançado: ACME Serviços Ltda, Armazenamento, abril/2026."
    )
    rows = page.locator("#consumption-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td:not(.actions)")).to_have_text(
        ["abril/2026", "ACME Serviços Ltda", "Armazenamento", "2.469,12 GB", "Manual"]
    )
    expect(
        rows.first.get_by_role("button", name="Excluir Armazenamento de ACME Serviços Ltda")
    ).to_be_visible()
    # 2.469,12 GB x R$ 0,50: the amount due, formatted for pt-BR readers.
    page.locator("#nav-charges").click()
    expect(page.locator("#charges-total-due")).to_have_text("R$ 1.234,56")
    expect(page.locator(f"#charge-{acme.pk}")).to_contain_text("R$ 1.234,56")
    [entry] = Consumption.objects.all()
    assert str(entry.quantity).rstrip("0") == "2469.12"


# 5. Charges, finalize, invoices, PDF -------------------------------------------------------


def test_finalize_a_pending_charge_and_get_its_invoice_and_pdf(
    page: Page, sign_in: Callable[[User], None], fin: User, acme: Customer, april_usage: Consumption
) -> None:
    sign_in(fin)
    page.goto("/cobrancas/")
    summary = page.locator("#charges-summary")
    expect(summary).to_contain_text("abril/2026")
    expect(summary).to_contain_text("1 cobrança pendente")
    expect(page.locator("#charges-total-due")).to_have_text("R$ 1.234,56")
    row = page.locator(f"#charge-{acme.pk}")
    expect(row).to_contain_text("ACME Serviços Ltda")
    expect(page.locator(f"#finalize-button-{acme.pk}")).to_contain_text("Cobrar")

    page.locator(f"#finalize-button-{acme.pk}").click()
    form = page.locator(f"#finalize-slot-{acme.pk} #finalize-form")
    expect(form).to_be_visible()
    expect(form.locator("#finalize-total-due")).to_have_text("R$ 1.234,56")
    expect(page.locator("#id_result_center")).to_be_focused()
    expect(page.locator("#id_total_charged")).to_have_value("1234,56")
    page.locator("#id_result_center").fill("CR-100")
    page.locator("#id_ticket").fill("CHG-1")
    page.locator("#id_total_charged").fill("abc")
    page.locator("#finalize-submit").click()
    expect(page.locator("#finalize-error")).to_contain_text("Total a cobrar inválido: 'abc'.")
    expect(page.locator("#id_total_charged")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_result_center")).to_have_value("CR-100")  # what was typed stays
    assert not Invoice.objects.exists()

    page.locator("#id_total_charged").fill("1.234,56")
    page.locator("#finalize-submit").click()

    result = page.locator("#finalize-result")
    expect(result).to_be_visible()
    expect(page.locator("#finalize-invoice-number")).to_have_text("FAT-00000001")
    expect(result).to_contain_text("ACME Serviços Ltda · total cobrado R$ 1.234,56")
    expect(page.locator(f"#charge-status-{acme.pk}")).to_contain_text("Finalizada")
    expect(page.locator(f"#charge-status-{acme.pk}")).to_contain_text("FAT-00000001")
    expect(page.locator(f"#charge-issue-date-{acme.pk}")).to_have_text("05/05/2026")
    expect(page.locator(f"#charge-total-charged-{acme.pk}")).to_have_text("R$ 1.234,56")
    expect(page.locator("#finalize-pdf-link")).to_have_attribute(
        "href", "/faturas/FAT-00000001/pdf/"
    )

    page.locator("#nav-invoices").click()
    invoice_row = page.locator("#invoices-table tbody tr")
    expect(invoice_row).to_have_count(1)
    expect(invoice_row).to_contain_text("FAT-00000001")
    expect(invoice_row).to_contain_text("ACME Serviços Ltda")
    expect(invoice_row).to_contain_text("abril/2026")
    expect(invoice_row).to_contain_text("05/05/2026")
    expect(invoice_row).to_contain_text("R$ 1.234,56")

    pdf_link = page.locator("#pdf-FAT-00000001")
    expect(pdf_link).to_have_attribute("href", "/faturas/FAT-00000001/pdf/")
    response = page.request.get(str(pdf_link.get_attribute("href")))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="fatura-FAT-00000001.pdf"' in response.headers["content-disposition"]
    assert response.body().startswith(b"%PDF")

    # Back on the charges page the customer's row stays, finalized, with the issue date and
    # the amount charged; filtering by situação "Cobrar" leaves nothing pending.
    page.goto("/cobrancas/?mes=2026-04")
    expect(page.locator(f"#charge-status-{acme.pk}")).to_contain_text("Finalizada")
    expect(page.locator(f"#charge-issue-date-{acme.pk}")).to_have_text("05/05/2026")
    page.locator("#id_situacao").select_option("pending")
    page.locator("#charges-month-submit").click()
    expect(page.locator("#charges-empty")).to_contain_text("Nenhuma cobrança pendente")
    invoice = Invoice.objects.get()
    assert (invoice.number, str(invoice.total_charged)) == ("FAT-00000001", "1234.56")
    charge = invoice.charge
    assert charge is not None and (charge.result_center, charge.ticket) == ("CR-100", "CHG-1")


# 6. Volume file import ---------------------------------------------------------------------


def _choose_file(page: Page, content: str) -> None:
    page.locator("#id_file").set_input_files(
        {"name": "volumetria.csv", "mimeType": "text/csv", "buffer": content.encode()}
    )


def test_volume_import_lists_every_bad_row_imports_nothing_then_a_good_file(
    page: Page, sign_in: Callable[[User], None], fin: User, acme: Customer
) -> None:
    sign_in(fin)
    page.goto("/consumo/importar/")
    _choose_file(
        page,
        VOLUME_HEADER
        + f"{acme.document},2026-04,Armazenamento,Cloud,GB,0.35,100\n"
        + "123,2026-13,,Cloud,GB,abc,-1\n"
        + f"{acme.document},2026-04,Suporte,Serviços,hora,10,xx\n",
    )
    page.locator("#volume-import-submit").click()

    expect(page.locator("#import-error")).to_contain_text(
        "tem 6 erro(s) nas linhas 3, 4; nada foi importado."
    )
    errors = page.locator("#import-errors")
    expect(errors.locator("caption")).to_have_text("6 erros encontrados")
    cells = errors.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].slice(0, 2).map(c => c.innerText.trim()))"
    )
    assert cells == [
        ["3", "CPF/CNPJ do cliente"],
        ["3", "mês"],
        ["3", "item"],
        ["3", "preço unitário"],
        ["3", "quantidade"],
        ["4", "quantidade"],
    ]
    expect(errors.locator("tbody tr").filter(has_text="Quantidade negativa.")).to_have_count(1)
    expect(page.locator("#import-success")).to_have_count(0)
    assert not Consumption.objects.exists()
    assert not BillingItem.objects.exists()

    _choose_file(
        page,
        VOLUME_HEADER
        + f"{acme.document},2026-04,Armazenamento,Cloud,GB,0.35,100\n"
        + f'{acme.document},2026-04,Suporte,Serviços,hora,"180,00",2\n',
    )
    page.locator("#volume-import-submit").click()
    success = page.locator("#import-success")
    expect(success).to_contain_text("Arquivo volumetria.csv importado.")
    expect(success).to_contain_text("2 lançamentos de consumo criados · 2 itens de cobrança novos.")
    expect(page.locator("#import-errors")).to_have_count(0)
    assert Consumption.objects.filter(customer=acme).count() == 2

    success.get_by_role("link", name="Ver os lançamentos").click()
    rows = page.locator("#consumption-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Suporte")).to_contain_text("Volumetria")


# 7. Usage charts ---------------------------------------------------------------------------


def test_usage_page_draws_the_charts_of_a_finalized_charge(
    page: Page,
    sign_in: Callable[[User], None],
    fin: User,
    acme: Customer,
    storage: BillingItem,
    april_usage: Consumption,
) -> None:
    charge_finalize(
        by=fin,
        customer=acme,
        month=APRIL,
        result_center="CR-100",
        ticket="CHG-1",
        total_charged="1234.56",
    )
    sign_in(fin)
    page.goto("/uso/")
    expect(page.locator("#usage-quantity-chart")).to_have_count(0)
    page.locator("#id_cliente").select_option(str(acme.pk))
    page.get_by_label("Armazenamento (GB)").check()
    page.locator("#usage-submit").click()

    expect(page.locator("#usage-result-title")).to_have_text("ACME Serviços Ltda")
    quantity_svg = page.locator("#usage-quantity-chart svg.main-svg").first
    expect(quantity_svg).to_be_visible()
    expect(page.locator("#usage-quantity-chart .scatterlayer .trace")).to_have_count(1)
    expect(page.locator("#usage-quantity-chart .gtitle")).to_have_text("Quantidade por mês")
    expect(page.locator("#usage-amount-chart svg.main-svg").first).to_be_visible()
    expect(page.locator("#usage-amount-chart .barlayer .trace")).to_have_count(1)
    expect(page.locator("#usage-table tbody tr").locator("td")).to_have_text(
        ["abril/2026", "Armazenamento", "2.469,12 GB", "R$ 1.234,56"], use_inner_text=True
    )


def test_usage_page_without_finalized_charges_has_no_chart(
    page: Page,
    sign_in: Callable[[User], None],
    fin: User,
    acme: Customer,
    storage: BillingItem,
    april_usage: Consumption,
) -> None:
    sign_in(fin)
    page.goto(f"/uso/?cliente={acme.pk}&itens={storage.pk}")
    expect(page.locator("#usage-empty")).to_contain_text("Nenhuma cobrança finalizada")
    expect(page.locator("#usage-quantity-chart")).to_have_count(0)


# 8. The Operação role ----------------------------------------------------------------------


def test_operacao_records_consumption_but_cannot_finalize_or_create_items(
    page: Page,
    sign_in: Callable[[User], None],
    fin: User,
    ops: User,
    acme: Customer,
    storage: BillingItem,
) -> None:
    sign_in(ops)
    page.goto("/consumo/")
    expect(page.locator("#current-role")).to_have_text("Operação")
    page.locator("#id_customer").select_option(str(acme.pk))
    page.locator("#id_billing_item").select_option(str(storage.pk))
    page.locator("#id_quantity").fill("2.469,12")
    page.locator("#consumption-submit").click()
    expect(page.locator("#messages")).to_contain_text("Consumo lançado: ACME Serviços Ltda")
    expect(page.locator("#consumption-table tbody tr")).to_contain_text("2.469,12 GB")

    # Registrar cobrança: the pending charge, but no finalize button nor billing run.
    page.locator("#nav-charges").click()
    expect(page.locator(f"#charge-{acme.pk}")).to_contain_text("R$ 1.234,56")
    expect(page.locator("#finalize-denied")).to_contain_text(
        "Somente o perfil Financeiro finaliza cobranças."
    )
    expect(page.locator(f"#finalize-button-{acme.pk}")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Finalizar"))).to_have_count(0)
    expect(page.locator("#billing-run-form")).to_have_count(0)

    # A crafted POST is refused with the role's message and nothing is finalized.
    answer = post_form(
        page,
        "/cobrancas/finalizar/",
        {
            "customer": str(acme.pk),
            "month": "2026-04",
            "result_center": "CR-100",
            "ticket": "CHG-1",
            "total_charged": "1234,56",
        },
    )
    assert answer.status == 403
    expect(page.locator("#page-error")).to_contain_text(
        "Somente o perfil Financeiro finaliza cobranças."
    )
    assert not Invoice.objects.exists()
    # Opening the finalize form directly is refused too, not only its submit.
    answer = page.goto(f"/cobrancas/finalizar/?cliente={acme.pk}&mes=2026-04")
    assert answer is not None and answer.status == 403
    expect(page.locator("#finalize-form")).to_have_count(0)

    # Itens de cobrança: the list without the create form; a crafted POST is refused.
    page.goto("/itens/")
    expect(page.locator("#items-table")).to_contain_text("Armazenamento")
    expect(page.locator("#item-form")).to_have_count(0)
    expect(page.locator("#item-submit")).to_have_count(0)
    expect(page.locator("#item-create-denied")).to_be_visible()
    answer = post_form(
        page,
        "/itens/",
        {
            "name": "Item pirata",
            "product": "X",
            "unit": "un",
            "unit_price": "1,00",
            "valid_from": "2026-05",
        },
    )
    assert answer.status == 403
    expect(page.locator("#form-error")).to_contain_text(
        "Somente o perfil Financeiro cria ou altera itens de cobrança e preços."
    )
    assert not BillingItem.objects.filter(name="Item pirata").exists()

    # The pending charge is untouched: Financeiro can still finalize it.
    page.goto("/cobrancas/")
    expect(page.locator(f"#charge-status-{acme.pk}")).to_have_text("Cobrar")


# 9. Keyboard only --------------------------------------------------------------------------


def test_login_form_with_the_keyboard_only(page: Page, fin: User) -> None:
    page.goto("/login/")
    expect(page.locator("#id_username")).to_be_focused()  # autofocus
    page.keyboard.type("fin")
    page.keyboard.press("Tab")
    expect(page.locator("#id_password")).to_be_focused()
    page.keyboard.type("secret-pass")
    page.keyboard.press("Tab")
    expect(page.locator("#login-button")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Olá, fin")

    # Again, logged out: Enter in the password field submits as well.
    page.context.clear_cookies()
    page.goto("/login/")
    expect(page.locator("#id_username")).to_be_focused()
    page.keyboard.type("fin")
    page.keyboard.press("Tab")
    page.keyboard.type("secret-pass")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Olá, fin")
