"""Derived attributes, defined once in Ibis (run on DuckDB or PySpark).

``steps(events)``: every event with its position in the case and the per-event attributes
(``is_rework``, ``is_automated``) plus the look-backs / look-aheads the KPIs need.
``cases(steps, as_of_us)``: one row per case with the case attributes and DSO,
IsPaidOnTime, DaysOverdue, InvoiceCycleTime, InvoiceToCashCycleTime, PaymentPostingLag.

Durations are int64 microseconds here (exact, so the paths compare equal); the KPIs turn them
into days. The fast path (:mod:`.fast`) computes the same two tables with NumPy.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fatura.mining.kpis.activities import (  # noqa: F401 (d.CREATED ... for the callers)
    APPLIED,
    APPROVAL_FLOW,
    APPROVED,
    BILLING,
    CALL,
    CASE_TEXT,
    CREATED,
    DISPUTE_REGISTERED,
    DISPUTE_RESOLVED,
    DUNNING,
    PAYMENTS,
    POSTED,
    RECEIVED,
    REJECTED,
    REMINDER,
    SENT,
    SENT_FOR_APPROVAL,
    WRITTEN_OFF,
)

STEP_COLUMNS = (
    "case_id", "event_index", "activity", "ts_us", "pos", "month", "resource",
    "is_rework", "is_automated", "call_outcome", "level",
    "prev_sfa_us", "prev_reg_us", "prev_recv_us", "next_pay_us",
)  # fmt: skip
CASE_COLUMNS = (
    "case_id", "events", "start_us", "end_us", "created_us", "invoice_us", "due_us",
    "payment_us", "payment_month", "paid", "dso_us", "is_paid_on_time", "overdue_us",
    "cycle_us", "invoice_to_cash_us", "posting_lag_us", "amount", "discount", "unapplied",
    "disputed", "written_off", "billing_rework", "approval_flow",
    *CASE_TEXT,
)  # fmt: skip


def _when(condition: ir.BooleanValue, value: ir.Value | int) -> ir.Value:
    value = ibis.literal(value, "int64") if isinstance(value, int) else value
    return ibis.ifelse(condition, value, ibis.null(value.type()))


def steps(events: ir.Table) -> ir.Table:
    """Per event, in the ordering rule's order (``pos`` 0 = the case's first event)."""
    order = [events.ts_us, events.event_index]
    ordered = ibis.window(group_by=events.case_id, order_by=order)
    upto = ibis.cumulative_window(group_by=events.case_id, order_by=order)
    after = ibis.window(group_by=events.case_id, order_by=order, rows=(0, None))
    same_activity = ibis.window(group_by=[events.case_id, events.activity], order_by=order)
    act, ts = events.activity, events.ts_us
    # inclusive frames are enough: an event is never both what it looks for and the looker
    rejected_before = _when(act == REJECTED, 1).max().over(upto)
    reminder_nth = _when(act == REMINDER, 1).count().over(upto)
    out = events.mutate(
        pos=ibis.row_number().over(ordered),
        occurrence=ibis.row_number().over(same_activity),
        rejected_before=rejected_before,
        reminder_nth=reminder_nth,
        prev_sfa_us=_when(act == SENT_FOR_APPROVAL, ts).max().over(upto),
        prev_reg_us=_when(act == DISPUTE_REGISTERED, ts).max().over(upto),
        prev_recv_us=_when(act == RECEIVED, ts).max().over(upto),
        next_pay_us=_when(act.isin(PAYMENTS), ts).min().over(after),
    )
    return out.mutate(
        is_rework=(out.occurrence > 0)
        | ((out.activity == APPROVED) & out.rejected_before.notnull()),
        is_automated=out.automated,
        level=ibis.ifelse(
            out.activity == REMINDER,
            out.dunning_level.fill_null(out.reminder_nth),
            _when((out.activity == DUNNING) & out.dunning_level.notnull(), out.dunning_level),
        ),
    )


def cases(e: ir.Table, as_of_us: int) -> ir.Table:
    """One row per case from :func:`steps` (an attribute: its first non-null value in the
    case's order; ``unapplied``: the last one; ``discount``: the largest)."""
    act, ts, pos = e.activity, e.ts_us, e.pos

    def first(column: ir.Value) -> ir.Value:
        return column.argmin(pos, where=column.notnull())

    agg = e.group_by("case_id").aggregate(
        events=e.count(),
        start_us=ts.min(),
        end_us=ts.max(),
        created_us=ts.min(where=act == CREATED),
        invoice_date_us=first(e.invoice_date_us),
        due_us=first(e.due_us),
        recv_us=ts.max(where=act == RECEIVED),
        applied_us=ts.max(where=act == APPLIED),
        recv_month=e.month.argmax(pos, where=act == RECEIVED),
        applied_month=e.month.argmax(pos, where=act == APPLIED),
        posting_lag_us=(ts - e.prev_recv_us).argmin(
            pos, where=(act == POSTED) & e.prev_recv_us.notnull()
        ),
        amount=first(e.amount),
        discount=e.discount.max(),
        unapplied=e.unapplied.argmax(pos, where=e.unapplied.notnull()),
        disputed=(act == DISPUTE_REGISTERED).any(),
        written_off=(act == WRITTEN_OFF).any(),
        billing_rework=(e.is_rework & act.isin(BILLING)).any(),
        approval_flow=act.isin(APPROVAL_FLOW).any(),
        **{key: first(e[key]) for key in CASE_TEXT},
    )
    payment = agg.recv_us.coalesce(agg.applied_us)
    invoice = agg.invoice_date_us.coalesce(agg.created_us)
    overdue_end = payment.coalesce(ibis.literal(as_of_us, "int64"))
    overdue = overdue_end - agg.due_us
    return agg.select(
        "case_id",
        "events",
        "start_us",
        "end_us",
        "created_us",
        invoice_us=invoice,
        due_us=agg.due_us,
        payment_us=payment,
        payment_month=agg.recv_month.coalesce(agg.applied_month),
        paid=payment.notnull(),
        dso_us=payment - invoice,
        is_paid_on_time=payment < agg.due_us,
        overdue_us=_when(agg.due_us.notnull(), ibis.greatest(overdue, 0)),
        cycle_us=agg.end_us - agg.start_us,
        invoice_to_cash_us=payment - agg.created_us,
        posting_lag_us=agg.posting_lag_us,
        amount=agg.amount,
        discount=agg.discount,
        unapplied=agg.unapplied,
        disputed=agg.disputed,
        written_off=agg.written_off,
        billing_rework=agg.billing_rework,
        approval_flow=agg.approval_flow,
        **{key: agg[key] for key in CASE_TEXT},
    )
