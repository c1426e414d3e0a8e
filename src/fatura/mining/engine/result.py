"""What mining a log gives: the same value from every engine, and its JSON form.

Orders are fixed here, so two engines' JSON can be compared as text: activities, start and end
activities by count (descending) then name; edges by count then source and target; variants by
count then their sequence of activity names (compared name by name, a prefix first).

Variants stay columnar (:class:`Variants`): a log can have hundreds of thousands of them, and
sorting or printing them as Python tuples would cost more than mining the log.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Edge:
    """One arc of the directly-follows graph; durations in seconds (next event − this one)."""

    source: str
    target: str
    count: int
    mean_seconds: float
    median_seconds: float


@dataclass(frozen=True)
class Durations:
    """Case durations in seconds (first -> last event of each case)."""

    mean_seconds: float
    median_seconds: float
    min_seconds: float
    max_seconds: float


class Variants:
    """Distinct activity sequences with their number of cases, in canonical order.

    ``codes[offsets[k]:offsets[k + 1]]`` are the activity codes (into ``names``) of variant
    ``k``, which ``counts[k]`` cases follow.
    """

    def __init__(
        self, names: list[str], codes: np.ndarray, offsets: np.ndarray, counts: np.ndarray
    ) -> None:
        order = _canonical_order(names, codes, offsets, counts)
        lists = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int64)), pa.array(codes))
        lists = lists.take(pa.array(order))
        self.names = names
        self.codes = np.asarray(lists.flatten().to_numpy(zero_copy_only=False), dtype=np.int64)
        self.offsets = np.asarray(lists.offsets.to_numpy(), dtype=np.int64) - int(
            lists.offsets[0].as_py()
        )
        self.counts = counts[order]

    @classmethod
    def from_lists(cls, sequences: pa.Array | pa.ChunkedArray, counts: Any) -> Variants:
        """From a list<string> column and a count column (what a SQL engine returns)."""
        if isinstance(sequences, pa.ChunkedArray):
            sequences = sequences.combine_chunks()
        flat = pc.dictionary_encode(sequences.flatten())
        offsets = np.asarray(sequences.offsets.to_numpy(), dtype=np.int64)
        return cls(
            flat.dictionary.to_pylist(),
            np.asarray(flat.indices.to_numpy(zero_copy_only=False), dtype=np.int64),
            offsets - offsets[0],
            np.asarray(counts, dtype=np.int64),
        )

    def __len__(self) -> int:
        return len(self.counts)

    def __iter__(self) -> Iterator[tuple[tuple[str, ...], int]]:
        names = self.names
        for k, count in enumerate(self.counts.tolist()):
            steps = self.codes[self.offsets[k] : self.offsets[k + 1]].tolist()
            yield tuple(names[c] for c in steps), count

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Variants) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def json_items(self) -> list[str]:
        """Each variant as its JSON object text, rendered with Arrow string kernels."""
        if not len(self.counts):
            return []
        quoted = pa.array([json.dumps(name, ensure_ascii=False) for name in self.names])
        steps = pa.ListArray.from_arrays(pa.array(self.offsets), quoted.take(pa.array(self.codes)))
        joined = pc.binary_join(steps, ", ")
        counts = pc.cast(pa.array(self.counts), pa.string())
        items = pc.binary_join_element_wise(
            '{"activities": [', joined, '], "count": ', counts, "}", ""
        )
        return items.to_pylist()


def _canonical_order(
    names: list[str], codes: np.ndarray, offsets: np.ndarray, counts: np.ndarray
) -> np.ndarray:
    """Count descending, then the sequence of names: the bytes of big-endian name ranks
    compare exactly like the tuples of names (a prefix sorts first)."""
    rank = np.empty(len(names), dtype=np.int64)
    rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    size = 2 if len(names) <= 1 << 16 else 4
    data = rank[codes].astype(f">u{size}")
    ends = offsets.astype(np.int64) * size
    binary = pa.Array.from_buffers(
        pa.large_binary(), len(counts), [None, pa.py_buffer(ends), pa.py_buffer(data)]
    )
    table = pa.table({"count": pa.array(np.asarray(counts, dtype=np.int64)), "steps": binary})
    indices = pc.sort_indices(table, sort_keys=[("count", "descending"), ("steps", "ascending")])
    return np.asarray(indices.to_numpy(), dtype=np.int64)


@dataclass(frozen=True)
class MiningResult:
    cases: int
    events: int
    activities: dict[str, int]
    dfg: list[Edge]
    start_activities: dict[str, int]
    end_activities: dict[str, int]
    variants: Variants
    case_durations: Durations
    kpis: dict[str, Any] | None = None  # docs/mining-kpis.md; only when asked and applicable

    @classmethod
    def build(
        cls,
        *,
        cases: int,
        events: int,
        activities: dict[str, int],
        dfg: list[Edge],
        start_activities: dict[str, int],
        end_activities: dict[str, int],
        variants: Variants,
        case_durations: Durations,
    ) -> MiningResult:
        """The result in its canonical orders (whatever order the engine produced)."""
        return cls(
            cases=cases,
            events=events,
            activities=_by_count(activities),
            dfg=sorted(dfg, key=lambda e: (-e.count, e.source, e.target)),
            start_activities=_by_count(start_activities),
            end_activities=_by_count(end_activities),
            variants=variants,
            case_durations=case_durations,
        )

    @classmethod
    def empty(cls) -> MiningResult:
        """No case (a filter that keeps none): zero counts, durations 0."""
        none = np.zeros(0, dtype=np.int64)
        return cls(
            cases=0,
            events=0,
            activities={},
            dfg=[],
            start_activities={},
            end_activities={},
            variants=Variants([], none, np.zeros(1, dtype=np.int64), none),
            case_durations=Durations(0.0, 0.0, 0.0, 0.0),
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON document as Python values (for small logs and tests; the CLI streams)."""
        document = self._head()
        document["variants"] = [{"activities": list(v), "count": n} for v, n in self.variants]
        document["case_durations"] = self._durations()
        if self.kpis is not None:
            document["kpis"] = self.kpis
        return document

    def write_json(self, stream: Any) -> None:
        """Write the JSON document; the variants are rendered in bulk (see ``json_items``)."""
        stream.write("{\n")
        for key, value in self._head().items():
            if key == "dfg":
                edges = ",\n  ".join(json.dumps(edge, ensure_ascii=False) for edge in value)
                stream.write(f' "dfg": [\n  {edges}\n ],\n' if value else ' "dfg": [],\n')
            else:
                stream.write(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
        items = self.variants.json_items()
        if items:
            stream.write(' "variants": [\n  ')
            stream.write(",\n  ".join(items))
            stream.write("\n ],\n")
        else:
            stream.write(' "variants": [],\n')
        stream.write(f' "case_durations": {json.dumps(self._durations())}')
        if self.kpis is not None:
            stream.write(f',\n "kpis": {json.dumps(self.kpis, ensure_ascii=False)}')
        stream.write("\n}\n")

    def _head(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "events": self.events,
            "activities": self.activities,
            "dfg": [
                {
                    "source": e.source,
                    "target": e.target,
                    "count": e.count,
                    "mean_seconds": e.mean_seconds,
                    "median_seconds": e.median_seconds,
                }
                for e in self.dfg
            ],
            "start_activities": self.start_activities,
            "end_activities": self.end_activities,
        }

    def _durations(self) -> dict[str, float]:
        d = self.case_durations
        return {
            "mean_seconds": d.mean_seconds,
            "median_seconds": d.median_seconds,
            "min_seconds": d.min_seconds,
            "max_seconds": d.max_seconds,
        }


def _by_count(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
