"""The fiscal JSON API: the NFS-e-after-billing KPI (pinned on the hand-computed month of
tests/fiscal/kpi_builders.py), the expected-lag settings, the lists' query counts and the
OpenAPI document. Service orders: test_api_orders.py; NFS-e and the DPS: test_api_nfse.py."""

from __future__ import annotations

import pytest
from django.test import Client

from fatura.fiscal.models import ExpectedLag
from tests.factories import CustomerFactory
from tests.fiscal.api_helpers import fields, put
from tests.fiscal.kpi_builders import march, nfse, order
from tests.scenarios import frozen_clock

__all__ = ["frozen_clock"]  # autouse: NOW is 2026-05-05 14:30 UTC (11:30 in São Paulo)

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
KPI = "/kpis/nfse-after-billing"
LAGS = "/settings/nfse-expected-lag"


# --- the KPI ------------------------------------------------------------------------------


def test_kpi_pins_the_hand_computed_month_grouped_by_team(fin_api):
    march()
    response = fin_api.get(KPI, {**MARCH, "group_by": "team"})
    assert response.status_code == 200
    # lags: OS-1 2 days, OS-3 12 1/24, OS-2 1 and 4 (docs/nfse-kpi.md); avg 19.0417/4;
    # p90 4 + 0.7 x 8.0417; within 1000/1800; recognized 1500/2350; 1800 vs 100 in February
    assert response.json() == {
        "period": {"from": "2026-03-01", "to": "2026-03-31"},
        "total_value": "1800.00",
        "count": 3,
        "avg_lag_days": 4.76,
        "median_lag_days": 3.0,
        "p90_lag_days": 9.63,
        "within_expected_rate": 0.5556,
        "revenue_recognized_rate": 0.6383,
        "variation_pct": 1700.0,
        "previous_total_value": "100.00",
        "completed_value": "2350.00",
        "issued_before_billing_value": "200.00",
        "groups": [
            {
                "key": "Norte",
                "label": "Norte",
                "total_value": "1000.00",
                "count": 1,
                "avg_lag_days": 2.0,
                "median_lag_days": 2.0,
                "p90_lag_days": 2.0,
                "within_expected_rate": 1.0,
                "delay_kind": None,
            },
            {  # lags 12.0417, 1 and 4: mean 5.6806, p90 4 + 0.8 x 8.0417
                "key": "Sul",
                "label": "Sul",
                "total_value": "800.00",
                "count": 3,
                "avg_lag_days": 5.68,
                "median_lag_days": 4.0,
                "p90_lag_days": 10.43,
                "within_expected_rate": 0.0,
                "delay_kind": None,
            },
        ],
        "late_by_delay_kind": [  # no order has a delay reason: every late share is "none"
            {"kind": "internal", "value": "0.00", "count": 0, "avg_lag_days": None},
            {"kind": "customer", "value": "0.00", "count": 0, "avg_lag_days": None},
            {"kind": "none", "value": "800.00", "count": 3, "avg_lag_days": 5.68},
        ],
    }


def test_kpi_groups_by_customer_with_the_name_as_label_and_filters(ops_api):
    month = march()
    by_customer = ops_api.get(KPI, {**MARCH, "group_by": "customer"}).json()["groups"]
    assert [(g["key"], g["label"], g["total_value"], g["count"]) for g in by_customer] == [
        (month.a.document, "Alfa Serviços", "1800.00", 3)
    ]
    both = f"{month.a.pk},{month.b.pk}"
    assert ops_api.get(KPI, {**MARCH, "customer_id": both}).json()["total_value"] == "1800.00"
    repeated = ops_api.get(KPI, {**MARCH, "customer_id": [month.b.pk, month.b.pk]}).json()
    assert (repeated["total_value"], repeated["count"], repeated["variation_pct"]) == (
        "0.00",
        0,
        -100.0,
    )
    assert repeated["avg_lag_days"] is None and repeated["within_expected_rate"] is None
    sul = ops_api.get(KPI, {**MARCH, "team": "Sul"}).json()
    assert (sul["total_value"], sul["previous_total_value"], sul["revenue_recognized_rate"]) == (
        "800.00",
        "100.00",
        1.0,
    )
    kinds = ops_api.get(KPI, {**MARCH, "service_type": ["Manutenção", "Nada"]}).json()
    assert (kinds["total_value"], kinds["revenue_recognized_rate"]) == ("1300.00", 0.6061)
    months = ops_api.get(KPI, {**MARCH, "month": "2026-03,2026-01", "group_by": "month"}).json()
    assert (months["total_value"], months["previous_total_value"]) == ("1800.00", "0.00")
    assert [g["key"] for g in months["groups"]] == ["2026-03"]


