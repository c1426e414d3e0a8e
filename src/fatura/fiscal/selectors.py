"""Reads of the fiscal app: the KPI frames straight from SQL (no model instances: the KPI runs
over a million rows), the expected-lag settings, the backlog, and the report rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
from django.db import connection

from fatura.core import clock
from fatura.core.errors import NotFound
from fatura.customers.models import Customer
from fatura.fiscal import kpi, kpi_read
from fatura.fiscal.kpi_read import bounds as _bounds
from fatura.fiscal.kpi_read import expected_lags, with_expected_days, zone
from fatura.fiscal.models import (
    DelayReason,
    Nfse,
    NfseCoverage,
    NfseImport,
    ServiceOrder,
)

CHUNK = 50_000
COVERAGE_SCHEMA = {  # the KPI's columns: numbers, and the two texts it groups by
    "nfse_id": pl.Int64,
    "issued_us": pl.Int64,
    "nfse_status": pl.Utf8,
    "order_id": pl.Int64,
    "customer_id": pl.Int64,
    "service_type": pl.Utf8,
    "team": pl.Utf8,
    "completed_us": pl.Int64,
    "billed_us": pl.Int64,
    "share_cents": pl.Int64,
    "delay_reason": pl.Utf8,  # the order's delay reason (label), null without one
    "delay_kind": pl.Utf8,
}
CUSTOMER_SCHEMA = {"customer_id": pl.Int64, "customer": pl.Utf8, "customer_document": pl.Utf8}
ORDER_SCHEMA = {
    "order_id": pl.Int64,
    "customer_id": pl.Int64,
    "service_type": pl.Utf8,
    "team": pl.Utf8,
    "completed_us": pl.Int64,
    "billed_us": pl.Int64,
    "value_cents": pl.Int64,
}


def _epoch_us(column: str) -> str:
    """SQL for a datetime column as integer microseconds since the epoch, exactly."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM {column}) * 1000000)::bigint"
    # SQLite keeps "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC: handed over as text (an expression,
    # so the driver's datetime converter stays out of it) and parsed by Polars in bulk
    # (:func:`_frame`), which costs a fraction of strftime() per row in SQL.
    return f"({column} || '')"


def _cents(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} * 100)::bigint"
    return f"CAST(ROUND({column} * 100) AS INTEGER)"


def _frame(sql: str, params: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """The rows of ``sql`` as a frame of ``schema``; on SQLite the ``*_us`` columns arrive as
    text (see :func:`_epoch_us`) and are parsed here."""
    text = connection.vendor != "postgresql"
    read = {k: (pl.Utf8 if text and k.endswith("_us") else v) for k, v in schema.items()}
    parts = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            parts.append(pl.DataFrame(rows, schema=read, orient="row"))
    frame = pl.concat(parts) if parts else pl.DataFrame(schema=read)
    if text:
        frame = frame.with_columns(
            pl.col(k)
            .str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=True)
            .dt.epoch("us")
            for k in read
            if k.endswith("_us")
        )
    return frame


def customers_frame() -> pl.DataFrame:
    """Every customer's name and CPF/CNPJ (a small table, joined to the frames by id)."""
    table = Customer._meta.db_table
    return _frame(f"SELECT id, name, document FROM {table}", [], CUSTOMER_SCHEMA)


def coverage_frame(start: dt.date, end: dt.date, *, detail: bool = False) -> pl.DataFrame:
    """Shares of NFS-e issued from ``start`` to ``end`` (local dates), with expected days and
    the customer's name and document; ``detail`` adds the NFS-e and order numbers (reports).
    Only numbers and two short texts come from SQL per row: reading rows into Python is what
    costs, on SQLite most of all."""
    low, high = _bounds(start, end)
    n, c, o = Nfse._meta.db_table, NfseCoverage._meta.db_table, ServiceOrder._meta.db_table
    r = DelayReason._meta.db_table
    numbers = ", n.number, o.number" if detail else ""
    sql = f"""
        SELECT n.id, {_epoch_us("n.issued_at")}, n.status, o.id, o.customer_id,
               o.service_type, o.team, {_epoch_us("o.completed_at")},
               {_epoch_us("o.billed_at")}, {_cents("c.value")}, r.label, r.kind{numbers}
        FROM {c} c
        JOIN {n} n ON n.id = c.nfse_id
        JOIN {o} o ON o.id = c.service_order_id
        LEFT JOIN {r} r ON r.id = o.delay_reason_id
        WHERE n.issued_at >= %s AND n.issued_at < %s
    """
    schema = dict(COVERAGE_SCHEMA)
    if detail:
        schema |= {"nfse_number": pl.Utf8, "order_number": pl.Utf8}
    frame = _frame(sql, [low, high], schema)
    frame = frame.join(customers_frame(), on="customer_id", how="left")
    return with_expected_days(frame, expected_lags())


