"""Browser test of Previsão: the band chart, grouping by segment, a week's invoices from the
table and from the chart, the prediction panel of an invoice's page, and "Treinar agora"
(Playwright + Debian's chromium). The history: ``tests.forecast.db_history``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client
from playwright.sync_api import Page, expect

from fatura.core import clock
from fatura.core.roles import ROLES
from tests.factories import financeiro
from tests.forecast.db_history import History, build
from tests.receivables.builders import Books
from tests.scenarios import NOW, FrozenClock

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Any) -> Iterator[Any]:
    moving = FrozenClock(NOW)
    monkeypatch.setattr(clock, "now", lambda: moving.now)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DATA_DIR = tmp_path
    yield moving


@pytest.fixture
def fin() -> User:
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    return financeiro()


@pytest.fixture
def history(fin: User, frozen: Any) -> History:
    return build(Books(fin, financeiro("aprovador"), frozen))


def sign_in(page: Page, live_server: Any, user: User) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def test_forecast_board_week_and_invoice_panel(
    page: Page, live_server: Any, fin: User, history: History
) -> None:
    sign_in(page, live_server, fin)
    page.goto("/")
    page.locator("#nav-forecast").click()
    expect(page.get_by_role("heading", name="Previsão de recebimentos")).to_be_visible()
    chart = page.locator("#forecast-figure .js-plotly-plot")
    expect(chart).to_be_visible()
    expect(chart.locator("g.trace.bars")).to_have_count(1)  # the total: one series of bars
    expect(page.locator("#forecast-open")).to_have_text("R$ 9.000,00")

    page.locator("#group-segmento").click()
    expect(page.locator("#group-segmento")).to_have_attribute("aria-current", "true")
    expect(page).to_have_url(f"{live_server.url}/previsao/?grupo=segmento")
    chart = page.locator("#forecast-figure .js-plotly-plot")
    expect(chart.locator("g.trace.bars")).to_have_count(2)  # Varejo and Indústria, stacked
    expect(page.locator("#forecast-table thead")).to_contain_text("Indústria")

    page.locator("#week-link-0").click()  # this week: the three overdue invoices
    week = page.locator("#forecast-week")
    expect(week.locator("#week-title")).to_have_text("Semana de 04/05/2026")
    expect(week.locator("#week-invoices tbody tr")).to_have_count(3)
    late = history.open["Atrasada SA:overdue"].number
    expect(week.locator(f"#week-invoice-{late}")).to_contain_text("10/05/2026")

    # Atrasada pays on 21/06 its invoice due 27/05: week 6 (15/06–21/06), Indústria's bar
    chart.locator("g.trace.bars").nth(1).locator("g.point path").nth(6).click(force=True)
    expect(week.locator("#week-title")).to_have_text("Semana de 15/06/2026 · Segmento: Indústria")
    due = history.open["Atrasada SA:due"].number
    expect(week.locator("#week-invoices tbody tr")).to_have_count(1)
    week.locator(f"#week-invoice-{due} a").click()

    panel = page.locator("#invoice-prediction")
    expect(panel.locator("#prediction-date")).to_have_text("21/06/2026")
    expect(panel.locator("#prediction-range")).to_have_text(
        "entre 21/06/2026 e 21/06/2026 (P10–P90)"
    )
    expect(panel.locator("#prediction-late")).to_have_text("95,5%")
    expect(panel.locator("#prediction-basis")).to_have_text("pelo histórico do cliente")
    expect(panel.locator("#prediction-reasons")).to_contain_text("25 dias de atraso")

    page.goto("/previsao/")
    expect(page.locator("#model-none")).to_be_visible()
    page.locator("#train-button").click()
    expect(page.locator("#train-result")).to_contain_text("Modelo v1 treinado", timeout=60000)
    expect(page.locator("#model-version")).to_have_text("v1")
    expect(page.locator("#forecast-basis")).to_contain_text("6 previsões pelo modelo")
