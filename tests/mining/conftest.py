"""Shared fixtures for the mining tests: the real logs, the pm4py reference, a Spark session.

pm4py (AGPL) is imported here and in tests only, never from src/.
"""

from __future__ import annotations

import math
import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
REAL_LOGS = {
    "running-example": "running-example.xes",
    "receipt": "receipt.xes.gz",
    "roadtraffic100": "roadtraffic100traces.xes",
    "bpic2020-domestic": "bpic2020-domestic-declarations.xes.gz",
    "orders-nonstandard-dates": "orders-nonstandard-dates.xes.gz",
}
REL = 1e-6  # float durations: relative tolerance against pm4py


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "spark: runs PySpark in local mode (needs Java)")


def data_file(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared/data is beside the project in CI)")
    return path


def java_available() -> bool:
    java_home = os.environ.get("JAVA_HOME")
    return bool(shutil.which("java") or (java_home and Path(java_home, "bin", "java").exists()))


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local[1] Spark session for the whole run (starting one costs seconds)."""
    if not java_available():
        pytest.skip("PySpark needs Java (apt-get install openjdk-17-jre-headless)")
    from fatura.mining.engine.backends import spark_session

    session = spark_session("local[1]")
    yield session
    session.stop()


# --- the reference --------------------------------------------------------------------------


def pm4py_outputs(frame: Any, **keys: str) -> dict[str, Any]:
    """Every output computed by pm4py on a pandas frame, in the JSON shape of ``fatura mine``
    (before ordering). ``keys``: case_id / activity_key / timestamp_key of the frame."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pm4py

        frame = pm4py.format_dataframe(frame, **keys)
        dfg, starts, ends = pm4py.discover_dfg(frame)
        performance, _, _ = pm4py.discover_performance_dfg(frame)
        variants = pm4py.get_variants(frame)
        durations = sorted(pm4py.get_all_case_durations(frame))
        activities = pm4py.get_event_attribute_values(frame, "concept:name")
    count = len(durations)
    middle = (durations[(count - 1) // 2] + durations[count // 2]) / 2
    return {
        "cases": frame["case:concept:name"].nunique(),
        "events": len(frame),
        "activities": {str(k): int(v) for k, v in activities.items()},
        "dfg": {
            (a, b): (
                int(n),
                float(performance[(a, b)]["mean"]),
                float(performance[(a, b)]["median"]),
            )
            for (a, b), n in dfg.items()
        },
        "start_activities": {str(k): int(v) for k, v in starts.items()},
        "end_activities": {str(k): int(v) for k, v in ends.items()},
        "variants": {tuple(k): int(v) for k, v in variants.items()},
        "case_durations": {
            "mean_seconds": sum(durations) / count,
            "median_seconds": middle,
            "min_seconds": durations[0],
            "max_seconds": durations[-1],
        },
    }


def read_xes_with_pm4py(path: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pm4py

        return pm4py.read_xes(str(path), show_progress_bar=False)


HEAVY_REAL_LOGS = {"receipt", "bpic2020-domestic"}  # slow to read with pm4py


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(name, marks=pytest.mark.slow) if name in HEAVY_REAL_LOGS else name
        for name in sorted(REAL_LOGS)
    ],
)
def real_log_frame(request: pytest.FixtureRequest) -> tuple[Path, Any]:
    """Each real log's path and pm4py's reading of it (the heavy ones marked slow)."""
    path = data_file(REAL_LOGS[request.param])
    return path, read_xes_with_pm4py(path)


def assert_matches_pm4py(document: dict[str, Any], reference: dict[str, Any]) -> None:
    """``document``: the JSON of ``fatura mine``; counts equal, durations within ``REL``."""
    assert document["cases"] == reference["cases"]
    assert document["events"] == reference["events"]
    assert document["activities"] == reference["activities"]
    assert document["start_activities"] == reference["start_activities"]
    assert document["end_activities"] == reference["end_activities"]
    edges = {(e["source"], e["target"]): e for e in document["dfg"]}
    assert set(edges) == set(reference["dfg"])
    for pair, (count, mean, median) in reference["dfg"].items():
        edge = edges[pair]
        assert edge["count"] == count, pair
        assert close(edge["mean_seconds"], mean), (pair, edge, mean)
        assert close(edge["median_seconds"], median), (pair, edge, median)
    variants = {tuple(v["activities"]): v["count"] for v in document["variants"]}
    assert variants == reference["variants"]
    for key, value in reference["case_durations"].items():
        assert close(document["case_durations"][key], value), (key, value)


def close(ours: float, theirs: float) -> bool:
    return math.isclose(ours, theirs, rel_tol=REL, abs_tol=1e-9)


def assert_canonical_order(document: dict[str, Any]) -> None:
    """The orders promised in docs/mining.md."""
    for key in ("activities", "start_activities", "end_activities"):
        items = list(document[key].items())
        assert items == sorted(items, key=lambda item: (-item[1], item[0]))
    edges = [(-e["count"], e["source"], e["target"]) for e in document["dfg"]]
    assert edges == sorted(edges)
    variants = [(-v["count"], v["activities"]) for v in document["variants"]]
    assert variants == sorted(variants)