def orders_frame(
    *,
    completed_from: dt.date | None = None,
    completed_to: dt.date | None = None,
    covered: bool = False,
) -> pl.DataFrame:
    """Service orders not cancelled (completed in the range when given); ``covered`` adds the
    order number, the customer and ``covered_cents``, what issued NFS-e already cover (the
    backlog needs it, the KPI does not)."""
    o, c, n = ServiceOrder._meta.db_table, NfseCoverage._meta.db_table, Nfse._meta.db_table
    where, params = ["o.status <> 'cancelled'"], []
    if completed_from and completed_to:
        low, high = _bounds(completed_from, completed_to)
        where.append("o.completed_at >= %s AND o.completed_at < %s")
        params += [low, high]
    columns = f"""o.id, o.customer_id, o.service_type, o.team, {_epoch_us("o.completed_at")},
               {_epoch_us("o.billed_at")}, {_cents("o.value")}"""
    schema = dict(ORDER_SCHEMA)
    if not covered:
        sql = f"SELECT {columns} FROM {o} o WHERE {' AND '.join(where)}"
        return _frame(sql, params, schema)
    r = DelayReason._meta.db_table
    sql = f"""
        SELECT {columns}, o.number, COALESCE(cov.cents, 0), r.label, r.kind
        FROM {o} o
        LEFT JOIN {r} r ON r.id = o.delay_reason_id
        LEFT JOIN (
            SELECT c.service_order_id AS order_id, SUM({_cents("c.value")}) AS cents
            FROM {c} c JOIN {n} n ON n.id = c.nfse_id AND n.status = 'issued'
            GROUP BY c.service_order_id
        ) cov ON cov.order_id = o.id
        WHERE {" AND ".join(where)}
    """
    schema |= {
        "order_number": pl.Utf8,
        "covered_cents": pl.Int64,
        "delay_reason": pl.Utf8,
        "delay_kind": pl.Utf8,
    }
    frame = _frame(sql, params, schema)
    return frame.join(customers_frame(), on="customer_id", how="left")


def nfse_after_billing(
    period: kpi.Period, *, filters: kpi.Filters | None = None, group_by: str | None = None
) -> kpi.NfseKpi:
    """The KPI for ``period`` from the database (see :func:`fatura.fiscal.kpi`; read by
    :mod:`fatura.fiscal.kpi_read`)."""
    return kpi_read.nfse_after_billing(period, filters=filters, group_by=group_by)


def post_service_rows(period: kpi.Period, filters: kpi.Filters | None = None) -> pl.DataFrame:
    """Relatório de Faturamento Pós-Serviço: each counted share (NFS-e × service order) with
    completion, billing, issue, lag, value and whether within the expected lag."""
    counted = kpi.issued_after_billing(
        coverage_frame(period.start, period.end, detail=True),
        period,
        filters or kpi.Filters(),
        zone(),
    )
    return counted.sort(["issued_us", "nfse_number", "order_number"])


def backlog(
    *, as_of: dt.datetime | None = None, filters: kpi.Filters | None = None
) -> pl.DataFrame:
    """Orders completed and billed whose NFS-e is still missing (in whole or part) after their
    expected lag, oldest overdue first. Columns of :data:`ORDER_SCHEMA` plus
    ``uncovered_cents``, ``expected_days``, ``days_waiting``, ``days_late``."""
    moment = as_of or clock.now()
    now_us = (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
    orders = orders_frame(covered=True)
    waiting = (
        kpi.filtered(orders.lazy(), filters or kpi.Filters(), "completed_us", zone())
        .filter(
            pl.col("completed_us").is_not_null()
            & pl.col("billed_us").is_not_null()
            & (pl.col("value_cents") > pl.col("covered_cents"))
        )
        .collect()
    )
    frame = with_expected_days(waiting, expected_lags())
    return (
        frame.with_columns(
            uncovered_cents=pl.col("value_cents") - pl.col("covered_cents"),
            days_waiting=(now_us - pl.col("completed_us")) / kpi.DAY_US,
        )
        .with_columns(days_late=pl.col("days_waiting") - pl.col("expected_days"))
        .filter(pl.col("days_late") > 0)
        .sort(["days_late", "order_number"], descending=[True, False])
    )


def example_customer_document() -> str | None:
    """A registered customer's CPF/CNPJ, one with service orders first, for an example file
    that imports as it is; None without customers."""
    customer = (
        Customer.objects.filter(service_orders__isnull=False).order_by("name", "id").first()
        or Customer.objects.order_by("name", "id").first()
    )
    return customer.document if customer else None


def nfse_import_get(import_id: int) -> NfseImport:
    """An NFS-e zip import in any state (queued, running, done, failed)."""
    job = NfseImport.objects.filter(pk=import_id).first()
    if job is None:
        raise NotFound(f"Importação de NFS-e {import_id} não encontrada.")
    return job