def test_kpi_period_defaults_to_the_current_month_to_date(fin_api):
    customer = CustomerFactory()
    done = order("OS-1", customer, "Suporte", "Norte", "70.00", "2026-05-01 08:00", None)
    done.billed_at, done.status = done.completed_at, "billed"
    done.save()
    nfse("N-1", "2026-05-04 08:00", {done: "70.00"})
    body = fin_api.get(KPI).json()
    assert body["period"] == {"from": "2026-05-01", "to": "2026-05-05"}
    assert (body["total_value"], body["avg_lag_days"]) == ("70.00", 3.0)
    only_to = fin_api.get(KPI, {"to": "2026-04-10"}).json()
    assert only_to["period"] == {"from": "2026-04-01", "to": "2026-04-10"}
    assert only_to["groups"] == []


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        ({"from": "2026-3-01"}, "from", "AAAA-MM-DD"),
        ({"from": "2026-03-01", "to": "31/03/2026"}, "to", "AAAA-MM-DD"),
        ({"from": "2026-04-01", "to": "2026-03-31"}, "to", "posterior a from"),
        ({"from": "2026-06-01"}, "from", "informe to"),
        ({"from": "0001-01-01", "to": "2026-01-01"}, "from", "1900-01-01"),
        ({"from": "2016-01-01", "to": "2026-01-09"}, "to", "3660 dias"),
        ({"group_by": "region"}, "group_by", "customer, service_type, team, month"),
        ({"customer_id": "1,x"}, "customer_id", "'x'"),
        ({"customer_id": "999999"}, "customer_id", "999999"),
        ({"month": "2026-13"}, "month", "AAAA-MM"),
    ],
)
def test_kpi_refuses_bad_parameters_naming_them(fin_api, params, field, says):
    response = fin_api.get(KPI, params)
    assert response.status_code == 422
    assert fields(response) == [field]
    assert says in response.json()["errors"][0]["message"]


def test_kpi_needs_a_token(db):
    assert Client().get(f"/api/v1{KPI}").status_code == 401


# --- expected-lag settings ----------------------------------------------------------------


def test_expected_lag_put_list_and_delete(fin_api, ops_api):
    month = march()  # global 5, Manutenção 10, Alfa+Instalação 0.5
    assert fin_api.get(KPI, MARCH).json()["within_expected_rate"] == 0.5556
    stored = put(fin_api, LAGS, {"days": "2,5", "service_type": "Instalação"})
    assert stored.status_code == 200
    body = stored.json()
    assert body == {
        "id": body["id"],
        "scope": "service_type",
        "service_type": "Instalação",
        "customer_id": None,
        "customer_name": None,
        "days": 2.5,
        "updated_at": body["updated_at"],
    }
    # the same scope again replaces the setting; OS-3 (Alfa, Manutenção) now within 13 days
    again = put(fin_api, LAGS, {"days": 13, "customer_id": month.a.pk, "service_type": ""})
    assert (again.json()["scope"], again.json()["customer_name"]) == ("customer", "Alfa Serviços")
    replaced = put(fin_api, LAGS, {"days": "12.5", "customer_id": month.a.pk})
    assert (replaced.json()["id"], replaced.json()["days"]) == (again.json()["id"], 12.5)
    listed = ops_api.get(LAGS).json()
    assert [(s["scope"], s["service_type"], s["days"]) for s in listed] == [
        ("global", "", 5.0),
        ("service_type", "Instalação", 2.5),
        ("service_type", "Manutenção", 10.0),
        ("customer", "", 12.5),
        ("customer_service_type", "Instalação", 0.5),
    ]
    # Alfa's own 12.5 days beat Manutenção's 10: OS-1 (2) and OS-3 (12.04) within, 1300/1800
    assert fin_api.get(KPI, MARCH).json()["within_expected_rate"] == 0.7222
    assert fin_api.delete(f"{LAGS}/{replaced.json()['id']}").status_code == 204
    assert fin_api.get(KPI, MARCH).json()["within_expected_rate"] == 0.5556
    assert fin_api.delete(f"{LAGS}/{replaced.json()['id']}").status_code == 404


