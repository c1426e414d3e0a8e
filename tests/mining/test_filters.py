"""Case filters (fatura.mining.engine.filters): the filtered map, variants and durations equal
pm4py's on the same cases, for every real log; the syntax and its errors; the engines agree.

pm4py is the oracle only: the test picks the cases itself (pandas, by the documented rule) and
lets pm4py mine that sub-log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fatura.mining.engine import mine
from fatura.mining.engine.filters import FilterError, available, parse
from fatura.mining.readers import read_log
from tests.mining.conftest import (
    assert_matches_pm4py,
    pm4py_outputs,
)
from tests.mining.logs import edge_case_table, write_csv

CASE, ACT, TS = "case:concept:name", "concept:name", "time:timestamp"


def _utc(stamps: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(stamps)
    return stamps.dt.tz_localize("UTC") if stamps.dt.tz is None else stamps.dt.tz_convert("UTC")


def _filters(frame: pd.DataFrame) -> list[tuple[list[str], set[Any]]]:
    """Filters that fit the log, each with the cases the documented rule keeps (by pandas)."""
    frame = frame.assign(**{TS: _utc(frame[TS])})
    activities = frame[ACT].value_counts()
    chosen = str(activities.index[min(1, len(activities) - 1)])
    with_it = set(frame.loc[frame[ACT] == chosen, CASE])
    cases = set(frame[CASE])
    starts = frame.groupby(CASE)[TS].min()
    ends = frame.groupby(CASE)[TS].max()
    middle = starts.sort_values().iloc[len(starts) // 2]
    late = ends.sort_values().iloc[(3 * len(ends)) // 4]
    window = set(starts[starts >= middle].index) & set(ends[ends < late].index)
    out = [
        ([f"has:{chosen}"], with_it),
        ([f"lacks:{chosen}"], cases - with_it),
        ([f"from:{middle.isoformat()}", f"to:{late.isoformat()}"], window),
    ]
    first = frame.groupby(CASE).first()  # first non-null per case, in pm4py's order
    for column in first.columns:
        if not column.startswith("case:") or column == CASE:
            continue
        values = first[column].dropna()
        if values.empty:
            continue
        if pd.api.types.is_numeric_dtype(values):
            bound = float(values.median())
            out.append(([f"{column}>={bound!r}"], set(values[values >= bound].index)))
            break
    for column in first.columns:
        if not column.startswith("case:") or column == CASE:
            continue
        values = first[column].dropna()
        if not values.empty and values.map(type).eq(str).all():
            common = str(values.value_counts().index[0])
            out.append(([f"{column}={common}"], set(values[values == common].index)))
            out.append(([f"{column}!={common}"], cases - set(values[values == common].index)))
            break
    return out


def test_filtered_real_logs_equal_pm4py_on_the_same_cases(real_log_frame: tuple[Path, Any]) -> None:
    path, frame = real_log_frame
    frame = frame.assign(**{CASE: frame[CASE].astype(str)})
    log = read_log(path, naive_zone="UTC", attributes=True)
    tried = 0
    for texts, kept in _filters(frame):
        document = mine(log, where=parse(texts, zone="UTC")).to_json()
        assert document["cases"] == len(kept), texts
        if not kept:
            continue
        reference = pm4py_outputs(frame[frame[CASE].isin(kept)].copy())
        assert_matches_pm4py(document, reference)
        tried += 1
    assert tried >= 2


def _edge_log(tmp_path: Path) -> Any:
    table = edge_case_table()
    segments = {"A": "Enterprise", "B": "SMB", "C": "Enterprise", "D": "SMB", "E": "Enterprise"}
    amounts = {"A": 12000.0, "B": 500.0, "C": 10000.0, "D": 4999.99, "E": None}
    cases = table.column("case_id").to_pylist()
    table = table.append_column("segment", [[segments[c] for c in cases]])
    table = table.append_column("amount", [[amounts[c] for c in cases]])
    return read_log(write_csv(table, tmp_path / "edge.csv"), attributes=True)


@pytest.mark.parametrize(
    ("texts", "cases"),
    [
        (["segment=Enterprise"], {"A", "C", "E"}),
        (["segment!=Enterprise"], {"B", "D"}),
        (["amount>=10000"], {"A", "C"}),
        (["amount>10000"], {"A"}),
        (["amount<5000"], {"B", "D"}),
        (["amount<=4999.99", "segment=SMB"], {"B", "D"}),
        (["amount<=4999.99", "amount>=1000"], {"D"}),
        (["has:Payment Reminder Issued"], {"B"}),
        (["lacks:Payment Received"], {"C", "D"}),
        (["from:2024-03-03T00:00:00Z"], {"C", "D", "E"}),
        # a date: through that day in São Paulo (B ends 2024-03-05 21:00 there, A on the 7th)
        (["to:2024-03-05"], {"B", "C", "D"}),
        (["to:2024-03-05T21:00:00-03:00"], {"C", "D"}),
        (["segment=Nobody"], set()),
    ],
)
def test_each_condition_keeps_the_documented_cases(
    tmp_path: Path, texts: list[str], cases: set[str]
) -> None:
    log = _edge_log(tmp_path)
    where = parse(texts, zone="America/Sao_Paulo")
    names = log.case_names.to_pylist()
    kept = {name for name, keep in zip(names, where.case_mask(log), strict=True) if keep}
    assert kept == cases
    result = mine(log, where=where)
    assert result.cases == len(cases)


def test_duckdb_equals_fast_on_a_filtered_log(tmp_path: Path) -> None:
    log = _edge_log(tmp_path)
    where = parse(["segment=Enterprise", "has:Invoice Created"])
    assert mine(log, "duckdb", where=where).to_json() == mine(log, where=where).to_json()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("segment", "not a condition"),
        ("amount>=dez", "not a number"),
        ("from:2026-02-30", "not a date"),
        ("from:2026-02-03T10:00:00", "no offset"),
        ("has:", "needs a value"),
        ("segment=", "needs a value"),
        ("x" * 201, "longer than"),
    ],
)
def test_bad_conditions_are_named(text: str, says: str) -> None:
    with pytest.raises(FilterError, match=says):
        parse([text])


def test_unknown_attribute_and_text_compared_as_number_name_the_filter(tmp_path: Path) -> None:
    log = _edge_log(tmp_path)
    with pytest.raises(FilterError, match=r"'region=Sul'.*no attribute 'region'.*segment"):
        mine(log, where=parse(["region=Sul"]))
    with pytest.raises(FilterError, match="not a number in this log"):
        mine(log, where=parse(["segment>=3"]))
    with pytest.raises(FilterError, match="at most 20"):
        parse(["has:x"] * 21)


def test_available_lists_attributes_and_values(tmp_path: Path) -> None:
    offered = available(_edge_log(tmp_path))
    assert offered["segment"] == {"kind": "text", "values": ["Enterprise", "SMB"], "distinct": 2}
    assert offered["amount"] == {"kind": "number", "min": 500.0, "max": 12000.0}
