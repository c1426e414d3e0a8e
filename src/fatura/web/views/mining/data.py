"""What the mining pages show, computed on the columns of an :class:`EventLog` (no loop over
events): the map's numbers (activities, directly-follows edges, start/end activities, where each
activity first occurs in a case), the variants with their cases and durations, and the cases
behind a node, an edge or a variant."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.engine import Edge, mine
from fatura.mining.log import EventLog

CASE_LIST_SIZE = 50


@dataclass(frozen=True)
class MapData:
    cases: int
    events: int
    activities: dict[str, int]  # by count, descending
    edges: list[Edge]  # by count, descending
    start: dict[str, int]
    end: dict[str, int]
    first_position: dict[str, float]  # mean index of the activity's first event in a case


@dataclass(frozen=True)
class VariantRow:
    rank: int  # 1 = the most frequent
    activities: tuple[str, ...]
    cases: int
    share: float
    mean_seconds: float


@dataclass(frozen=True)
class CaseList:
    title: str
    total: int
    cases: list[str]  # the first CASE_LIST_SIZE, sorted


def map_data(log: EventLog) -> MapData:
    result = mine(log)
    return MapData(
        cases=result.cases,
        events=result.events,
        activities=result.activities,
        edges=list(result.dfg),
        start=result.start_activities,
        end=result.end_activities,
        first_position=_first_positions(log),
    )


def _first_positions(log: EventLog) -> dict[str, float]:
    names = log.activity_names.to_pylist()
    case_codes = log.case_codes.astype(np.int64)
    position = np.arange(log.events, dtype=np.int64) - log.case_offsets[case_codes]
    key = case_codes * len(names) + log.activity_codes
    _keys, first = np.unique(key, return_index=True)  # events are in case order: the first one
    activity = log.activity_codes[first]
    sums = np.bincount(activity, weights=position[first], minlength=len(names))
    counts = np.bincount(activity, minlength=len(names))
    return {name: float(sums[i] / counts[i]) for i, name in enumerate(names) if counts[i]}


def _variant_of_case(log: EventLog) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """The variant code of every case, and each variant's activities (codes unordered)."""
    names = log.activity_names.to_pylist()
    size = 2 if len(names) <= 1 << 16 else 4
    data = log.activity_codes.astype(f">u{size}")
    ends = (log.case_offsets * size).astype(np.int64)
    binary = pa.Array.from_buffers(
        pa.large_binary(), log.cases, [None, pa.py_buffer(ends), pa.py_buffer(data.tobytes())]
    )
    encoded = pc.dictionary_encode(binary)
    variant = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    _codes, first_case = np.unique(variant, return_index=True)
    offsets = log.case_offsets
    steps = [
        tuple(names[c] for c in log.activity_codes[offsets[k] : offsets[k + 1]].tolist())
        for k in first_case.tolist()
    ]
    return variant, steps


def _ranked_variants(log: EventLog) -> tuple[np.ndarray, list[VariantRow]]:
    """The rank (0-based) of each case's variant, and the variants by count then activities."""
    variant, steps = _variant_of_case(log)
    counts = np.bincount(variant, minlength=len(steps))
    offsets = log.case_offsets
    durations = (log.timestamps[offsets[1:] - 1] - log.timestamps[offsets[:-1]]) / 1e6
    sums = np.bincount(variant, weights=durations, minlength=len(steps))
    order = sorted(range(len(steps)), key=lambda v: (-int(counts[v]), steps[v]))
    rank = np.empty(len(steps), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(steps))
    total = max(log.cases, 1)
    rows = [
        VariantRow(
            rank=i + 1,
            activities=steps[v],
            cases=int(counts[v]),
            share=int(counts[v]) / total,
            mean_seconds=float(sums[v] / counts[v]),
        )
        for i, v in enumerate(order)
    ]
    return rank[variant], rows


def variant_rows(log: EventLog) -> list[VariantRow]:
    return _ranked_variants(log)[1]


def _case_list(log: EventLog, case_codes: np.ndarray, title: str) -> CaseList:
    unique = np.unique(case_codes)
    names = log.case_names.take(pa.array(unique))
    first = pc.sort_indices(names)[:CASE_LIST_SIZE]
    return CaseList(title, len(unique), names.take(first).to_pylist())


def _code(log: EventLog, activity: str) -> int | None:
    found = pc.index(log.activity_names, activity).as_py()
    return None if found < 0 else int(found)


def cases_with_activity(log: EventLog, activity: str) -> CaseList | None:
    code = _code(log, activity)
    if code is None:
        return None
    return _case_list(log, log.case_codes[log.activity_codes == code], activity)


def cases_with_edge(log: EventLog, source: str, target: str) -> CaseList | None:
    """Cases where ``target`` directly follows ``source``."""
    a, b = _code(log, source), _code(log, target)
    if a is None or b is None:
        return None
    cases = log.case_codes
    hit = (cases[:-1] == cases[1:]) & (log.activity_codes[:-1] == a) & (log.activity_codes[1:] == b)
    return _case_list(log, cases[:-1][hit], f"{source} → {target}")


def cases_of_variant(log: EventLog, rank: int) -> CaseList | None:
    """Cases of the variant ranked ``rank`` (1-based, as on the page)."""
    ranks, rows = _ranked_variants(log)
    if not 1 <= rank <= len(rows):
        return None
    cases = np.flatnonzero(ranks == rank - 1)
    return _case_list(log, cases, f"#{rank}")
