"""Derived attributes and KPIs: a hand-made log with answers worked out by hand, the generated
log, a real log; the fast path, DuckDB and PySpark give the same tables and KPIs."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from fatura.mining.errors import LogError
from fatura.mining.kpis import FilterError, Filters, Options, derive, kpis, to_json
from fatura.mining.kpis import derived as d
from fatura.mining.log import EventLog
from fatura.mining.readers import read_log
from tests.mining.conftest import REAL_LOGS, data_file
from tests.mining.logs import generated_table

UTC = dt.UTC
DAY = 86_400_000_000
AS_OF = dt.datetime(2024, 4, 30, tzinfo=UTC)
OPTIONS = Options(as_of=AS_OF, zone="UTC")


def at(month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, tzinfo=UTC)


# case -> (customer, segment, amount, invoice_date, due_date)
CASES = {
    "A": ("Acme", "corp", 1000.0, "2024-03-01", "2024-03-10"),
    "B": ("Beta", "smb", 5000.0, "2024-03-05", "2024-03-15"),
    "C": ("Acme", "corp", 300.0, "2024-03-10", "2024-03-20"),
    "D": ("Gamma", "smb", 800.0, None, "2024-03-18"),
}
# case, activity, time, resource, extra attributes
EVENTS: list[tuple[str, str, dt.datetime, str, dict[str, Any]]] = [
    ("A", "Invoice Created", at(3, 1, 9), "ana", {}),
    ("A", "Invoice Sent for Approval", at(3, 1, 10), "ana", {}),
    ("A", "Invoice Rejected", at(3, 1, 12), "bruno", {}),
    ("A", "Invoice Sent for Approval", at(3, 1, 14), "ana", {}),
    ("A", "Invoice Approved", at(3, 2, 10), "bruno", {}),
    ("A", "Invoice Sent to Customer", at(3, 2, 11), "system", {}),
    ("A", "Payment Received", at(3, 9, 12), "carla", {"payment_method": "pix"}),
    ("A", "Payment Posted", at(3, 9, 18), "system", {}),
    ("A", "Payment Applied to Invoice", at(3, 9, 18), "system", {"payment_method": "pix"}),
    ("B", "Invoice Created", at(3, 5, 8), "ana", {}),
    ("B", "Invoice Sent to Customer", at(3, 5, 9), "ana", {}),
    ("B", "Payment Reminder Issued", at(3, 14, 8), "system", {"dunning_level": 1}),
    ("B", "Due Date Passed", at(3, 16), "system", {}),
    ("B", "Payment Reminder Issued", at(3, 28), "system", {"dunning_level": 2}),
    ("B", "Collection Call Made", at(3, 29, 10), "diego", {"call_outcome": "promise_to_pay"}),
    ("B", "Payment Received", at(4, 10), "carla", {"payment_method": "boleto"}),
    ("B", "Payment Posted", at(4, 11), "system", {}),
    ("C", "Invoice Created", at(3, 10, 10), "bruno", {}),
    ("C", "Invoice Sent for Approval", at(3, 10, 11), "bruno", {}),
    ("C", "Invoice Approved", at(3, 10, 15), "bruno", {}),
    ("C", "Invoice Sent to Customer", at(3, 10, 16), "bruno", {}),
    ("C", "Dispute Registered", at(3, 12), "elisa", {}),
    ("C", "Dispute Resolved", at(3, 15, 12), "elisa", {}),
    ("C", "Collection Call Made", at(3, 25, 10), "diego", {"call_outcome": "no_answer"}),
    ("C", "Invoice Written Off", at(4, 20), "fabio", {}),
    ("D", "Invoice Created", at(3, 3), "ana", {}),
    ("D", "Invoice Sent to Customer", at(3, 3, 1), "ana", {}),
    ("D", "Invoice Sent for Approval", at(3, 3, 2), "ana", {}),
    ("D", "Invoice Approved", at(3, 4, 2), "carla", {}),
    ("D", "Payment Received", at(3, 20), "carla", {"discount": 16.0}),
]
EXTRA = ("payment_method", "call_outcome", "dunning_level", "discount")


def hand_table(
    events: list[tuple[str, str, dt.datetime, str, dict[str, Any]]] = EVENTS,
) -> pa.Table:
    rows = [e for i in range(0, len(events), 2) for e in events[i : i + 2]]
    rows = rows[1::2] + rows[0::2]  # cases interleaved in the file: the log puts them in order
    columns: dict[str, list[Any]] = {
        "case_id": [r[0] for r in rows],
        "activity": [r[1] for r in rows],
        "timestamp": [r[2] for r in rows],
        "resource": [r[3] for r in rows],
    }
    for k, key in enumerate(("customer", "segment", "amount", "invoice_date", "due_date")):
        columns[key] = [CASES[r[0]][k] for r in rows]
    for key in EXTRA:
        columns[key] = [r[4].get(key) for r in rows]
    table = pa.table(columns)
    return table.set_column(2, "timestamp", table.column(2).cast(pa.timestamp("us", tz="UTC")))


@pytest.fixture(scope="module")
def hand() -> EventLog:
    return EventLog.from_table(hand_table(), name="hand")


def derived_tables(log: EventLog, engine: str, spark: Any = None, options: Options = OPTIONS):
    with derive(log, engine, options=options, spark=spark) as out:
        steps = out.backend.to_pyarrow(out.steps.select(*d.STEP_COLUMNS))
        cases = out.backend.to_pyarrow(out.cases.select(*d.CASE_COLUMNS))
    steps = steps.sort_by([("case_id", "ascending"), ("event_index", "ascending")])
    return steps, cases.sort_by("case_id")


def by_case(table: pa.Table) -> dict[str, dict[str, Any]]:
    return {row["case_id"]: row for row in table.to_pylist()}


# --- derived attributes, by hand ----------------------------------------------------------


@pytest.mark.parametrize("engine", ["fast", "duckdb"])
def test_derived_case_attributes_by_hand(hand: EventLog, engine: str) -> None:
    _, cases = derived_tables(hand, engine)
    c = by_case(cases)
    assert {k: c[k]["dso_us"] for k in c} == {
        "A": 8.5 * DAY, "B": 36 * DAY, "C": None, "D": 17 * DAY  # D: Invoice Created (no date)
    }  # fmt: skip
    assert {k: c[k]["is_paid_on_time"] for k in c} == {"A": True, "B": False, "C": None, "D": False}
    # due 15 Mar -> late from 16 Mar 00:00; C unpaid: as of 30 Apr, due 20 Mar
    assert {k: c[k]["overdue_us"] for k in c} == {"A": 0, "B": 25 * DAY, "C": 40 * DAY, "D": DAY}
    assert c["A"]["cycle_us"] == 8 * DAY + 9 * 3_600_000_000
    assert c["B"]["invoice_to_cash_us"] == 35 * DAY + 16 * 3_600_000_000
    assert c["C"]["invoice_to_cash_us"] is None
    assert {k: c[k]["posting_lag_us"] for k in c} == {"A": DAY // 4, "B": DAY, "C": None, "D": None}
    assert [c[k]["payment_month"] for k in "ABCD"] == [202403, 202404, None, 202403]
    assert [c[k]["billing_rework"] for k in "ABCD"] == [True, False, False, False]
    assert c["D"]["discount"] == 16.0 and c["A"]["discount"] is None


@pytest.mark.parametrize("engine", ["fast", "duckdb"])
def test_is_rework_and_is_automated_per_event(hand: EventLog, engine: str) -> None:
    steps, _ = derived_tables(hand, engine)
    rework = [(r["case_id"], r["activity"]) for r in steps.to_pylist() if r["is_rework"]]
    assert rework == [
        ("A", "Invoice Sent for Approval"),  # repeated
        ("A", "Invoice Approved"),  # after a rejection
        ("B", "Payment Reminder Issued"),  # the second one
    ]
    automated = steps.filter(steps.column("is_automated")).column("resource").to_pylist()
    assert automated == ["system"] * 7
    levels = [r["level"] for r in steps.to_pylist() if r["level"] is not None]
    assert levels == [1, 2]


def test_is_automated_column_wins_over_the_resource(hand: EventLog) -> None:
    table = hand_table()
    flags = [a == "Invoice Created" for a in table.column("activity").to_pylist()]
    log = EventLog.from_table(table.append_column("is_automated", pa.array(flags)))
    result = kpis(log, options=OPTIONS)
    assert result["automation_rate"].counts == {"automated_events": 4, "events": 30}


# --- KPIs, by hand ------------------------------------------------------------------------

EXPECTED = {
    "dso": (20.5, {"paid_cases": 3}),  # (8.5 + 36 + 17) / 3
    "on_time_payment_rate": (1 / 3, {"paid_on_time": 1, "paid_cases_with_due_date": 3}),
    "approval_time": (16 / 24, {"approvals": 3}),  # 20 h, 4 h, 24 h
    "cycle_time": ((8.375 + 36 + 2 / 3 + 40 + 14 / 24 + 17) / 4, {"cases": 4}),
    "invoice_to_cash_time": ((8.125 + 35 + 2 / 3 + 17) / 3, {"paid_cases": 3}),
    "billing_rework_rate": (0.25, {"cases_with_rework": 1, "cases": 4}),
    "discount_capture_rate": (1 / 3, {"paid_with_discount": 1, "paid_cases": 3}),
    "dispute_rate": (0.25, {"disputed_cases": 1, "cases": 4}),
    "dispute_resolution_time": (3.5, {"resolved_disputes": 1}),
    "automation_rate": (7 / 30, {"automated_events": 7, "events": 30}),
    "contact_success_rate": (0.5, {"successful_calls": 1, "calls": 2}),
    "write_off_rate": (0.25, {"written_off_cases": 1, "cases": 4}),
    "payment_posting_lag": (0.625, {"posted_payments": 2}),
    "time_to_apply": (0.25, {"applications": 1}),
    "unapplied_cash": (None, {}),  # the log has no such attribute
}


@pytest.mark.parametrize("engine", ["fast", "duckdb"])
def test_kpis_by_hand(hand: EventLog, engine: str) -> None:
    result = kpis(hand, engine=engine, options=OPTIONS)
    assert result["cases"] == 4
    for name, (value, counts) in EXPECTED.items():
        kpi = result[name]
        assert kpi.counts == counts, name
        assert (kpi.value is None) if value is None else math.isclose(kpi.value, value), name
    assert result["dso_by_month"] == [
        {"month": "2024-03", "dso_days": 12.75, "paid_cases": 2},
        {"month": "2024-04", "dso_days": 36.0, "paid_cases": 1},
    ]
    # level 1 on 14 Mar 08:00, paid 10 Apr: 26.7 days; level 2 on 28 Mar: 13 days
    assert result["dunning_effectiveness"] == [
        {"level": 1, "cases": 1, "paid_within": 0, "rate": 0.0, "days": 14},
        {"level": 2, "cases": 1, "paid_within": 1, "rate": 1.0, "days": 14},
    ]


def test_dunning_window_is_configurable(hand: EventLog) -> None:
    result = kpis(hand, options=Options(as_of=AS_OF, zone="UTC", dunning_days=30))
    assert [x["paid_within"] for x in result["dunning_effectiveness"]] == [1, 1]


@pytest.mark.parametrize(
    ("filters", "cases", "dso"),
    [
        (Filters(equals={"segment": "corp"}), 2, 8.5),  # A, C (C unpaid)
        (Filters(equals={"customer": ["Acme", "Gamma"]}), 3, 12.75),  # A, C, D
        (Filters(amount_min=500, amount_max=2000), 2, 12.75),  # A, D
        (Filters(started_from=at(3, 4), started_before=at(3, 31)), 2, 36.0),  # B, C
        (Filters(equals={"segment": "smb"}, amount_max=1000), 1, 17.0),  # D
    ],
)
def test_filters(hand: EventLog, filters: Filters, cases: int, dso: float) -> None:
    result = kpis(hand, filters=filters, options=OPTIONS)
    assert result["cases"] == cases
    assert math.isclose(result["dso"].value, dso)


def test_filtered_event_kpis_only_see_the_kept_cases(hand: EventLog) -> None:
    result = kpis(hand, filters=Filters(equals={"segment": "smb"}), options=OPTIONS)
    assert result["approval_time"].counts == {"approvals": 1}  # D only
    assert result["contact_success_rate"].value == 1.0  # B's call


def test_no_data_gives_none_not_zero(hand: EventLog) -> None:
    result = kpis(hand, filters=Filters(equals={"region": "nowhere"}), options=OPTIONS)
    assert result["cases"] == 0
    for name in EXPECTED:
        assert result[name].value is None, name
    assert result["dso_by_month"] == [] and result["dunning_effectiveness"] == []


def test_bad_filters_are_refused() -> None:
    with pytest.raises(FilterError, match="cannot filter on colour; use one of customer"):
        Filters(equals={"colour": "red"})
    with pytest.raises(FilterError, match="must be timezone-aware"):
        Filters(started_from=dt.datetime(2024, 1, 1))
    with pytest.raises(FilterError, match="amount_min 10 is above amount_max 5"):
        Filters(amount_min=10, amount_max=5)


def test_a_due_date_ends_at_local_midnight() -> None:
    """Due 10 Mar in São Paulo: a payment at 23:30 local (02:30 UTC on the 11th) is on time."""
    events = [
        ("A", "Invoice Created", at(3, 1, 12), "ana", {}),
        ("A", "Payment Received", dt.datetime(2024, 3, 11, 2, 30, tzinfo=UTC), "ana", {}),
    ]
    table = hand_table(events)
    table = table.set_column(
        table.column_names.index("due_date"), "due_date", pa.array(["2024-03-10"] * 2)
    )
    log = EventLog.from_table(table)
    on_time = kpis(log, options=Options(zone="America/Sao_Paulo"))["on_time_payment_rate"]
    assert on_time.value == 1.0
    late = kpis(log, options=Options(zone="UTC"))["on_time_payment_rate"]
    assert late.value == 0.0


def test_an_amount_that_is_not_a_number_names_the_row() -> None:
    table = hand_table()
    amounts = ["1000"] * table.num_rows
    amounts[5] = "mil reais"
    table = table.set_column(table.column_names.index("amount"), "amount", pa.array(amounts))
    with pytest.raises(LogError, match=r"row 6.*'amount': 'mil reais' is not a number"):
        kpis(EventLog.from_table(table, name="x.csv"))


# --- equal across paths -------------------------------------------------------------------


def enriched(cases: int = 400, seed: int = 5) -> EventLog:
    """The generated log with the invoice attributes it lacks: invoice and due dates,
    segment, customer, call outcome and dunning level (deterministic from the case)."""
    table = generated_table(cases, seed=seed, shuffle=True)
    case = np.asarray([int(c[4:]) for c in table.column("case_id").to_pylist()])
    activity = np.asarray(table.column("activity").to_pylist(), dtype=object)
    first = {}
    for c, stamp in zip(case, table.column("timestamp").to_pylist(), strict=True):
        first[c] = min(first.get(c, stamp), stamp)
    invoice = [first[c].date() for c in case]
    rng = np.random.default_rng(seed)
    calls = activity == "Collection Call Made"
    outcome = np.where(rng.random(len(case)) < 0.5, "reached", "no_answer")
    level = (case % 3) + 1
    return EventLog.from_table(
        table.append_column("invoice_date", pa.array(invoice, pa.date32()))
        .append_column("due_date", pa.array([i + dt.timedelta(days=30) for i in invoice]))
        .append_column("segment", pa.array(np.asarray(["corp", "smb", "gov"])[case % 3]))
        .append_column("customer", pa.array([f"C{c % 7}" for c in case]))
        .append_column("call_outcome", pa.array(np.where(calls, outcome, None).tolist()))
        .append_column(
            "dunning_level",
            pa.array(np.where(activity == "Payment Reminder Issued", level, None).tolist()),
        )
    )


@pytest.fixture(scope="module")
def generated() -> EventLog:
    return enriched()


def assert_same_kpis(left: dict[str, Any], right: dict[str, Any]) -> None:
    a, b = to_json(left), to_json(right)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_generated_log_fast_equals_duckdb(generated: EventLog) -> None:
    for left, right in zip(
        derived_tables(generated, "fast"), derived_tables(generated, "duckdb"), strict=True
    ):
        assert left.to_pylist() == right.to_pylist()
    filters = Filters(equals={"segment": ["corp", "gov"]}, amount_min=100)
    assert_same_kpis(
        kpis(generated, filters=filters), kpis(generated, engine="duckdb", filters=filters)
    )


def test_generated_log_kpis_make_sense(generated: EventLog) -> None:
    result = kpis(generated)
    assert result["cases"] == 400
    for name in ("on_time_payment_rate", "billing_rework_rate", "dispute_rate", "write_off_rate"):
        assert 0 <= result[name].value <= 1, name
    assert result["approval_time"].value > 0 and result["dso"].value > 0
    assert [x["level"] for x in result["dunning_effectiveness"]] == [1, 2, 3]
    assert result["contact_success_rate"].counts["calls"] > 0
    assert (
        sum(m["paid_cases"] for m in result["dso_by_month"]) == result["dso"].counts["paid_cases"]
    )


def test_roadtraffic_rework_is_a_repeated_activity() -> None:
    """A real log without invoice activities: rework = an activity seen before in the case."""
    log = read_log(data_file(REAL_LOGS["roadtraffic100"]))
    steps, cases = derived_tables(log, "fast", options=Options())
    seen: set[tuple[str, str]] = set()
    expected = []
    for row in log.table.select(["case_id", "activity", "event_index"]).to_pylist():
        key = (row["case_id"], row["activity"])
        expected.append((row["case_id"], row["event_index"], key in seen))
        seen.add(key)
    got = [(r["case_id"], r["event_index"], r["is_rework"]) for r in steps.to_pylist()]
    assert got == sorted(expected)
    assert sum(flag for *_, flag in expected) > 0  # e.g. several Payments in a case
    duck_steps, duck_cases = derived_tables(log, "duckdb", options=Options())
    assert steps.to_pylist() == duck_steps.to_pylist()
    assert cases.to_pylist() == duck_cases.to_pylist()


@pytest.mark.spark
def test_spark_equals_fast(hand: EventLog, generated: EventLog, spark: Any) -> None:
    for log in (hand, generated):
        for left, right in zip(
            derived_tables(log, "fast"), derived_tables(log, "spark", spark), strict=True
        ):
            assert left.to_pylist() == right.to_pylist()
        filters = Filters(equals={"segment": "smb"}, started_from=at(1, 1))
        assert_same_kpis(
            kpis(log, options=OPTIONS, filters=filters),
            kpis(log, engine="spark", spark=spark, options=OPTIONS, filters=filters),
        )


def test_unknown_engine_is_refused(hand: EventLog) -> None:
    with pytest.raises(ValueError, match="unknown engine 'polars'"):
        kpis(hand, engine="polars")


def test_fatura_mine_adds_kpis_unless_told_not_to(tmp_path: Any) -> None:
    import pyarrow.parquet as pq

    from fatura.mining.cli import main

    path = tmp_path / "hand.parquet"
    pq.write_table(hand_table(), path)
    plain, with_kpis = tmp_path / "plain.json", tmp_path / "kpis.json"
    assert main([str(path), "--json", str(plain), "--no-kpis"]) == 0
    assert main([str(path), "--json", str(with_kpis), "--time-zone", "UTC"]) == 0
    document = json.loads(with_kpis.read_text())
    assert "kpis" not in json.loads(plain.read_text())
    assert document["kpis"]["cases"] == 4
    assert document["kpis"]["write_off_rate"] == {
        "value": 0.25,
        "unit": "share",
        "counts": {"written_off_cases": 1, "cases": 4},
    }
    assert document["cases"] == 4  # the mining outputs are still there


def test_fatura_mine_kpis_skipped_without_invoice_activities(tmp_path: Any) -> None:
    from fatura.mining.cli import main

    out = tmp_path / "road.json"
    log = data_file(REAL_LOGS["running-example"])
    assert main([str(log), "--json", str(out), "--kpis"]) == 0
    assert "kpis" not in json.loads(out.read_text())
