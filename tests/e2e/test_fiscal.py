"""Browser tests of the fiscal pages on the hand-computed month (tests/fiscal/kpi_builders.py):
the dashboard with its charts, a team filter, an NFS-e import with a bad row then a good one,
and a report's CSV download (Playwright + Debian's chromium)."""

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
from fatura.fiscal.models import Nfse
from tests.factories import financeiro
from tests.fiscal.kpi_builders import SP, March, march

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NOW = dt.datetime(2026, 3, 31, 23, 0, tzinfo=SP)  # the dashboard opens on March 2026
NFSE_HEADER = "number,issued_at,value,customer_document,service_order_numbers,status\n"


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(clock, "now", lambda: NOW)
    yield


@pytest.fixture(autouse=True)
def roles() -> None:
    for name in ROLES:
        Group.objects.get_or_create(name=name)


@pytest.fixture
def fin(roles: None) -> User:
    return financeiro()


@pytest.fixture
def month(roles: None) -> March:
    return march()


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


def test_dashboard_draws_its_charts_and_a_team_filter_changes_the_total(
    page: Page, sign_in: Any, fin: User, month: March
) -> None:
    sign_in(fin)
    page.goto("/")
    page.locator("#nav-fiscal").click()
    expect(page).to_have_url("/fiscal/")  # type: ignore[arg-type]
    expect(page.locator("#kpi-total-value")).to_have_text("R$ 1.800,00")
    expect(page.locator("#kpi-avg-value")).to_have_text("4,8 dias")
    for chart in ("accumulated", "months", "lags"):
        expect(page.locator(f"#chart-{chart} .main-svg").first).to_be_visible()
    # the chart keeps the card's width (drawn before the next card was parsed)
    width = page.locator("#chart-months").evaluate("e => e._fullLayout.width")
    assert width <= page.locator("#figure-months").evaluate("e => e.clientWidth")
    # Equipe → Sul, with the keyboard
    page.locator("#filter-equipe summary").focus()
    page.keyboard.press("Enter")
    sul = page.get_by_role("checkbox", name="Sul")
    expect(sul).to_be_visible()
    sul.check()
    page.locator("#fiscal-apply").click()
    expect(page.locator("#kpi-total-value")).to_have_text("R$ 800,00")
    expect(page.locator("#filter-equipe summary")).to_have_text("Sul")
    assert "equipe=Sul" in page.url
    expect(page.locator("#table-por-equipe")).not_to_contain_text("Norte")


def test_nfse_import_bad_row_then_good_file(
    page: Page, sign_in: Any, fin: User, month: March
) -> None:
    sign_in(fin)
    page.goto("/fiscal/nfse/")
    document = month.a.document
    bad = NFSE_HEADER + f"7001,30/03/2026 10:00,400.00,{document},OS-5,emitida\n"
    bad += f"7002,30/03/2026 11:00,abc,{document},OS-7,emitida\n"
    page.locator("#nfse-import-form-file").set_input_files(
        {"name": "nfse.csv", "mimeType": "text/csv", "buffer": bad.encode()}
    )
    page.locator("#nfse-import-form-submit").click()
    errors = page.locator("#import-errors")
    expect(errors).to_be_visible()
    row = errors.locator("tbody tr").first
    expect(row.locator("td").nth(1)).to_have_text("3")
    expect(row.locator("td").nth(2)).to_have_text("valor")
    expect(row.locator("td").nth(3)).to_contain_text("Valor inválido 'abc'")
    expect(page.locator("#import-error")).to_contain_text("nada foi importado")
    assert not Nfse.objects.filter(number__in=["7001", "7002"]).exists()

    good = NFSE_HEADER + f"7001,30/03/2026 10:00,400.00,{document},OS-5,emitida\n"
    page.locator("#nfse-import-form-file").set_input_files(
        {"name": "nfse.csv", "mimeType": "text/csv", "buffer": good.encode()}
    )
    page.locator("#nfse-import-form-submit").click()
    expect(page.locator("#import-success")).to_contain_text("1 NFS-e nova")
    page.locator("#import-reload").click()
    expect(page.locator("#nfse-row-7001")).to_contain_text("OS-5")
    page.goto("/fiscal/")
    expect(page.locator("#kpi-total-value")).to_have_text("R$ 2.200,00")  # + OS-5's 400


def test_post_service_csv_download(page: Page, sign_in: Any, fin: User, month: March) -> None:
    sign_in(fin)
    page.goto("/fiscal/pos-servico/?equipe=Sul")
    expect(page.locator("#nfse-N-2")).to_be_visible()
    with page.expect_download() as info:
        page.locator("#export-csv").click()
    download = info.value
    assert download.suggested_filename == "faturamento-pos-servico-2026-03-01-a-2026-03-31.csv"
    with open(download.path(), "rb") as file:
        content = file.read().decode("utf-8-sig")
    lines = [line for line in content.split("\r\n") if line]
    assert lines[0].startswith("NFS-e;Emissão;Cliente")
    assert [line.split(";")[4] for line in lines[1:]] == ["OS-3", "OS-2", "OS-2"]
