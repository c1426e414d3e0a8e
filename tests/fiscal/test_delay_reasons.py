"""Delay reasons (decision 0034): the seeded list, GET|POST /delay-reasons, recording a reason
on an order with its event, and the KPI grouped by reason."""

from __future__ import annotations

from django.test import Client

from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.fiscal.models import DelayReason
from tests.fiscal.api_helpers import fields
from tests.fiscal.kpi_builders import march
from tests.scenarios import frozen_clock

__all__ = ["frozen_clock"]

SEEDED = [
    ("Aprovação interna pendente", "internal"),
    ("Dados do pedido incompletos", "internal"),
    ("Aguardando pedido de compra do cliente", "customer"),
    ("Cliente pediu para emitir depois", "customer"),
]


def _reason(label: str) -> DelayReason:
    return DelayReason.objects.get(label=label)


def test_the_migration_seeds_four_reasons_listed_internal_first(ops_api):
    response = ops_api.get("/delay-reasons")
    assert response.status_code == 200
    assert [(r["label"], r["kind"], r["active"]) for r in response.json()] == sorted(
        [(label, kind, True) for label, kind in SEEDED],
        key=lambda row: (row[1] != "internal", row[0]),
    )


def test_financeiro_creates_a_reason_others_cannot(fin_api, ops_api):
    created = fin_api.post("/delay-reasons", {"label": "Feriado municipal", "kind": "internal"})
    assert created.status_code == 201
    assert created.json()["label"] == "Feriado municipal"
    assert created.json()["kind"] == "internal"
    assert (
        fin_api.post(
            "/delay-reasons", {"label": "feriado municipal", "kind": "internal"}
        ).status_code
        == 409
    )
    assert fields(fin_api.post("/delay-reasons", {"label": "X", "kind": "outro"})) == ["kind"]
    assert fields(fin_api.post("/delay-reasons", {"label": "x" * 121, "kind": "internal"})) == [
        "label"
    ]
    assert fields(fin_api.post("/delay-reasons", {"label": "  ", "kind": "internal"})) == ["label"]
    assert ops_api.post("/delay-reasons", {"label": "Y", "kind": "customer"}).status_code == 403
    assert Client().get("/api/v1/delay-reasons").status_code == 401


def test_a_reason_on_an_order_is_recorded_with_its_event(fin_api, ops_api):
    march()
    reason = _reason("Cliente pediu para emitir depois")
    response = fin_api.post(
        "/service-orders/OS-5/delay-reason", {"reason_id": reason.pk, "note": "Até o dia 10"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["delay_reason"] == {
        "id": reason.pk,
        "label": "Cliente pediu para emitir depois",
        "kind": "customer",
        "active": True,
    }
    assert body["delay_note"] == "Até o dia 10"
    event = Event.objects.get(activity=activities.DELAY_REASON_RECORDED)
    assert event.case_id == "OS-5"
    assert event.attributes["reason"] == "Cliente pediu para emitir depois"
    assert event.attributes["kind"] == "customer"
    assert event.attributes["note"] == "Até o dia 10"
    assert ops_api.get("/service-orders", {"status": "billed"}).status_code == 200


def test_delay_reason_errors(fin_api, ops_api):
    march()
    reason = _reason("Aprovação interna pendente")
    post = fin_api.post
    assert post("/service-orders/OS-404/delay-reason", {"reason_id": reason.pk}).status_code == 404
    assert fields(post("/service-orders/OS-5/delay-reason", {"reason_id": 99999})) == ["reason_id"]
    reason.active = False
    reason.save()
    assert fields(post("/service-orders/OS-5/delay-reason", {"reason_id": reason.pk})) == [
        "reason_id"
    ]
    other = _reason("Dados do pedido incompletos")
    too_long = {"reason_id": other.pk, "note": "x" * 501}
    assert fields(post("/service-orders/OS-5/delay-reason", too_long)) == ["note"]
    denied = ops_api.post("/service-orders/OS-5/delay-reason", {"reason_id": other.pk})
    assert denied.status_code == 403
    assert not Event.objects.filter(activity=activities.DELAY_REASON_RECORDED).exists()


def test_kpi_groups_by_delay_reason_and_splits_the_late_value(fin_api, ops_api):
    march()  # March: OS-1 within (2 of 10 days), OS-3 late (12.04 of 10), OS-2 late twice
    internal = _reason("Aprovação interna pendente")
    customer = _reason("Cliente pediu para emitir depois")
    fin_api.post("/service-orders/OS-3/delay-reason", {"reason_id": internal.pk})
    fin_api.post("/service-orders/OS-2/delay-reason", {"reason_id": customer.pk})
    body = ops_api.get(
        "/kpis/nfse-after-billing",
        {"from": "2026-03-01", "to": "2026-03-31", "group_by": "delay_reason"},
    ).json()
    assert body["total_value"] == "1800.00"
    assert [
        (g["key"], g["delay_kind"], g["total_value"], g["count"], g["avg_lag_days"])
        for g in body["groups"]
    ] == [
        ("Sem motivo", "none", "1000.00", 1, 2.0),
        ("Cliente pediu para emitir depois", "customer", "500.00", 2, 2.5),  # lags 1 and 4
        ("Aprovação interna pendente", "internal", "300.00", 1, 12.04),
    ]
    assert body["late_by_delay_kind"] == [
        {"kind": "internal", "value": "300.00", "count": 1, "avg_lag_days": 12.04},
        {"kind": "customer", "value": "500.00", "count": 2, "avg_lag_days": 2.5},
        {"kind": "none", "value": "0.00", "count": 0, "avg_lag_days": None},
    ]


def test_backlog_api_shows_the_reason_and_the_split(fin_api, ops_api):
    march()
    internal = _reason("Dados do pedido incompletos")
    fin_api.post("/service-orders/OS-7/delay-reason", {"reason_id": internal.pk})
    body = ops_api.get("/nfse/backlog", {"as_of": "2026-04-05T12:00"}).json()
    assert [(o["order_number"], o["delay_reason"], o["delay_kind"]) for o in body["orders"]] == [
        ("OS-5", None, "none"),
        ("OS-7", "Dados do pedido incompletos", "internal"),
    ]
    assert [(s["kind"], s["count"], s["value_at_risk"]) for s in body["by_delay_kind"]] == [
        ("internal", 1, "250.00"),
        ("customer", 0, "0.00"),
        ("none", 1, "400.00"),
    ]
