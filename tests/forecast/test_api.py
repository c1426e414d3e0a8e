"""The forecast API on a small history in the database: training, one invoice's prediction,
the cash-flow forecast, the model versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from fatura.forecast.models import ForecastModel
from tests.conftest import ApiClient
from tests.forecast.db_history import History


def money(text: str) -> Decimal:
    assert isinstance(text, str) and len(text.split(".")[1]) == 2, text
    return Decimal(text)


def test_train_predict_and_list_models(history: History, fin_api: ApiClient) -> None:
    answer = fin_api.post("/forecast/train")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["model_version"] == 1 and body["active"] is True
    assert body["trained_by"] == "fin"
    assert body["cutoff"] == "2026-05-05"
    # the first snapshot: the first invoices, sent on 06/10/2025; the last: before the cut-off
    assert body["window"]["start"] == "2025-10-06"
    assert body["window"]["end"] <= "2026-05-05"
    # 60 paid, the written-off one, and 3 still open but past due (rows for lateness only)
    assert body["rows"] >= 200 and body["invoices"] == 64
    assert {"mae_days", "band_coverage", "holdout_rows"} <= set(body["metrics"])

    due = history.open["Atrasada SA:due"]  # due 27/05/2026; this customer pays 25 days late
    prediction = fin_api.get(f"/invoices/{due.number}/prediction")
    assert prediction.status_code == 200, prediction.content
    p = prediction.json()
    assert p["model_version"] == 1 and p["basis"] == "model"
    assert p["due_date"] == "2026-05-27"
    assert money(p["open_amount"]) == Decimal("1500.00")
    assert p["p10_date"] <= p["expected_payment_date"] <= p["p90_date"]
    assert p["expected_payment_date"] > "2026-06-05"  # learned: well after the due date
    assert p["late_probability"] > 0.5
    assert p["late_probability"] == round(p["late_probability"], 4)
    assert 0 <= p["write_off_probability"] <= 1
    assert p["reasons"] and all(isinstance(r, str) for r in p["reasons"])

    models = fin_api.get("/forecast/models").json()
    assert models["active_version"] == 1
    assert [m["model_version"] for m in models["models"]] == [1]

    again = fin_api.post("/forecast/train").json()
    assert again["model_version"] == 2
    models = fin_api.get("/forecast/models").json()
    assert models["active_version"] == 2
    assert [(m["model_version"], m["active"]) for m in models["models"]] == [
        (2, True),
        (1, False),
    ]


def test_train_is_for_financeiro(history: History, ops_api: ApiClient) -> None:
    answer = ops_api.post("/forecast/train")
    assert answer.status_code == 403
    assert ForecastModel.objects.count() == 0


def test_train_with_thin_history_is_409(books: Any, fin_api: ApiClient) -> None:
    books.sent(books.customer())
    answer = fin_api.post("/forecast/train")
    assert answer.status_code == 409
    assert "Histórico insuficiente" in answer.json()["detail"]
    assert ForecastModel.objects.count() == 0


def test_prediction_without_a_model_says_its_basis(history: History, ops_api: ApiClient) -> None:
    """No model trained: the customer's own history (20 invoices paid 25 days late: P50 = due
    date + 25), or the due date for a customer without history."""
    due = history.open["Atrasada SA:due"]
    p = ops_api.get(f"/invoices/{due.number}/prediction").json()
    assert p["basis"] == "customer_history" and p["model_version"] is None
    assert p["expected_payment_date"] == "2026-06-21"  # 27/05 + 25 days
    assert p["late_probability"] == round(21 / 22, 4)  # (20 late + 1) / (20 + 2)
    assert "histórico do cliente" in p["reasons"][0]


def test_prediction_of_a_customer_without_history(books: Any, ops_api: ApiClient) -> None:
    invoice = books.sent(books.customer(), amount="800.00")  # issued 05/05/2026, NET30
    p = ops_api.get(f"/invoices/{invoice.number}/prediction").json()
    assert p["basis"] == "due_date" and p["due_date"] == "2026-06-04"
    assert (p["p10_date"], p["expected_payment_date"]) == ("2026-06-04", "2026-06-04")
    assert p["p90_date"] == "2026-07-04"  # the due date + 30 days
    assert p["reasons"] == [
        "Sem histórico suficiente do cliente: previsão pela data de vencimento."
    ]


def test_prediction_of_unknown_and_closed_invoices(history: History, fin_api: ApiClient) -> None:
    assert fin_api.get("/invoices/FAT-99999999/prediction").status_code == 404
    assert history.paid is not None and history.written_off is not None
    for invoice in (history.paid, history.written_off, history.draft):
        assert invoice is not None
        answer = fin_api.get(f"/invoices/{invoice.number}/prediction")
        assert answer.status_code == 409, invoice.number
        assert "não está em aberto" in answer.json()["detail"]


def test_cash_flow_total_and_groups(history: History, fin_api: ApiClient) -> None:
    """Six open invoices of R$ 1.500,00: three overdue (expected this week or soon), three
    due on 27/05/2026; no model, so each follows its customer's habit."""
    body = fin_api.get("/forecast/cash-flow", {"weeks": 12}).json()
    assert body["as_of"] == "2026-05-05" and body["weeks"] == 12 and body["group_by"] is None
    assert body["basis"] == {"customer_history": 6}
    assert body["model_version"] is None and body["groups"] == []
    total = body["total"]
    assert money(total["open_amount"]) == Decimal("9000.00") and total["invoices"] == 6
    assert [w["week_start"] for w in total["weeks"]][:2] == ["2026-05-04", "2026-05-11"]
    expected = sum(money(w["expected"]) for w in total["weeks"])
    rest = money(total["later"]["expected"]) + money(total["not_expected"]["expected"])
    assert abs(expected + rest - Decimal("9000.00")) <= Decimal("0.14")
    for w in total["weeks"]:
        assert money(w["p10"]) <= money(w["p50"]) <= money(w["p90"])

    grouped = fin_api.get("/forecast/cash-flow", {"group_by": "segment"}).json()
    assert grouped["total"] == total  # the same draws, grouped or not
    assert [(g["key"], money(g["open_amount"])) for g in grouped["groups"]] == [
        ("Varejo", Decimal("6000.00")),
        ("Indústria", Decimal("3000.00")),
    ]
    units = fin_api.get("/forecast/cash-flow", {"group_by": "business_unit"}).json()
    assert sorted(g["key"] for g in units["groups"]) == ["Cloud", "Suporte"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"weeks": 0}, "weeks"), ({"weeks": 53}, "weeks"), ({"group_by": "customer"}, "group_by")],
)
def test_cash_flow_bad_parameters_are_422(
    db: Any, fin_api: ApiClient, params: dict[str, Any], field: str
) -> None:
    answer = fin_api.get("/forecast/cash-flow", params)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == field


def test_cash_flow_empty(db: Any, fin_api: ApiClient) -> None:
    body = fin_api.get("/forecast/cash-flow", {"weeks": 1}).json()
    assert body["total"]["open_amount"] == "0.00"
    assert len(body["total"]["weeks"]) == 1
    assert body["total"]["weeks"][0]["expected"] == "0.00"


def test_models_empty(db: Any, ops_api: ApiClient) -> None:
    assert ops_api.get("/forecast/models").json() == {"active_version": None, "models": []}


def test_as_of_is_today(history: History, fin_api: ApiClient) -> None:
    day = dt.date.fromisoformat(fin_api.get("/forecast/cash-flow").json()["as_of"])
    assert day == dt.date(2026, 5, 5)


def test_openapi_lists_the_forecast_paths(db: Any, client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/forecast/train"]
    for path in (
        "/api/v1/forecast/models",
        "/api/v1/forecast/cash-flow",
        "/api/v1/invoices/{number}/prediction",
    ):
        assert "get" in paths[path], path
