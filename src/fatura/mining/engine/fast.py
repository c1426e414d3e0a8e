"""The fast path: every output from the log's integer-coded arrays with NumPy and Arrow kernels.

The log is already in order (one sort, in :class:`~fatura.mining.log.EventLog`), so:

- activities, start and end activities are ``bincount``s of activity codes (all events, the
  first and the last event of each case);
- the directly-follows pairs are neighbouring events of the same case: an edge code
  ``source * A + target`` and a duration ``t[i+1] - t[i]`` (microseconds, exact integers);
  the pairs are grouped by edge with NumPy's radix sort (a stable ``argsort`` of the edge
  code as uint16), counts are a ``bincount``, sums an exact ``add.reduceat`` and medians a
  ``partition`` inside each group;
- a variant is the bytes of the case's activity codes: a zero-copy Arrow binary array over the
  codes, counted by Arrow's hash kernel (``value_counts``);
- case durations are last - first timestamp per case.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.engine.result import Durations, Edge, MiningResult, Variants
from fatura.mining.log import EventLog

MICRO = 1_000_000


def mine(log: EventLog) -> MiningResult:
    names: list[str] = log.activity_names.to_pylist()
    codes = log.activity_codes
    stamps = log.timestamps
    offsets = log.case_offsets
    firsts, lasts = offsets[:-1], offsets[1:] - 1
    return MiningResult.build(
        cases=log.cases,
        events=log.events,
        activities=_counts(codes, names),
        dfg=_dfg(codes, stamps, lasts, names),
        start_activities=_counts(codes[firsts], names),
        end_activities=_counts(codes[lasts], names),
        variants=_variants(codes, offsets, names),
        case_durations=_durations(stamps[lasts] - stamps[firsts]),
    )


def _counts(codes: np.ndarray, names: list[str]) -> dict[str, int]:
    counts = np.bincount(codes, minlength=len(names))
    return {names[i]: int(counts[i]) for i in np.flatnonzero(counts)}


def _dfg(codes: np.ndarray, stamps: np.ndarray, lasts: np.ndarray, names: list[str]) -> list[Edge]:
    if len(codes) < 2:
        return []
    if len(names) * len(names) < 1 << 16:
        return _dfg_small(codes, stamps, lasts, names)
    follows = np.ones(len(codes) - 1, dtype=bool)
    follows[lasts[:-1]] = False  # the last event of a case has no successor in it
    width = len(names)
    edge: np.ndarray = codes[:-1].astype(np.int32 if width * width < 2**31 else np.int64)
    edge *= width
    edge += codes[1:]
    edge = edge[follows]
    waited = np.diff(stamps)[follows]
    del follows
    if len(edge) == 0:
        return []
    present, group = np.unique(edge, return_inverse=True) if width > 4096 else _dense(edge, width)
    del edge
    sizes = np.bincount(group, minlength=len(present))
    starts = np.zeros(len(sizes), dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    ordered = _grouped(group, waited, len(present))
    return _edges(names, present, sizes, starts, ordered)


def _dfg_small(
    codes: np.ndarray, stamps: np.ndarray, lasts: np.ndarray, names: list[str]
) -> list[Edge]:
    """Up to 255 activities: the edge code fits in uint16 and is its own group number; the
    pairs that cross cases get code A * A and sort after every edge (no filtering copies)."""
    width = len(names)
    crossing = width * width
    edge = codes[:-1].astype(np.uint16)
    edge *= width
    np.add(edge, codes[1:], out=edge, casting="unsafe")
    edge[lasts[:-1]] = crossing
    every = np.bincount(edge, minlength=crossing + 1)
    order = np.argsort(edge, kind="stable")  # radix sort: O(n) for uint16
    del edge
    ordered = np.diff(stamps)[order]
    del order
    all_starts = np.zeros(crossing + 1, dtype=np.int64)
    np.cumsum(every[:-1], out=all_starts[1:])
    present = np.flatnonzero(every[:crossing])
    within = ordered[: all_starts[crossing]]  # the crossing pairs, sorted last, left out
    return _edges(names, present, every[present], all_starts[present], within)


def _edges(
    names: list[str],
    present: np.ndarray,
    sizes: np.ndarray,
    starts: np.ndarray,
    ordered: np.ndarray,
) -> list[Edge]:
    """Edges from the durations grouped by edge (group k at ``starts[k]``, ``sizes[k]`` long)."""
    if len(present) == 0:
        return []
    width = len(names)
    totals = np.add.reduceat(ordered, starts)
    medians = [
        _median(ordered[a : a + n]) for a, n in zip(starts.tolist(), sizes.tolist(), strict=True)
    ]
    return [
        Edge(
            names[code // width],
            names[code % width],
            size,
            total / size / MICRO,
            median / MICRO,
        )
        for code, size, total, median in zip(
            present.tolist(), sizes.tolist(), totals.tolist(), medians, strict=True
        )
    ]


def _dense(edge: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(edge codes that occur, each pair's index among them) without sorting the pairs."""
    seen = np.zeros(width * width, dtype=bool)
    seen[edge] = True
    present = np.flatnonzero(seen)
    index = np.zeros(width * width, dtype=np.int32)
    index[present] = np.arange(len(present), dtype=np.int32)
    return present, index[edge]


def _grouped(group: np.ndarray, values: np.ndarray, groups: int) -> np.ndarray:
    """``values`` with each group's values together (groups in order): NumPy's radix sort for
    up to 65,536 groups, a comparison sort beyond."""
    if groups <= 1 << 16:
        order = np.argsort(group.astype(np.uint16), kind="stable")
    else:
        order = np.argsort(group, kind="stable")
    return values[order]


def _median(values: np.ndarray) -> float:
    """The median (mean of the two middle values for an even count), in place."""
    n = len(values)
    middle = n // 2
    if n % 2:
        values.partition(middle)
        return float(values[middle])
    values.partition((middle - 1, middle))
    return (float(values[middle - 1]) + float(values[middle])) / 2


def _variants(codes: np.ndarray, offsets: np.ndarray, names: list[str]) -> Variants:
    size = 1 if len(names) <= 1 << 8 else 2 if len(names) <= 1 << 16 else 4
    data = codes.astype(f"<u{size}")
    ends = offsets * size
    binary = pa.Array.from_buffers(
        pa.large_binary(), len(offsets) - 1, [None, pa.py_buffer(ends), pa.py_buffer(data)]
    )
    counted = pc.value_counts(binary)
    distinct = counted.field("values")
    distinct_ends = np.frombuffer(distinct.buffers()[1], dtype=np.int64)[
        distinct.offset : distinct.offset + len(distinct) + 1
    ]
    distinct_codes = np.frombuffer(distinct.buffers()[2], dtype=f"<u{size}")
    start = distinct_ends[0]
    return Variants(
        names,
        distinct_codes[start // size : distinct_ends[-1] // size].astype(np.int64),
        (distinct_ends - start) // size,
        np.asarray(counted.field("counts").to_numpy(), dtype=np.int64),
    )


def _durations(microseconds: np.ndarray) -> Durations:
    return Durations(
        mean_seconds=float(int(microseconds.sum()) / len(microseconds) / MICRO),
        median_seconds=float(np.median(microseconds) / MICRO),
        min_seconds=float(microseconds.min() / MICRO),
        max_seconds=float(microseconds.max() / MICRO),
    )
