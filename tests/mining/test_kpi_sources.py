"""One KPI table, three sources: the same five invoices written as Fatura's own log, as an
Oracle Fusion AR extract and as a NetSuite extract (tests/mining/fixtures/five_invoices/) give
the same KPIs and the same policy findings (docs/decisions/0030-one-activity-vocabulary.md).

The five invoices (America/Sao_Paulo):

- INV-1: approved, sent, paid before its due date with a 20.00 early-payment discount, posted
  the next day;
- INV-2: paid late after two dunning levels (the second within 14 days of the payment);
- INV-3: disputed (pricing) and credited, paid in two instalments, the first posted a day late;
- INV-4: dunned, then written off;
- INV-5: open, not yet due.

Only ``automation_rate`` is per source: each knows automation for different events (the own
log for every event; an extract only where it names the user).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from fatura.mining.kpis import DEFAULT_RULES, Filters, Options, check, derive, kpis, to_json
from fatura.mining.log import EventLog
from fatura.mining.readers.netsuite import read_netsuite
from fatura.mining.readers.oracle_fusion import read_oracle_fusion

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "five_invoices"
ZONE = "America/Sao_Paulo"
BRT = dt.timezone(dt.timedelta(hours=-3))
AS_OF = dt.datetime(2024, 4, 30, tzinfo=BRT)
OPTIONS = Options(as_of=AS_OF, zone=ZONE)
DAY_S = 86_400


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, minute, tzinfo=BRT)


# invoice -> customer, segment, business unit, collector, country, amount, date, due date
INVOICES = {
    "INV-1": ("Construtora Alfa Ltda.", "Enterprise", "Fatura Brasil", "paula", "BR", 1000.0,
              dt.date(2024, 1, 5), dt.date(2024, 2, 4)),
    "INV-2": ("Beta Serviços S.A.", "SMB", "Fatura Brasil", "marcos", "BR", 2300.5,
              dt.date(2024, 1, 10), dt.date(2024, 2, 9)),
    "INV-3": ("Construtora Alfa Ltda.", "Enterprise", "Fatura Brasil", "paula", "BR", 5000.0,
              dt.date(2024, 1, 15), dt.date(2024, 2, 14)),
    "INV-4": ("Gamma Logistics, Inc.", "Enterprise", "Fatura US", "paula", "US", 800.0,
              dt.date(2024, 1, 20), dt.date(2024, 2, 20)),
    "INV-5": ("Beta Serviços S.A.", "SMB", "Fatura Brasil", "marcos", "BR", 1200.0,
              dt.date(2024, 4, 15), dt.date(2024, 5, 15)),
}  # fmt: skip
SYSTEM = "system"
# Fatura's own log of the same facts: case, activity, time, user, automated, attributes
OWN: list[tuple[str, str, dt.datetime, str, bool, dict[str, Any]]] = [
    ("INV-1", "Invoice Created", at(1, 5, 9), "ana", False, {}),
    ("INV-1", "Invoice Sent for Approval", at(1, 5, 9, 30), "ana", False, {}),
    ("INV-1", "Invoice Approved", at(1, 5, 16), "gestor", False, {}),
    ("INV-1", "Invoice Sent to Customer", at(1, 6, 10), SYSTEM, True, {}),
    ("INV-1", "Payment Received", at(2, 1), "carla", False, {}),
    ("INV-1", "Payment Applied to Invoice", at(2, 1), "carla", False, {"discount": 20.0}),
    ("INV-1", "Invoice Closed", at(2, 1), "carla", False, {}),
    ("INV-1", "Payment Posted", at(2, 2), "carla", False, {"posting_lag_days": 1}),
    ("INV-2", "Invoice Created", at(1, 10, 14, 30), "ana", False, {}),
    ("INV-2", "Invoice Sent to Customer", at(1, 10, 15), SYSTEM, True, {}),
    ("INV-2", "Due Date Passed", at(2, 10), SYSTEM, True, {}),
    ("INV-2", "Dunning Procedure Initiated", at(2, 15, 9), SYSTEM, True, {"dunning_level": 1}),
    ("INV-2", "Payment Reminder Issued", at(2, 15, 9), SYSTEM, True, {"dunning_level": 1}),
    ("INV-2", "Payment Reminder Issued", at(3, 1, 9), SYSTEM, True, {"dunning_level": 2}),
    ("INV-2", "Payment Received", at(3, 8), "carla", False, {}),
    ("INV-2", "Payment Applied to Invoice", at(3, 8), "carla", False, {"discount": 0.0}),
    ("INV-2", "Invoice Closed", at(3, 8), "carla", False, {}),
    ("INV-2", "Payment Posted", at(3, 8), "carla", False, {"posting_lag_days": 0}),
    ("INV-3", "Invoice Created", at(1, 15, 11), "bruno", False, {}),
    ("INV-3", "Invoice Sent to Customer", at(1, 15, 11, 30), SYSTEM, True, {}),
    ("INV-3", "Dispute Registered", at(2, 5, 10), "julia", False, {"dispute_reason": "PRICING"}),
    ("INV-3", "Due Date Passed", at(2, 15), SYSTEM, True, {}),
    ("INV-3", "Credit Note Issued", at(2, 20), "julia", False, {}),
    ("INV-3", "Dispute Resolved", at(2, 20, 15), "julia", False, {"dispute_reason": "PRICING"}),
    ("INV-3", "Payment Received", at(2, 25), "carla", False, {}),
    ("INV-3", "Payment Applied to Invoice", at(2, 25), "carla", False, {"discount": 0.0}),
    ("INV-3", "Payment Posted", at(2, 26), "carla", False, {"posting_lag_days": 1}),
    ("INV-3", "Payment Received", at(3, 5), "carla", False, {}),
    ("INV-3", "Payment Applied to Invoice", at(3, 5), "carla", False, {"discount": 0.0}),
    ("INV-3", "Invoice Closed", at(3, 5), "carla", False, {}),
    ("INV-3", "Payment Posted", at(3, 5), "carla", False, {"posting_lag_days": 0}),
    ("INV-4", "Invoice Created", at(1, 20, 16, 45), "bruno", False, {}),
    ("INV-4", "Invoice Sent to Customer", at(1, 21, 9, 30), SYSTEM, True, {}),
    ("INV-4", "Due Date Passed", at(2, 21), SYSTEM, True, {}),
    ("INV-4", "Dunning Procedure Initiated", at(2, 26, 9), SYSTEM, True, {"dunning_level": 1}),
    ("INV-4", "Payment Reminder Issued", at(2, 26, 9), SYSTEM, True, {"dunning_level": 1}),
    ("INV-4", "Invoice Written Off", at(4, 10), "carla", False, {}),
    ("INV-5", "Invoice Created", at(4, 15, 10), SYSTEM, True, {}),
    ("INV-5", "Invoice Sent to Customer", at(4, 15, 10, 30), SYSTEM, True, {}),
]


def own_log() -> EventLog:
    """The facts as Fatura's own log stores them (own_log.own_table's columns)."""
    keys = ("customer", "segment", "business_unit", "collector", "country", "amount")
    columns: dict[str, pa.Array] = {
        "case_id": pa.array([e[0] for e in OWN]),
        "activity": pa.array([e[1] for e in OWN]),
        "timestamp": pa.array([e[2] for e in OWN], pa.timestamp("us", tz="UTC")),
        "resource": pa.array([e[3] for e in OWN]),
        "is_automated": pa.array([e[4] for e in OWN]),
    }
    for k, key in enumerate(keys):
        columns[key] = pa.array([INVOICES[e[0]][k] for e in OWN])
    columns["invoice_date"] = pa.array([INVOICES[e[0]][6] for e in OWN], pa.date32())
    columns["due_date"] = pa.array([INVOICES[e[0]][7] for e in OWN], pa.date32())
    for key, kind in (
        ("dunning_level", pa.int64()),
        ("discount", pa.float64()),
        ("posting_lag_days", pa.int64()),
        ("dispute_reason", pa.string()),
    ):
        columns[key] = pa.array([e[5].get(key) for e in OWN], kind)
    return EventLog.from_table(pa.table(columns), name="fatura")


SOURCES = {
    "fatura": own_log,
    "oracle_fusion": lambda: read_oracle_fusion(FIXTURES / "oracle_fusion", zone=ZONE, as_of=AS_OF),
    "netsuite": lambda: read_netsuite(FIXTURES / "netsuite", zone=ZONE, as_of=AS_OF),
}


@pytest.fixture(scope="module")
def logs() -> dict[str, EventLog]:
    return {name: read() for name, read in SOURCES.items()}


def days(seconds: float) -> float:
    return seconds / DAY_S


HOURS = 3600
# the KPI table, worked out by hand from the facts above
EXPECTED: dict[str, Any] = {
    "cases": 5,
    # paid: INV-1 27 d, INV-2 58 d, INV-3 50 d (from the invoice date's midnight)
    "dso": {"value": (27 + 58 + 50) / 3, "unit": "days", "counts": {"paid_cases": 3}},
    "dso_by_month": [
        {"month": "2024-02", "dso_days": 27.0, "paid_cases": 1},
        {"month": "2024-03", "dso_days": 54.0, "paid_cases": 2},
    ],
    "on_time_payment_rate": {
        "value": 1 / 3,
        "unit": "share",
        "counts": {"paid_on_time": 1, "paid_cases_with_due_date": 3},
    },
    "approval_time": {"value": days(6.5 * HOURS), "unit": "days", "counts": {"approvals": 1}},
    # first event to last: INV-1 to its posting, INV-5 created to sent
    "cycle_time": {
        "value": days(
            (27 * DAY_S + 15 * HOURS)  # 5 Jan 09:00 -> 2 Feb 00:00
            + (57 * DAY_S + 9.5 * HOURS)  # 10 Jan 14:30 -> 8 Mar 00:00
            + (49 * DAY_S + 13 * HOURS)  # 15 Jan 11:00 -> 5 Mar 00:00
            + (80 * DAY_S + 7.25 * HOURS)  # 20 Jan 16:45 -> 10 Apr 00:00
            + 0.5 * HOURS  # 15 Apr 10:00 -> 10:30
        )
        / 5,
        "unit": "days",
        "counts": {"cases": 5},
    },
    "invoice_to_cash_time": {
        "value": days(
            (26 * DAY_S + 15 * HOURS) + (57 * DAY_S + 9.5 * HOURS) + (49 * DAY_S + 13 * HOURS)
        )
        / 3,
        "unit": "days",
        "counts": {"paid_cases": 3},
    },
    "billing_rework_rate": {
        "value": 0.0,
        "unit": "share",
        "counts": {"cases_with_rework": 0, "cases": 5},
    },
    "discount_capture_rate": {
        "value": 1 / 3,
        "unit": "share",
        "counts": {"paid_with_discount": 1, "paid_cases": 3},
    },
    "dispute_rate": {"value": 0.2, "unit": "share", "counts": {"disputed_cases": 1, "cases": 5}},
    "dispute_resolution_time": {
        "value": days(15 * DAY_S + 5 * HOURS),
        "unit": "days",
        "counts": {"resolved_disputes": 1},
    },
    "contact_success_rate": {"value": None, "unit": "share", "counts": {}},
    "dunning_effectiveness": [
        {"level": 1, "cases": 2, "paid_within": 0, "rate": 0.0, "days": 14},
        {"level": 2, "cases": 1, "paid_within": 1, "rate": 1.0, "days": 14},
    ],
    "write_off_rate": {
        "value": 0.2,
        "unit": "share",
        "counts": {"written_off_cases": 1, "cases": 5},
    },
    # INV-1 1 day, INV-2 0, INV-3 1 day (its first posting)
    "payment_posting_lag": {
        "value": 2 / 3,
        "unit": "days",
        "counts": {"posted_payments": 3},
    },
    "time_to_apply": {"value": 0.0, "unit": "days", "counts": {"applications": 4}},
    "unapplied_cash": {"value": None, "unit": "amount", "counts": {}},
}


def close(got: Any, want: Any) -> bool:
    if isinstance(want, float) and isinstance(got, float):
        return got == pytest.approx(want, rel=1e-12)
    if isinstance(want, dict) and isinstance(got, dict):
        return got.keys() == want.keys() and all(close(got[k], want[k]) for k in want)
    if isinstance(want, list) and isinstance(got, list):
        return len(got) == len(want) and all(close(g, w) for g, w in zip(got, want, strict=True))
    return bool(got == want)


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("engine", ["fast", "duckdb"])
def test_the_kpi_table(logs: dict[str, EventLog], source: str, engine: str) -> None:
    got = to_json(kpis(logs[source], engine=engine, options=OPTIONS))
    got.pop("automation_rate")
    assert got.keys() == EXPECTED.keys()
    wrong = {k: got[k] for k in EXPECTED if not close(got[k], EXPECTED[k])}
    assert not wrong


def test_the_three_sources_agree_filtered(logs: dict[str, EventLog]) -> None:
    results = []
    for log in logs.values():
        for where in ({"country": "BR"}, {"customer": "Construtora Alfa Ltda."}):
            result = to_json(kpis(log, options=OPTIONS, filters=Filters(equals=where)))
            result.pop("automation_rate")
            results.append((str(where), result))
    by_filter: dict[str, list[dict[str, Any]]] = {}
    for where, result in results:
        by_filter.setdefault(where, []).append(result)
    for same in by_filter.values():
        assert all(close(r, same[0]) for r in same[1:])
    assert by_filter[str({"country": "BR"})][0]["cases"] == 4


def test_netsuite_and_own_log_agree_on_segment(logs: dict[str, EventLog]) -> None:
    # Oracle's extract has no customer category; NetSuite's Customer Category is the segment
    filters = Filters(equals={"segment": "Enterprise", "business_unit": "Fatura Brasil"})
    own = to_json(kpis(logs["fatura"], options=OPTIONS, filters=filters))
    ns = to_json(kpis(logs["netsuite"], options=OPTIONS, filters=filters))
    assert own["cases"] == ns["cases"] == 2
    own.pop("automation_rate")
    ns.pop("automation_rate")
    assert close(ns, own)


def test_the_policy_findings_agree(logs: dict[str, EventLog]) -> None:
    findings = []
    for log in logs.values():
        with derive(log, options=OPTIONS) as derived:
            findings.append([r.to_json() for r in check(derived, DEFAULT_RULES)])
    assert findings[1] == findings[0] and findings[2] == findings[0]
    late = next(r for r in findings[0] if r["rule"] == "paid_within_terms")
    assert sorted(v["case_id"] for v in late["violations"]) == ["INV-2", "INV-3"]


def test_automation_rate_per_source(logs: dict[str, EventLog]) -> None:
    """Each source knows automation where it says who acted: the own log on every event;
    Oracle where a table has a user (CREATED_BY, CHANGED_BY); NetSuite where a file names the
    user (Created By, Set By). A user "system" (any case, "-System-") is automation."""
    rates = {
        name: kpis(log, options=OPTIONS)["automation_rate"].counts for name, log in logs.items()
    }
    # own log: 14 of its 39 events are the system's (sending, due dates, dunning, INV-5)
    assert rates["fatura"] == {"automated_events": 14, "events": 39}
    # Oracle: Created and Completed of INV-5 by SYSTEM; 5 x 2 + 2 approvals + 1 dispute
    # + 1 write-off + 4 applications by users
    assert rates["oracle_fusion"] == {"automated_events": 2, "events": 18}
    # NetSuite: INV-5 created by SYSTEM; 5 created + 2 approvals + 2 dispute notes + 1 credit
    # memo + 4 x 3 payment events + 1 journal
    assert rates["netsuite"] == {"automated_events": 1, "events": 23}
