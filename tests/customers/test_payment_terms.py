"""Payment terms as data: the migration's terms, the services (checks, events) and the API
``GET|POST /payment-terms``, ``GET|PATCH /payment-terms/{code}`` with every 4xx."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from fatura.core.errors import InvalidInput, RuleViolation
from fatura.customers import terms
from fatura.customers.models import PaymentTerm
from fatura.eventlog.models import Event

THIRDS = [
    {"days": 30, "percent": "33.3333"},
    {"days": 60, "percent": "33.3333"},
    {"days": 90, "percent": "33.3334"},
]


def errors_of(response):
    return {(e.get("line"), e["field"]) for e in response.json()["errors"]}


def test_the_migration_creates_the_four_terms_and_thirds(db):
    found = {t.code: t for t in PaymentTerm.objects.all()}
    assert {"NET30", "NET60", "DUE_ON_RECEIPT", "2_10_NET30", "30/60/90"} <= set(found)
    assert found["NET30"].label == "Líquido 30"
    assert found["DUE_ON_RECEIPT"].rule.net_days == 0
    assert found["2_10_NET30"].rule.has_discount
    assert found["2_10_NET30"].discount_percent == Decimal("2")
    assert found["2_10_NET30"].discount_days == 10
    thirds = found["30/60/90"].rule
    assert [i.days for i in thirds.installments] == [30, 60, 90]
    assert sum(i.percent for i in thirds.installments) == 100


def test_create_and_change_with_events(fin_user):
    term = terms.payment_term_create(
        by=fin_user, code="net45", label="Líquido 45", installments=[{"days": 45, "percent": 100}]
    )
    assert term.code == "NET45"
    assert term.installments == [{"days": 45, "percent": "100.00"}]
    changed = terms.payment_term_update(
        by=fin_user, code="NET45", installments=THIRDS, discount_percent="1.5", discount_days=5
    )
    assert changed.rule.amounts(Decimal("100.00")) == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]
    assert list(
        Event.objects.filter(case_id="payment-term:NET45").values_list("activity", flat=True)
    ) == ["Payment Term Created", "Payment Term Changed"]


def test_a_term_refused_names_the_fields(fin_user):
    with pytest.raises(InvalidInput) as exc:
        terms.payment_term_create(
            by=fin_user,
            code="X",
            label="X",
            installments=[{"days": 60, "percent": "50"}, {"days": 30, "percent": "40"}],
        )
    assert {(e.get("line"), e["field"]) for e in exc.value.errors} == {(2, "days")}
    with pytest.raises(RuleViolation):
        terms.payment_term_create(
            by=fin_user, code="NET30", label="x", installments=[{"days": 1, "percent": 100}]
        )


def test_an_inactive_term_is_not_offered(fin_user):
    terms.payment_term_update(by=fin_user, code="NET60", active=False)
    assert "NET60" not in dict(terms.payment_term_choices())
    with pytest.raises(InvalidInput):
        terms.payment_term_rule("NET60")


# --- API ----------------------------------------------------------------------------------------


def test_api_list_and_get_with_a_slash_in_the_code(fin_api):
    response = fin_api.get("/payment-terms")
    assert response.status_code == 200
    assert response["X-Total-Count"] == str(PaymentTerm.objects.count())
    thirds = next(t for t in response.json() if t["code"] == "30/60/90")
    assert thirds == {
        "code": "30/60/90",
        "label": "30/60/90 dias",
        "installments": THIRDS,
        "discount_percent": "0.00",
        "discount_days": 0,
        "active": True,
    }
    assert fin_api.get("/payment-terms/30/60/90").json() == thirds
    assert fin_api.get("/payment-terms/NOPE").status_code == 404


def test_api_post_then_patch(fin_api):
    body = {
        "code": "2X",
        "label": "Duas vezes",
        "installments": [{"days": 30, "percent": 50}, {"days": 60, "percent": "50"}],
        "discount_percent": "1",
        "discount_days": 7,
    }
    response = fin_api.post("/payment-terms", body)
    assert response.status_code == 201, response.content
    assert response.json()["installments"] == [
        {"days": 30, "percent": "50.00"},
        {"days": 60, "percent": "50.00"},
    ]
    patched = fin_api.patch("/payment-terms/2X", {"label": "Em 2x", "active": False})
    assert patched.status_code == 200
    assert patched.json()["label"] == "Em 2x"
    assert patched.json()["active"] is False
    assert patched.json()["discount_days"] == 7


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"installments": [{"days": 30, "percent": "60"}, {"days": 60, "percent": "30"}]},
            (None, "installments"),
        ),
        (
            {"installments": [{"days": 30, "percent": "50"}, {"days": 20, "percent": "50"}]},
            (2, "days"),
        ),
        (
            {"installments": [{"days": d, "percent": "7.6923"} for d in range(1, 14)]},
            None,
        ),  # 13 installments: refused by the schema
        ({"code": "bad code"}, None),
        ({"installments": [{"days": 9999, "percent": "100"}]}, None),
    ],
)
def test_api_bad_terms_are_422(fin_api, body, expected):
    full = {
        "code": "T1",
        "label": "Teste",
        "installments": [{"days": 30, "percent": "100"}],
        **body,
    }
    response = fin_api.post("/payment-terms", full)
    assert response.status_code == 422, response.content
    if expected:
        assert expected in errors_of(response)
    assert not PaymentTerm.objects.filter(code="T1").exists()


def test_api_duplicate_is_409_unknown_is_404(fin_api):
    body = {"code": "NET30", "label": "x", "installments": [{"days": 1, "percent": "100"}]}
    assert fin_api.post("/payment-terms", body).status_code == 409
    assert fin_api.patch("/payment-terms/NOPE", {"label": "x"}).status_code == 404
    bad = fin_api.patch("/payment-terms/NET30", {"installments": [{"days": 1, "percent": "5"}]})
    assert bad.status_code == 422


def test_api_operacao_reads_but_cannot_write_and_strangers_get_401(ops_api):
    assert ops_api.get("/payment-terms").status_code == 200
    body = {"code": "T2", "label": "x", "installments": [{"days": 1, "percent": "100"}]}
    assert ops_api.post("/payment-terms", body).status_code == 403
    assert ops_api.patch("/payment-terms/NET30", {"label": "x"}).status_code == 403
    assert Client().get("/api/v1/payment-terms").status_code == 401


def test_customers_take_any_active_term_by_code(fin_api):
    body = {"name": "Parcelado", "document": "11.222.333/0001-81", "payment_terms": "30/60/90"}
    response = fin_api.post("/customers", body)
    assert response.status_code == 201, response.content
    assert response.json()["payment_terms"] == "30/60/90"
    body = {**body, "document": "52998224725", "payment_terms": "NOPE"}
    response = fin_api.post("/customers", body)
    assert response.status_code == 422
    assert (None, "payment_terms") in errors_of(response)
