"""Connections for the portable engine: an in-process DuckDB, or PySpark (local or a cluster).

Imports are lazy: neither Ibis, DuckDB nor Spark is loaded unless an engine asks for it.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa

# PySpark 4 and Ibis 12 warn about pandas 3 / DuckDB 1.5 deprecations on every call; the
# warnings are theirs to fix and say nothing about the log, so the engines silence them.
PANDAS_WARNING = r"PySpark does not yet fully support pandas"
QUIET_MODULES = r"(ibis|pyspark)(\..*)?"


@contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=PANDAS_WARNING)
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=QUIET_MODULES)
        warnings.filterwarnings("ignore", category=FutureWarning, module=QUIET_MODULES)
        warnings.filterwarnings("ignore", message=r".*(copy keyword|infer_string).*")
        yield


@contextmanager
def duckdb_log(table: pa.Table) -> Iterator[tuple[Any, Any]]:
    """(backend, Ibis table) over ``table`` in a fresh in-memory DuckDB."""
    import ibis

    backend = ibis.duckdb.connect()
    name = f"fatura_log_{uuid.uuid4().hex}"
    backend.con.register(name, table)  # zero-copy scan of the Arrow table
    try:
        with _quiet():
            yield backend, backend.table(name)
    finally:
        backend.disconnect()


def spark_session(master: str | None = None) -> Any:
    """A Spark session for mining: UTC session time zone, no UI, few shuffle partitions.

    ``master`` defaults to ``FATURA_SPARK_MASTER`` or ``local[*]``.
    """
    from pyspark.sql import SparkSession

    master = master or os.environ.get("FATURA_SPARK_MASTER", "local[*]")
    threads = master.removeprefix("local[").removesuffix("]")
    cores = int(threads) if threads.isdigit() else (os.cpu_count() or 1)
    partitions = str(2 * cores if master.startswith("local") else 200)
    with _quiet():
        session = (
            SparkSession.builder.master(master)
            .appName("fatura-mine")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", partitions)
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    return session


@contextmanager
def spark_log(session: Any, table: pa.Table) -> Iterator[tuple[Any, Any]]:
    """(backend, Ibis table) over ``table`` as a temporary view in ``session``."""
    import ibis

    name = f"fatura_log_{uuid.uuid4().hex}"
    with _quiet():
        session.createDataFrame(table).createOrReplaceTempView(name)
        backend = ibis.pyspark.connect(session)
        try:
            yield backend, backend.table(name)
        finally:
            session.catalog.dropTempView(name)
