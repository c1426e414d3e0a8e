from __future__ import annotations

import datetime as dt

import pytest

from fatura.core import clock
from tests.web.conftest import text


@pytest.fixture
def in_april(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 4, 20))


def test_home_dashboard_sums_the_current_month(fin_client, billing_data, invoice, in_april):
    page = text(fin_client.get("/"))
    # Beta's R$ 33,33 is the only pending charge left in April (ACME is finalized).
    assert "Mês atual · abril/2026" in page
    assert 'id="current-total-due">R$ 33,33<' in page
    assert "1 cobrança pendente" in page
    assert "A faturar · março/2026" in page
    assert invoice.number in page
    assert "R$ 2.250,00" in page
    assert 'href="/cobrancas/?mes=2026-03"' in page


def test_home_empty_state(fin_client, in_april):
    page = text(fin_client.get("/"))
    assert "Nenhuma fatura emitida ainda." in page
    assert "R$ 0,00" in page
    assert "Cadastrar cliente" in page


def test_home_for_operacao_hides_customer_shortcut(ops_client, in_april):
    page = text(ops_client.get("/"))
    assert "Cadastrar cliente" not in page
    assert "Lançar consumo" in page


def test_home_query_count(
    fin_client, billing_data, invoice, in_april, django_assert_max_num_queries
):
    # session, user, roles, 2 x pending charges (4 each, empty months stop after 1), invoices
    with django_assert_max_num_queries(10):
        assert fin_client.get("/").status_code == 200
