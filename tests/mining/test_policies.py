"""Policy checks on the hand-made log (violations worked out by hand), on the generated log
against a plain-Python reading of the same rule, and equal on DuckDB and PySpark."""

from __future__ import annotations

from typing import Any

import pytest

from fatura.mining.kpis import (
    DEFAULT_RULES,
    ApprovedBeforeSent,
    ApproverNotCreator,
    NoSendWithoutApprovalAbove,
    PaidWithinTerms,
    ReminderAfterDue,
    check,
    derive,
)
from fatura.mining.log import EventLog
from tests.mining.test_kpis import OPTIONS, enriched, hand_table

RULES = (*DEFAULT_RULES, NoSendWithoutApprovalAbove(2000))


def run(log: EventLog, engine: str = "fast", spark: Any = None) -> dict[str, dict[str, str]]:
    with derive(log, engine, options=OPTIONS, spark=spark) as derived:
        return {r.rule: r.violations for r in check(derived, RULES)}


@pytest.fixture(scope="module")
def hand() -> EventLog:
    return EventLog.from_table(hand_table(), name="hand")


@pytest.mark.parametrize("engine", ["fast", "duckdb"])
def test_violations_by_hand(hand: EventLog, engine: str) -> None:
    found = run(hand, engine)
    assert found == {
        # D: sent at 01:00, approval asked at 02:00 (B never went through approval: not checked)
        "approved_before_sent": {
            "D": "sent to the customer at 2024-03-03T01:00:00Z before any approval"
        },
        "approver_not_creator": {"C": "approved by bruno, who created it"},
        # B: reminder on 14 Mar, due 15 Mar; the level-2 reminder of 28 Mar is fine
        "reminder_only_after_due_date": {
            "B": "reminder at 2024-03-14T08:00:00Z, before the due date had passed"
        },
        "paid_within_terms": {
            "B": "paid 25.0 days after the due date",
            "D": "paid 1.0 days after the due date",
        },
        "no_send_without_approval_above": {"B": "amount 5000.00 > 2000.00 sent without approval"},
    }


def test_threshold_decides_which_cases_need_approval(hand: EventLog) -> None:
    with derive(hand, options=OPTIONS) as derived:
        (low,) = check(derived, (NoSendWithoutApprovalAbove(500),))
        (high,) = check(derived, (NoSendWithoutApprovalAbove(5000),))
    assert sorted(low.violations) == ["B", "D"]  # D is sent before its approval
    assert high.violations == {}


def test_rules_need_their_attributes(hand: EventLog) -> None:
    """Without due dates there is nothing to break for the date rules."""
    table = hand_table().drop_columns(["due_date"])
    found = run(EventLog.from_table(table))
    assert found["reminder_only_after_due_date"] == {}
    assert found["paid_within_terms"] == {}


def test_result_json(hand: EventLog) -> None:
    with derive(hand, options=OPTIONS) as derived:
        (result,) = check(derived, (ApproverNotCreator(),))
    assert result.to_json() == {
        "rule": "approver_not_creator",
        "description": "The resource of Invoice Approved differs from that of Invoice Created",
        "violating_cases": 1,
        "violations": [{"case_id": "C", "reason": "approved by bruno, who created it"}],
    }


def _python_reading(log: EventLog) -> dict[str, set[str]]:
    """The same rules, event by event in plain Python (the tests' independent reading)."""
    rows = log.table.to_pylist()  # log order
    by_case: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_case.setdefault(row["case_id"], []).append(row)
    out: dict[str, set[str]] = {
        "approved_before_sent": set(),
        "approver_not_creator": set(),
    }
    for case, events in by_case.items():
        names = [e["activity"] for e in events]
        if {"Invoice Sent for Approval", "Invoice Approved", "Invoice Rejected"} & set(names):
            approved = False
            for name in names:
                approved |= name == "Invoice Approved"
                if name == "Invoice Sent to Customer" and not approved:
                    out["approved_before_sent"].add(case)
                    break
        creators = {e["resource"] for e in events if e["activity"] == "Invoice Created"}
        if any(e["resource"] in creators for e in events if e["activity"] == "Invoice Approved"):
            out["approver_not_creator"].add(case)
    return out


def _people_create_invoices(log: EventLog) -> EventLog:
    """The generator creates invoices as ``system``; give them a person, so that some
    approvers are their creators."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = log.source
    people = pa.array(["ana", "bruno", "carla"])
    case_number = pc.cast(pc.utf8_slice_codeunits(table.column("case_id"), 4), pa.int64())
    person = people.take(pc.cast(pc.bit_wise_and(case_number, 1), pa.int64()))
    created = pc.equal(table.column("activity"), "Invoice Created")
    resource = pc.if_else(created, person, table.column("resource"))
    index = table.column_names.index("resource")
    return EventLog.from_table(table.set_column(index, "resource", resource))


def test_generated_log_against_a_plain_reading() -> None:
    log = _people_create_invoices(enriched(300, seed=11))
    found = run(log)
    expected = _python_reading(log)
    assert set(found["approved_before_sent"]) == expected["approved_before_sent"]
    assert set(found["approver_not_creator"]) == expected["approver_not_creator"]
    assert expected["approver_not_creator"]  # the generator does produce some


@pytest.mark.spark
def test_spark_equals_duckdb(hand: EventLog, spark: Any) -> None:
    log = enriched(200, seed=3)
    for each in (hand, log):
        assert run(each, "spark", spark) == run(each, "duckdb")


def test_rules_are_plain_values() -> None:
    assert ApprovedBeforeSent() == ApprovedBeforeSent()
    assert NoSendWithoutApprovalAbove(10).amount == 10
    assert {r.name for r in (ReminderAfterDue(), PaidWithinTerms())} == {
        "reminder_only_after_due_date",
        "paid_within_terms",
    }