def test_expected_lag_errors_and_roles(fin_api, ops_api):
    bad = put(fin_api, LAGS, {"days": "-1"})
    assert (bad.status_code, fields(bad)) == (422, ["days"])
    assert put(fin_api, LAGS, {"days": "abc"}).status_code == 422
    assert put(fin_api, LAGS, {"days": 1, "customer_id": 999999}).status_code == 404
    refused = put(ops_api, LAGS, {"days": 1, "customer_id": 999999})
    assert refused.status_code == 403
    assert "Somente o perfil Financeiro" in refused.json()["detail"]
    lag = put(fin_api, LAGS, {"days": 1}).json()
    assert ops_api.delete(f"{LAGS}/{lag['id']}").status_code == 403
    assert ExpectedLag.objects.count() == 1


# --- query counts and the OpenAPI document ------------------------------------------------


def _many_nfse(size: int) -> None:
    customer = CustomerFactory()
    for n in range(size):
        done = order(f"OS-{n}", customer, "Suporte", "Sul", "10.00", "2026-04-01 10:00", None)
        nfse(f"N-{n}", "2026-04-03 10:00", {done: "10.00"})


# 2 for the token and its user's roles, 1 count, 1 page, 1 prefetch of the coverages
@pytest.mark.parametrize("size", [1, 8])
@pytest.mark.parametrize(("path", "queries"), [("/service-orders", 5), ("/nfse", 5)])
def test_list_query_counts_are_pinned(fin_api, django_assert_max_num_queries, size, path, queries):
    _many_nfse(size)
    with django_assert_max_num_queries(queries):
        response = fin_api.get(path)
    assert len(response.json()) == size


def test_openapi_lists_the_fiscal_paths_and_documents_the_units(db):
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/service-orders": {"get", "post"},
        "/api/v1/service-orders/import": {"post"},
        "/api/v1/service-orders/{number}": {"get"},
        "/api/v1/service-orders/{number}/complete": {"post"},
        "/api/v1/service-orders/{number}/bill": {"post"},
        "/api/v1/service-orders/{number}/cancel": {"post"},
        "/api/v1/nfse": {"get"},
        "/api/v1/nfse/import": {"post"},
        "/api/v1/nfse/backlog": {"get"},
        "/api/v1/nfse/{number}": {"get"},
        "/api/v1/nfse/{number}/dps.xml": {"get"},
        "/api/v1/settings/nfse-expected-lag": {"get", "put"},
        "/api/v1/settings/nfse-expected-lag/{lag_id}": {"delete"},
        "/api/v1/kpis/nfse-after-billing": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods == set(paths[path]), path
    answers = paths["/api/v1/service-orders/import"]["post"]["responses"]
    assert {status for status in answers if status.startswith("2")} == {"201"}
    assert {"400", "413", "422"} <= set(answers)  # core.openapi: the error answers
    dps = paths["/api/v1/nfse/{number}/dps.xml"]["get"]
    assert "application/xml" in dps["responses"]["200"]["content"]
    assert "Fatura invoice number" in dps["description"]
    kpi = paths["/api/v1/kpis/nfse-after-billing"]["get"]
    names = [p["name"] for p in kpi["parameters"]]
    assert names == ["from", "to", "group_by", "customer_id", "service_type", "team", "month"]
    out = schema["components"]["schemas"]["NfseKpiOut"]["properties"]
    assert "2 casas" in out["avg_lag_days"]["description"]
    assert "4 casas" in out["within_expected_rate"]["description"]
    assert set(out) >= {"period", "previous_total_value", "completed_value", "groups"}
    assert '"947.63"' in schema["info"]["description"]
