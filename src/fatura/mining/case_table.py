"""Per-invoice derived attributes as one table: a row per case of the log, in the log's case
order (docs/decisions/0036-derived-attributes-table.md, docs/mining-kpis.md).

Built from the KPIs' own derivation (:func:`fatura.mining.kpis.fast.steps` /
:func:`~fatura.mining.kpis.fast.cases`), so a row says what the KPIs count for that invoice:

=========================  =========  ==============================================================
column                     type       meaning
=========================  =========  ==============================================================
``case_id``                string     the case (invoice)
``customer`` …             string     the case attributes of :data:`TEXT`
``amount``                 float64    the case's amount (first one in the case)
``events``                 int64      events of the case
``invoice_at``             timestamp  invoice date (else the first ``Invoice Created``)
``due_at``                 timestamp  the due deadline (a due *date*: the next local midnight)
``paid_at``                timestamp  last ``Payment Received`` (else ``Payment Applied``)
``paid``                   bool       has a payment
``dso_days``               float64    DSO: payment − invoice date, days (null when unpaid)
``is_paid_on_time``        bool       paid before the due deadline (null: unpaid or no due date)
``days_overdue``           int64      whole days past the due date as of the payment, else as of
                                      ``as_of``: 0 up to the deadline, 1 on the day after the due
                                      date … (the aging's count); null without a due date
``is_rework``              bool       some event of the billing phase is IsRework (an activity
                                      repeated, or approved after a rejection): what the
                                      KPI ``billing_rework_rate`` counts
``cycle_time_days``        float64    InvoiceCycleTime: last − first event, days
``invoice_to_cash_days``   float64    InvoiceToCashCycleTime: payment − first Invoice Created
``posting_lag_days``       float64    PaymentPostingLag, days
``disputed``               bool       has a ``Dispute Registered``
``written_off``            bool       has an ``Invoice Written Off``
=========================  =========  ==============================================================

Every name in :data:`DERIVED` can be a case filter (``--where "days_overdue>30"``,
``is_paid_on_time=false``): :mod:`fatura.mining.engine.filters` reads it from this table when
the log has no attribute of that name. NumPy and Arrow only (no Django, no Ibis).
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.log import EventLog

DAY_US = 86_400_000_000
TEXT = ("customer", "segment", "business_unit", "billing_department", "region", "country",
        "collector", "payment_method")  # fmt: skip
# the derived columns (filterable), with their kind: number, bool or instant
DERIVED: dict[str, str] = {
    "events": "number",
    "invoice_at": "instant",
    "due_at": "instant",
    "paid_at": "instant",
    "paid": "bool",
    "dso_days": "number",
    "is_paid_on_time": "bool",
    "days_overdue": "number",
    "is_rework": "bool",
    "cycle_time_days": "number",
    "invoice_to_cash_days": "number",
    "posting_lag_days": "number",
    "disputed": "bool",
    "written_off": "bool",
}
COLUMNS = ("case_id", *TEXT, "amount", *DERIVED)
INSTANT = pa.timestamp("us", tz="UTC")


def _days(values: pa.Array) -> pa.Array:
    return pc.divide(pc.cast(values, pa.float64()), float(DAY_US))


def _instant(values: pa.Array) -> pa.Array:
    return pc.cast(values, pa.int64()).cast(INSTANT)


def _whole_days_overdue(due: pa.Array, payment: pa.Array, as_of_us: int) -> pa.Array:
    end = pc.coalesce(payment, pa.scalar(as_of_us, pa.int64()))
    late = pc.subtract(end, due)
    days = pc.add(pc.floor(pc.divide(pc.cast(late, pa.float64()), float(DAY_US))), 1.0)
    counted = pc.if_else(pc.greater_equal(late, 0), pc.cast(days, pa.int64()), 0)
    return pc.if_else(pc.is_null(due), pa.nulls(len(due), pa.int64()), counted)


def as_of_us(log: EventLog, as_of: int | None) -> int:
    """``as_of`` (microseconds since the epoch), defaulting to the log's last event — the KPIs'
    default (:class:`fatura.mining.kpis.values.Options`)."""
    return int(log.timestamps.max()) if as_of is None else int(as_of)


def case_table(
    log: EventLog,
    *,
    as_of: int | None = None,
    zone: str | None = None,
    automated_resources: Sequence[str] = ("system",),
) -> pa.Table:
    """The derived attributes of every case of ``log`` (see the module docstring), in the log's
    case order. ``as_of``: microseconds since the epoch for DaysOverdue of unpaid cases
    (default: the log's last event); ``zone``: the analysis zone of due *dates*."""
    from fatura.mining.kpis import fast
    from fatura.mining.kpis.inputs import kpi_input

    at = as_of_us(log, as_of)
    prepared = kpi_input(log, zone=zone, automated_resources=tuple(automated_resources))
    step = fast.steps(log, prepared.table)
    cases = fast.cases(log, prepared.table, step, at)
    due = cases.column("due_us").combine_chunks()
    payment = cases.column("payment_us").combine_chunks()
    columns: dict[str, pa.Array] = {"case_id": cases.column("case_id").combine_chunks()}
    for key in TEXT:
        columns[key] = (
            cases.column(key).combine_chunks()
            if key in cases.column_names
            else pa.nulls(cases.num_rows, pa.string())
        )
    columns |= {
        "amount": pc.cast(cases.column("amount").combine_chunks(), pa.float64()),
        "events": pc.cast(cases.column("events").combine_chunks(), pa.int64()),
        "invoice_at": _instant(cases.column("invoice_us").combine_chunks()),
        "due_at": _instant(due),
        "paid_at": _instant(payment),
        "paid": cases.column("paid").combine_chunks(),
        "dso_days": _days(cases.column("dso_us").combine_chunks()),
        "is_paid_on_time": cases.column("is_paid_on_time").combine_chunks(),
        "days_overdue": _whole_days_overdue(due, payment, at),
        "is_rework": cases.column("billing_rework").combine_chunks(),
        "cycle_time_days": _days(cases.column("cycle_us").combine_chunks()),
        "invoice_to_cash_days": _days(cases.column("invoice_to_cash_us").combine_chunks()),
        "posting_lag_days": _days(cases.column("posting_lag_us").combine_chunks()),
        "disputed": cases.column("disputed").combine_chunks(),
        "written_off": cases.column("written_off").combine_chunks(),
    }
    return pa.table({name: columns[name] for name in COLUMNS})


def derived_values(table: pa.Table, key: str) -> pa.Array:
    """One derived column of :func:`case_table` (what a filter compares)."""
    return table.column(key).combine_chunks()
