"""Previsão pages on a small history (``tests.forecast.db_history``; today is 05/05/2026): the
board with its band chart and table, grouping, a week's invoices, the model card and training,
the CSV files, and the prediction panel of an invoice's page.

Without a trained model every open invoice follows its customer's habit, which the history
makes exact: Pontual pays 2 days early, Variável 5 days late, Atrasada 25 days late. The three
invoices due 15/04/2026 are expected this week (04/05–10/05); those due 27/05/2026 on 25/05,
01/06 and 21/06."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from fatura.forecast.backtest_store import StoredBacktest, backtest_save
from fatura.forecast.models import ForecastModel
from fatura.web.views.forecast.backtest import backtest_view
from tests.forecast.db_history import History, build
from tests.receivables.builders import Books
from tests.scenarios import frozen_clock
from tests.web.conftest import text

__all__ = ["frozen_clock"]

HTMX = {"HX-Request": "true"}


@pytest.fixture
def books(fin_user: Any, frozen_clock: Any, settings: Any, tmp_path: Any) -> Books:
    from tests.factories import financeiro

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DATA_DIR = tmp_path
    return Books(fin_user, financeiro("aprovador"), frozen_clock)


@pytest.fixture
def history(books: Books) -> History:
    return build(books)


def section(page: str, ident: str) -> str:
    start = page.index(f'id="{ident}"')
    return page[start : start + 20000]


def test_the_board(history: History, fin_client: Client) -> None:
    page = text(fin_client.get("/previsao/"))
    assert 'id="nav-forecast" href="/previsao/" aria-current="page"' in page
    assert 'id="forecast-chart-' in page and "/assets/plotly.min.js" in page
    assert 'id="forecast-open">R$ 9.000,00<' in page
    assert "6 previsões pelo histórico do cliente" in page
    table = section(page, "forecast-table")
    assert table.count('id="week-row-') == 12 + 2  # 12 weeks, later, predicted loss
    assert 'id="week-link-0">04/05/2026<' in table and 'id="week-link-11">20/07/2026<' in table
    first = section(table, "week-row-0")
    assert first.index("R$ 4.4") < first.index("week-row-1")  # ~3 × 1.500 less the tiny risk
    assert 'hx-get="/previsao/semana/0/?grupo=total" hx-target="#forecast-week"' in table
    assert 'id="model-none"' in page and 'id="train-button"' in page
    assert 'id="backtest-empty"' in page and "fatura forecast backtest" in page
    assert 'href="/previsao/exportar.csv?grupo=total"' in page
    assert 'href="/previsao/previsoes.csv"' in page


def test_group_switch_answers_the_board_only(history: History, fin_client: Client) -> None:
    headers = {**HTMX, "HX-Target": "forecast-board"}
    board = text(fin_client.get("/previsao/", {"grupo": "segmento"}, headers=headers))
    assert "<html" not in board and 'id="forecast-board-inner"' in board
    assert 'id="group-segmento" href="/previsao/?grupo=segmento"' in board
    assert 'aria-current="true">Segmento<' in board
    head = section(board, "forecast-table")
    assert head.index(">Varejo<") < head.index(">Indústria<")  # R$ 6.000 before R$ 3.000
    assert "chave=Ind%C3%BAstria" in head
    units = text(fin_client.get("/previsao/", {"grupo": "unidade"}, headers=headers))
    assert ">Cloud<" in units and ">Suporte<" in units
    unknown = text(fin_client.get("/previsao/", {"grupo": "cliente"}, headers=headers))
    assert 'aria-current="true">Total<' in unknown


def test_a_week_lists_its_invoices(history: History, fin_client: Client) -> None:
    overdue = [history.open[f"{n}:overdue"].number for n in ("Pontual Ltda", "Atrasada SA")]
    week = text(fin_client.get("/previsao/semana/0/", {"grupo": "total"}, headers=HTMX))
    assert "<html" not in week and "Semana de 04/05/2026" in week
    assert "3 faturas com chance de ser pagas" in week
    for number in overdue:
        assert f'href="/faturas/{number}/"' in week
    assert "100%" in week or "99%" in week
    assert "Sem modelo treinado: pelo histórico do cliente" in week
    assert "10/05/2026" in week  # Atrasada: 15/04 + 25 days
    one = text(fin_client.get("/previsao/semana/0/", {"grupo": "segmento", "chave": "Indústria"}))
    assert "<html" in one and "Segmento: Indústria" in one  # without htmx: a page
    assert "1 fatura com chance de ser paga" in one and overdue[1] in one
    assert overdue[0] not in one
    later = text(fin_client.get("/previsao/semana/12/", headers=HTMX))
    assert "Depois das 12 semanas" in later and 'id="week-empty"' in later


def test_training_from_the_card(history: History, fin_client: Client) -> None:
    answer = fin_client.post("/previsao/treinar/", headers=HTMX)
    assert answer.status_code == 200
    assert answer["HX-Trigger"] == "forecast-trained"
    card = text(answer)
    assert card.startswith('<section class="card" id="model-card"')
    assert 'id="model-version">v1<' in card and 'id="train-result"' in card
    assert "Janela de treino" in card and "06/10/2025" in card
    assert "Erro médio da data (P50)" in card
    page = text(fin_client.get("/previsao/"))
    assert "6 previsões pelo modelo" in page and 'id="model-version">v1<' in page


def test_training_with_thin_history_keeps_the_card(books: Books, fin_client: Client) -> None:
    books.sent(books.customer())
    answer = fin_client.post("/previsao/treinar/", headers=HTMX)
    assert answer.status_code == 409
    card = text(answer)
    assert 'id="train-error"' in card and "Histórico insuficiente" in card
    assert 'id="model-none"' in card
    plain = fin_client.post("/previsao/treinar/")  # without htmx: back to the page
    assert plain.status_code == 302 and plain["Location"] == "/previsao/"


def test_operacao_reads_but_does_not_train(history: History, ops_client: Client) -> None:
    page = text(ops_client.get("/previsao/"))
    assert 'id="forecast-chart-' in page and 'id="train-button"' not in page
    assert ops_client.post("/previsao/treinar/").status_code == 403
    assert ForecastModel.objects.count() == 0


def test_csv_files(history: History, fin_client: Client) -> None:
    response = fin_client.get("/previsao/exportar.csv", {"grupo": "segmento"})
    assert 'filename="previsao-caixa-segmento-2026-05-05.csv"' in response["Content-Disposition"]
    lines = text(response).lstrip("\ufeff").splitlines()
    assert lines[0] == (
        "Segmento;Semana (segunda-feira);Esperado (R$);P10 (R$);P50 (R$);P90 (R$);"
        "Faturas com data prevista na semana"
    )
    assert lines[1].startswith("Total;04/05/2026;4.4") is False  # decimal comma, no dots
    assert lines[1].startswith("Total;04/05/2026;44")
    assert len(lines) == 1 + 3 * 14  # total, Varejo, Indústria: 12 weeks + later + lost
    assert lines[15].startswith("Varejo;04/05/2026;")
    assert lines[13].startswith("Total;depois;") and lines[14].startswith("Total;não esperado")

    predictions = text(fin_client.get("/previsao/previsoes.csv")).lstrip("\ufeff").splitlines()
    assert predictions[0].startswith("Fatura;Cliente;Segmento;Unidade de negócio;Vencimento;")
    assert len(predictions) == 1 + 6
    atrasada = next(row for row in predictions if "Atrasada SA" in row and "27/05/2026" in row)
    cells = atrasada.split(";")
    assert cells[4:9] == ["27/05/2026", "1500,00", "21/06/2026", "21/06/2026", "21/06/2026"]
    assert cells[11] == "pelo histórico do cliente"
    assert "Sem modelo treinado" in cells[13]


def test_the_invoice_page_loads_its_prediction_panel(history: History, fin_client: Client) -> None:
    due = history.open["Atrasada SA:due"]
    page = text(fin_client.get(f"/faturas/{due.number}/"))
    loader = section(page, "invoice-prediction")
    assert f'hx-get="/previsao/fatura/{due.number}/" hx-trigger="load"' in loader
    panel = text(fin_client.get(f"/previsao/fatura/{due.number}/", headers=HTMX))
    assert 'id="prediction-date">21/06/2026<' in panel
    assert "entre 21/06/2026 e 21/06/2026 (P10–P90)" in panel
    assert 'id="prediction-late">95,5%<' in panel  # (20 late + 1) / (20 + 2)
    assert 'id="prediction-basis">pelo histórico do cliente<' in panel
    assert 'id="prediction-model"' not in panel
    assert "pagou suas 20 faturas anteriores com 25 dias de atraso" in panel
    assert history.paid is not None
    closed = text(fin_client.get(f"/faturas/{history.paid.number}/"))
    assert 'id="invoice-prediction"' not in closed
    empty = fin_client.get(f"/previsao/fatura/{history.paid.number}/", headers=HTMX)
    assert empty.status_code == 200 and text(empty).strip() == ""
    assert fin_client.get("/previsao/fatura/FAT-99999999/").status_code == 404


def test_the_latest_backtest(db: Any, fin_client: Client, settings: Any, tmp_path: Any) -> None:
    """As ``fatura forecast backtest`` keeps it (``backtest_store``, under DATA_DIR)."""
    settings.DATA_DIR = tmp_path

    fold = {
        "cutoff": "2026-03-01",
        "open_invoices": 410,
        "paid": 380,
        "model_trained": True,
        "mae_days": {"model": 5.25, "due_date": 9.5, "customer_history": 7.0},
        "wape": {"model": 0.21, "due_date": 0.35, "customer_history": 0.3},
        "band_coverage": 0.79,
    }
    stored = {
        "end": "2026-05-01",
        "horizon_weeks": 12,
        "folds": [fold, {**fold, "cutoff": "2026-04-01", "model_trained": False}],
        "mean": {
            "mae_days": {"model": 5.25, "due_date": 9.5, "customer_history": 7.0},
            "wape": {"model": 0.21, "due_date": 0.35, "customer_history": 0.3},
            "brier": {"model": 0.12, "base_rate": 0.24, "customer_history": 0.18},
            "auc": {"model": 0.81, "base_rate": 0.5, "customer_history": 0.7},
            "band_coverage": {"model": 0.79},
        },
        "beats_baselines": {"mae_days": True, "wape": True},
    }
    ran = dt.datetime(2026, 5, 2, 9, 15, tzinfo=dt.UTC)
    backtest_save({**stored, "created_at": ran.isoformat(), "invoices": 3200})
    card = section(text(fin_client.get("/previsao/")), "backtest-card")
    assert 'id="backtest-empty"' not in card
    assert "2 cortes até 01/05/2026" in card and "nas 12 semanas seguintes" in card
    assert "Rodado em 02/05/2026 06:15 sobre 3.200 faturas." in card
    table = section(card, "backtest-table")
    assert '<strong>5,2</strong></td><td class="num">9,5</td><td class="num">7,0' in table
    assert "<strong>21,0%</strong>" in table  # WAPE, lower is better
    assert "<strong>0,810</strong>" in table  # AUC, higher is better
    assert '79,0%</td><td class="num">—</td><td class="num">—' in table
    assert "melhor que as regras simples" in card
    assert '01/04/2026 <span class="badge badge-neutral">sem modelo</span>' in card
    assert "5,2 / 9,5 / 7,0" in card
    assert backtest_view(None) is None
    assert backtest_view(StoredBacktest({"folds": []}, ran)) is None
