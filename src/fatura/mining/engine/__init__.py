"""Mining a log: ``mine(log, engine)`` with ``engine`` one of :data:`ENGINES`.

``fast`` (the default) is the tuned columnar path (:mod:`.fast`); ``duckdb`` and ``spark`` run
the portable Ibis expressions (:mod:`.portable`). All three give the same result.
"""

from __future__ import annotations

from typing import Any

from fatura.mining.engine.result import Durations, Edge, MiningResult, Variants
from fatura.mining.log import EventLog

ENGINES = ("fast", "duckdb", "spark")

__all__ = ["ENGINES", "Durations", "Edge", "MiningResult", "Variants", "mine"]


def mine(log: EventLog, engine: str = "fast", *, spark: Any = None) -> MiningResult:
    """Every output for ``log``. ``spark``: a SparkSession to use (default: a new local one)."""
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
