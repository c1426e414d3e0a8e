"""Per-invoice derived attributes (fatura.mining.case_table, docs/decisions/0036): their values
on the five invoices of tests/mining/fixtures (the same from Fatura's own log, an Oracle Fusion
extract and a NetSuite extract), their agreement with the KPIs, and derived attributes as case
filters whose filtered map, variants and durations equal pm4py's on the same cases (picked
here by pandas, independently of the engine) — on a generated invoice log and on every real log.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from fatura.mining.case_table import COLUMNS, DERIVED, case_table
from fatura.mining.engine import mine
from fatura.mining.engine.filters import FilterError, parse
from fatura.mining.kpis.quick import kpis as quick_kpis
from fatura.mining.log import EventLog
from fatura.mining.readers import read_log
from fatura.mining.synthetic import generate
from tests.mining.conftest import (
    assert_matches_pm4py,
    pm4py_outputs,
)
from tests.mining.test_kpi_sources import AS_OF, OPTIONS, SOURCES, ZONE

DAY_US = 86_400_000_000
AS_OF_US = (AS_OF - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
CASE, ACT, TS = "case:concept:name", "concept:name", "time:timestamp"

# invoice -> dso_days, is_paid_on_time, days_overdue (as of 2024-04-30), is_rework,
# invoice_to_cash_days, posting_lag_days, disputed, written_off (tests/mining/test_kpi_sources)
EXPECTED = {
    "INV-1": (27.0, True, 0, False, 26.625, 1.0, False, False),
    "INV-2": (58.0, False, 28, False, 57.395833, 0.0, False, False),
    "INV-3": (50.0, False, 20, False, 49.541667, 1.0, True, False),
    "INV-4": (None, None, 70, False, None, None, False, True),
    "INV-5": (None, None, 0, False, None, None, False, False),
}
SAME_ON_EVERY_SOURCE = (
    "case_id", "customer", "country", "amount", "invoice_at", "due_at", "paid_at", "paid",
    "dso_days", "is_paid_on_time", "days_overdue", "is_rework", "cycle_time_days",
    "invoice_to_cash_days", "posting_lag_days", "disputed", "written_off",
)  # fmt: skip


@pytest.fixture(scope="module")
def five() -> dict[str, EventLog]:
    return {name: read() for name, read in SOURCES.items()}


def _table(log: EventLog) -> pa.Table:
    return case_table(log, as_of=AS_OF_US, zone=ZONE)


@pytest.mark.parametrize("source", ["fatura", "oracle_fusion", "netsuite"])
def test_the_five_invoices_have_the_documented_attributes(
    five: dict[str, EventLog], source: str
) -> None:
    table = _table(five[source])
    assert table.column_names == list(COLUMNS)
    rows = {row["case_id"]: row for row in table.to_pylist()}
    for case, expected in EXPECTED.items():
        row = rows[case]
        got = (
            row["dso_days"],
            row["is_paid_on_time"],
            row["days_overdue"],
            row["is_rework"],
            None if row["invoice_to_cash_days"] is None else round(row["invoice_to_cash_days"], 6),
            row["posting_lag_days"],
            row["disputed"],
            row["written_off"],
        )
        assert got == expected, (source, case)


def test_the_table_is_the_same_from_the_own_log_oracle_and_netsuite(
    five: dict[str, EventLog],
) -> None:
    tables = {name: _table(log).select(list(SAME_ON_EVERY_SOURCE)) for name, log in five.items()}
    reference = tables["fatura"].to_pylist()
    for name, table in tables.items():
        assert table.to_pylist() == reference, name


@pytest.mark.parametrize("source", ["fatura", "oracle_fusion", "netsuite"])
def test_the_table_agrees_with_the_kpis(five: dict[str, EventLog], source: str) -> None:
    log = five[source]
    frame = _table(log).to_pandas()
    result = quick_kpis(log, options=OPTIONS)
    paid = frame[frame["paid"]]
    assert result["dso"].value == pytest.approx(paid["dso_days"].mean())
    on_time = frame["is_paid_on_time"].dropna()
    assert result["on_time_payment_rate"].value == pytest.approx(on_time.mean())
    assert result["cycle_time"].value == pytest.approx(frame["cycle_time_days"].mean())
    assert result["invoice_to_cash_time"].value == pytest.approx(
        frame["invoice_to_cash_days"].dropna().mean()
    )
    assert result["billing_rework_rate"].value == pytest.approx(frame["is_rework"].mean())
    assert result["payment_posting_lag"].value == pytest.approx(
        frame["posting_lag_days"].dropna().mean()
    )
    assert result["write_off_rate"].value == pytest.approx(frame["written_off"].mean())


@pytest.mark.parametrize(
    ("texts", "cases"),
    [
        (["is_paid_on_time=false"], {"INV-2", "INV-3"}),
        (["is_paid_on_time=true"], {"INV-1"}),
        (["is_paid_on_time!=true"], {"INV-2", "INV-3", "INV-4", "INV-5"}),
        (["days_overdue>30"], {"INV-4"}),
        (["days_overdue>0"], {"INV-2", "INV-3", "INV-4"}),  # "only late invoices"
        (["dso_days>=50", "segment=Enterprise"], {"INV-3"}),
        (["paid=false"], {"INV-4", "INV-5"}),
        (["written_off=sim"], {"INV-4"}),
        (["disputed=true"], {"INV-3"}),
        (["posting_lag_days>0.5"], {"INV-1", "INV-3"}),
        (["cycle_time_days<1"], {"INV-5"}),
        (["events>=10"], {"INV-2", "INV-3"}),
    ],
)
def test_derived_attributes_filter_cases(
    five: dict[str, EventLog], texts: list[str], cases: set[str]
) -> None:
    for source in ("fatura", "netsuite"):
        log = five[source]
        where = parse(texts, zone=ZONE, as_of_us=AS_OF_US)
        names = log.case_names.to_pylist()
        kept = {n for n, keep in zip(names, where.case_mask(log), strict=True) if keep}
        assert kept == cases, (source, texts)
        assert mine(log, where=where).cases == len(cases)


def test_as_of_moves_days_overdue(five: dict[str, EventLog]) -> None:
    log = five["fatura"]
    later = AS_OF_US + 30 * DAY_US
    assert parse(["days_overdue>90"], zone=ZONE, as_of_us=later).case_mask(log).sum() == 1
    assert parse(["days_overdue>90"], zone=ZONE, as_of_us=AS_OF_US).case_mask(log).sum() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("due_at>3", "is an instant"),
        ("paid>1", "is yes/no"),
        ("paid=maybe", "is yes/no"),
        ("days_overdue=soon", "is a number"),
        ("overdue>3", "days_overdue"),  # an unknown key lists the derived ones too
    ],
)
def test_bad_derived_conditions_name_themselves(
    five: dict[str, EventLog], text: str, message: str
) -> None:
    with pytest.raises(FilterError, match=message) as caught:
        parse([text], zone=ZONE).case_mask(five["fatura"])
    assert caught.value.condition == text


# --- filtered outputs equal pm4py's on the same cases ------------------------------------------


def _generated_with_due_dates(cases: int) -> pa.Table:
    table = generate(cases, seed=7)
    frame = table.to_pandas()
    start = frame.groupby("case_id")["timestamp"].transform("min")
    due = start + pd.Timedelta(days=20)
    return table.append_column("due_date", pa.array(due, pa.timestamp("us", tz="UTC")))


def _pandas_derived(frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """IsPaidOnTime and DaysOverdue by the documented rules, with pandas."""
    by = frame.groupby("case_id")
    due = by["due_date"].first()
    received = frame[frame["activity"] == "Payment Received"].groupby("case_id")["timestamp"].max()
    applied = frame[frame["activity"] == "Payment Applied to Invoice"].groupby("case_id")[
        "timestamp"
    ]
    payment = received.reindex(due.index).fillna(applied.max().reindex(due.index))
    end = payment.fillna(as_of)
    late_us = (end - due) // pd.Timedelta(microseconds=1)
    days = np.where(late_us >= 0, late_us // DAY_US + 1, 0)
    return pd.DataFrame(
        {
            "paid_on_time": (payment < due).where(payment.notna()),
            "days_overdue": days,
            "cycle_days": (by["timestamp"].max() - by["timestamp"].min()) / pd.Timedelta(days=1),
        }
    )


def _reference(frame: pd.DataFrame, kept: set[Any]) -> dict[str, Any]:
    chosen = frame[frame["case_id"].isin(kept)][["case_id", "activity", "timestamp"]].copy()
    return pm4py_outputs(
        chosen, case_id="case_id", activity_key="activity", timestamp_key="timestamp"
    )


def test_derived_filters_on_a_generated_log_equal_pm4py() -> None:
    table = _generated_with_due_dates(400)
    log = EventLog.from_table(table, name="generated")
    frame = table.to_pandas()
    as_of = frame["timestamp"].max()
    derived = _pandas_derived(frame, as_of)
    median_cycle = float(derived["cycle_days"].median())
    tried = [
        (["is_paid_on_time=false"], set(derived.index[derived["paid_on_time"] == False])),  # noqa: E712
        (["is_paid_on_time=true"], set(derived.index[derived["paid_on_time"] == True])),  # noqa: E712
        (["days_overdue>30"], set(derived.index[derived["days_overdue"] > 30])),
        (["days_overdue>0"], set(derived.index[derived["days_overdue"] > 0])),
        (
            [f"cycle_time_days>={median_cycle!r}", "days_overdue<=10"],
            set(
                derived.index[
                    (derived["cycle_days"] >= median_cycle) & (derived["days_overdue"] <= 10)
                ]
            ),
        ),
    ]
    for texts, kept in tried:
        assert kept, texts
        document = mine(log, where=parse(texts, zone="UTC")).to_json()
        assert document["cases"] == len(kept), texts
        assert_matches_pm4py(document, _reference(frame, kept))


def test_derived_filters_on_real_logs_equal_pm4py(real_log_frame: tuple[Path, Any]) -> None:
    """Every real log has cycle times and event counts (its invoice attributes are empty)."""
    path, frame = real_log_frame
    frame = frame.assign(**{CASE: frame[CASE].astype(str)})
    stamps = pd.to_datetime(frame[TS], utc=True)
    by = frame.assign(_ts=stamps).groupby(CASE)
    cycle = (by["_ts"].max() - by["_ts"].min()) / pd.Timedelta(days=1)
    events = by.size()
    bound = float(cycle.median())
    many = int(events.median())
    log = read_log(path, naive_zone="UTC", attributes=True)
    tried = 0
    for texts, kept in (
        ([f"cycle_time_days>{bound!r}"], set(cycle.index[cycle > bound])),
        ([f"events>={many}", "paid=false"], set(events.index[events >= many])),
    ):
        document = mine(log, where=parse(texts, zone="UTC")).to_json()
        assert document["cases"] == len(kept), texts
        if kept:
            assert_matches_pm4py(document, pm4py_outputs(frame[frame[CASE].isin(kept)].copy()))
            tried += 1
    assert tried >= 1


def test_every_derived_key_is_a_column() -> None:
    assert set(DERIVED) <= set(COLUMNS)
