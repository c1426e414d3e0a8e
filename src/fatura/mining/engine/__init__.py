"""Mining a log: ``mine(log, engine)`` with ``engine`` one of :data:`ENGINES`.

``fast`` (the default) is the tuned columnar path (:mod:`.fast`); ``duckdb`` and ``spark`` run
the portable Ibis expressions (:mod:`.portable`). All three give the same result.
``where``: a :class:`~.filters.CaseFilter` applied once to the case set before any engine
runs (:mod:`.filters`).
"""

from __future__ import annotations

from typing import Any

from fatura.mining.engine.filters import CaseFilter, FilterError
from fatura.mining.engine.result import Durations, Edge, MiningResult, Variants
from fatura.mining.log import EventLog

ENGINES = ("fast", "duckdb", "spark")

__all__ = [
    "ENGINES",
    "CaseFilter",
    "Durations",
    "Edge",
    "FilterError",
    "MiningResult",
    "Variants",
    "mine",
]


def mine(
    log: EventLog, engine: str = "fast", *, spark: Any = None, where: CaseFilter | None = None
) -> MiningResult:
    """Every output for ``log`` (its cases ``where`` keeps, when given). ``spark``: a
    SparkSession to use (default: a new local one)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if where:
        selected = where.select(log)
        if selected is None:
            return MiningResult.empty()
        log = selected
    if engine == "fast":
        from fatura.mining.engine import fast

        return fast.mine(log)
    from fatura.mining.engine import backends, portable

    if engine == "duckdb":
        with backends.duckdb_log(log.core_table()) as (backend, table):
            return portable.mine(backend, table)
    if engine == "spark":
        session = spark or backends.spark_session()
        with backends.spark_log(session, log.core_table()) as (backend, table):
            return portable.mine(backend, table)
    raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
