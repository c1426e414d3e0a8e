"""The columnar log: ordering rule (case, timestamp, position in the file), integer codes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fatura.mining.errors import LogError
from fatura.mining.log import EventLog, encode, stable_order

UTC_US = pa.timestamp("us", tz="UTC")


def log_of(rows: list[tuple[str, str, int]]) -> EventLog:
    cases, activities, seconds = zip(*rows, strict=True)
    return EventLog.from_table(
        pa.table(
            {
                "case_id": list(cases),
                "activity": list(activities),
                "timestamp": pa.array([s * 1_000_000 for s in seconds], UTC_US),
            }
        )
    )


def sequences(log: EventLog) -> dict[str, list[str]]:
    names = log.activity_names.to_pylist()
    cases = log.case_names.to_pylist()
    return {
        cases[k]: [
            names[c] for c in log.activity_codes[log.case_offsets[k] : log.case_offsets[k + 1]]
        ]
        for k in range(log.cases)
    }


def test_events_of_a_case_are_ordered_by_time_and_ties_keep_file_order() -> None:
    log = log_of(
        [
            ("a", "second", 5),
            ("b", "only", 1),
            ("a", "first", 1),
            ("a", "tie-1", 7),
            ("a", "tie-2", 7),
            ("a", "third", 6),
            ("a", "tie-3", 7),
        ]
    )
    assert sequences(log) == {
        "a": ["first", "second", "third", "tie-1", "tie-2", "tie-3"],
        "b": ["only"],
    }
    assert log.table.column("event_index").to_pylist() == [2, 0, 5, 3, 4, 6, 1]
    assert log.table.column("case_id").to_pylist() == ["a"] * 6 + ["b"]
    assert log.events == 7 and log.cases == 2


def test_a_log_already_in_order_is_not_sorted() -> None:
    log = log_of([("a", "x", 1), ("a", "y", 1), ("b", "x", 0), ("b", "z", 3)])
    assert log.order is None
    assert sequences(log) == {"a": ["x", "y"], "b": ["x", "z"]}


def test_codes_are_dense_and_in_order_of_first_appearance() -> None:
    codes, names = encode(pa.array(["b", "a", "b", "c"]))
    assert codes.tolist() == [0, 1, 0, 2] and names.to_pylist() == ["b", "a", "c"]
    dictionary = pa.DictionaryArray.from_arrays(
        pa.array([2, 0, 2], pa.int32()), ["x", "unused", "y"]
    )
    chunked = pa.chunked_array([dictionary, dictionary.slice(1)])  # the same dictionary twice
    codes, names = encode(chunked)
    assert sorted(names.to_pylist()) == ["x", "y"]  # "unused" dropped
    assert [names[c].as_py() for c in codes] == ["y", "x", "y", "x", "y"]


def test_dictionaries_that_differ_between_chunks_are_unified() -> None:
    first = pa.DictionaryArray.from_arrays(pa.array([0, 1], pa.int32()), ["p", "q"])
    second = pa.DictionaryArray.from_arrays(pa.array([0, 1], pa.int32()), ["q", "r"])
    codes, names = encode(pa.chunked_array([first, second]))
    assert [names[c].as_py() for c in codes] == ["p", "q", "q", "r"]


def test_integer_case_ids_become_text() -> None:
    table = pa.table(
        {
            "case_id": [10, 2, 10],
            "activity": ["x", "y", "z"],
            "timestamp": pa.array([1, 2, 3], UTC_US),
        }
    )
    log = EventLog.from_table(table)
    assert log.case_names.to_pylist() == ["10", "2"]
    assert log.table.column("case_id").type == pa.string()


def test_missing_values_and_columns_are_refused() -> None:
    with pytest.raises(LogError, match=r"missing column.*timestamp"):
        EventLog.from_table(pa.table({"case_id": ["a"], "activity": ["x"]}))
    with pytest.raises(LogError, match="row 2 has no activity"):
        EventLog.from_table(
            pa.table(
                {
                    "case_id": ["a", "a"],
                    "activity": ["x", None],
                    "timestamp": pa.array([1, 2], UTC_US),
                }
            )
        )
    with pytest.raises(LogError, match="no events"):
        EventLog.from_table(
            pa.table(
                {
                    "case_id": pa.array([], pa.string()),
                    "activity": pa.array([], pa.string()),
                    "timestamp": pa.array([], UTC_US),
                }
            )
        )


def _reference_order(cases: np.ndarray, stamps: np.ndarray) -> np.ndarray:
    return np.lexsort((np.arange(len(cases)), stamps, cases))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 6)), min_size=1, max_size=80),
    st.sampled_from([1, 10**6, 10**12, 2**40]),  # small and huge time ranges (all key paths)
    st.booleans(),
)
def test_stable_order_is_the_lexicographic_order(
    rows: list[tuple[int, int]], scale: int, time_ordered: bool
) -> None:
    if time_ordered:
        rows = sorted(rows, key=lambda row: row[1])
    _, cases = np.unique([case for case, _ in rows], return_inverse=True)
    cases = cases.astype(np.int32)
    stamps = np.array([stamp for _, stamp in rows], dtype=np.int64) * scale
    order = stable_order(cases, stamps, int(cases.max()) + 1)
    got = np.arange(len(rows)) if order is None else order
    assert got.tolist() == _reference_order(cases, stamps).tolist()


def test_stable_order_falls_back_to_lexsort_when_keys_do_not_fit() -> None:
    rng = np.random.default_rng(1)
    cases = rng.integers(0, 2**20, 5000).astype(np.int32)
    stamps = rng.integers(-(2**60), 2**60, 5000)
    stamps[::7] = stamps[0]  # ties
    order = stable_order(cases, stamps, 2**20)
    assert order is not None
    assert order.tolist() == _reference_order(cases, stamps).tolist()
