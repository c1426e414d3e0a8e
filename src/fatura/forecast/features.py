"""Features of an invoice as of a day, from :class:`~fatura.forecast.facts.Facts` only up to
that day (a payment, reminder, call or dispute after it is never seen), vectorized over many
(invoice, as-of) rows at once: the training snapshots and today's open invoices alike.

The customer's history comes from its *other* invoices paid before the day (as-of joins over
cumulative sums), so an invoice never explains itself. Definitions: docs/forecast.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from fatura.forecast.facts import UNANSWERED, Facts

AGES = (0, 10, 20, 30, 45, 60, 90, 120, 180)  # days after sending: the training snapshots
RECENT = 6  # "the last 6 invoices"
NUMERIC = (
    "amount_log",
    "amount_ratio",
    "net_days",
    "has_discount",
    "days_since_sent",
    "days_to_due",
    "cust_paid_count",
    "cust_mean_delay",
    "cust_recent_delay",
    "cust_trend",
    "cust_on_time_rate",
    "cust_written_off",
    "cust_disputes_180d",
    "reminders",
    "max_reminder_level",
    "calls",
    "calls_unanswered",
    "promises",
    "open_dispute",
    "due_month",
    "due_days_to_month_end",
)
CATEGORICAL = ("segment", "business_unit", "region", "collector")
FEATURES = NUMERIC + CATEGORICAL


def _days(later: str | pl.Expr, earlier: str | pl.Expr) -> pl.Expr:
    a = pl.col(later) if isinstance(later, str) else later
    b = pl.col(earlier) if isinstance(earlier, str) else earlier
    return (a - b).dt.total_days().cast(pl.Float64)


def snapshots(facts: Facts, *, cutoff: dt.date, ages: Sequence[int] = AGES) -> pl.DataFrame:
    """Training rows: every invoice whose outcome is known by ``cutoff``, seen ``age`` days after
    it was sent for each age at which it was still open (and the day not after ``cutoff``),
    with its targets: ``days_to_pay`` (null when written off), ``late``, ``written_off``.

    Invoices still open on ``cutoff`` but already past their due date are rows too, for
    lateness only (late for certain; when and whether they will be paid is not known yet:
    ``days_to_pay`` and ``written_off`` null). Without them the slow payers of the last months,
    not closed yet, would be missing and the lateness model would learn from the quick ones."""
    ages_frame = pl.DataFrame({"age": list(ages)}, schema={"age": pl.Int32})
    outcome = pl.coalesce("paid_date", "written_off_date")
    as_of = pl.col("sent_date") + pl.duration(days=pl.col("age"))
    closed = (
        facts.closed_by(cutoff)
        .join(ages_frame, how="cross")
        .with_columns(as_of=as_of)
        .filter((pl.col("as_of") < outcome) & (pl.col("as_of") <= cutoff))
        .select("invoice_id", "as_of")
    )
    overdue = (
        facts.open_on(cutoff)
        .filter(pl.col("due_date") < cutoff)
        .join(ages_frame, how="cross")
        .with_columns(as_of=as_of)
        .filter(pl.col("as_of") <= cutoff)
        .select("invoice_id", "as_of")
    )
    known = with_targets(closed, facts)
    late_only = overdue.with_columns(
        days_to_pay=pl.lit(None, pl.Float64),
        late=pl.lit(True),
        written_off=pl.lit(None, pl.Boolean),
    )
    return pl.concat([known, late_only], how="vertical_relaxed")


def with_targets(rows: pl.DataFrame, facts: Facts) -> pl.DataFrame:
    outcome = facts.invoices.select("invoice_id", "paid_date", "written_off_date", "due_date")
    return (
        rows.join(outcome, on="invoice_id", how="left")
        .with_columns(
            days_to_pay=_days("paid_date", "as_of"),
            late=(pl.col("paid_date") > pl.col("due_date"))
            | pl.col("written_off_date").is_not_null(),
            written_off=pl.col("written_off_date").is_not_null(),
        )
        .drop("paid_date", "written_off_date", "due_date")
    )


def open_rows(facts: Facts, as_of: dt.date) -> pl.DataFrame:
    """Today's rows: every invoice open on ``as_of``."""
    return facts.open_on(as_of).select("invoice_id", pl.lit(as_of).alias("as_of"))


def _customer_history(facts: Facts, rows: pl.DataFrame) -> pl.DataFrame:
    inv = facts.invoices
    paid = (
        inv.filter(pl.col("paid_date").is_not_null())
        .select(
            "customer_id",
            "paid_date",
            delay=_days("paid_date", "due_date"),
            on_time=(pl.col("paid_date") <= pl.col("due_date")).cast(pl.Float64),
        )
        .sort("customer_id", "paid_date")
        .with_columns(
            cust_paid_count=pl.int_range(1, pl.len() + 1).over("customer_id").cast(pl.Float64),
            _sum_delay=pl.col("delay").cum_sum().over("customer_id"),
            _sum_on_time=pl.col("on_time").cum_sum().over("customer_id"),
            cust_recent_delay=pl.col("delay")
            .rolling_mean(RECENT, min_samples=1)
            .over("customer_id"),
        )
        .with_columns(
            cust_mean_delay=pl.col("_sum_delay") / pl.col("cust_paid_count"),
            cust_on_time_rate=pl.col("_sum_on_time") / pl.col("cust_paid_count"),
        )
        .select(
            "customer_id",
            pl.col("paid_date").alias("_key"),
            "cust_paid_count",
            "cust_mean_delay",
            "cust_recent_delay",
            "cust_on_time_rate",
        )
    )
    written = (
        inv.filter(pl.col("written_off_date").is_not_null())
        .select("customer_id", pl.col("written_off_date").alias("_key"))
        .sort("customer_id", "_key")
        .with_columns(
            cust_written_off=pl.int_range(1, pl.len() + 1).over("customer_id").cast(pl.Float64)
        )
    )
    amounts = (  # every invoice sent on or before the day, the row's own one included
        inv.select("customer_id", pl.col("sent_date").alias("_key"), "amount")
        .sort("customer_id", "_key")
        .with_columns(
            _sum_amount=pl.col("amount").cum_sum().over("customer_id"),
            _sent=pl.int_range(1, pl.len() + 1).over("customer_id").cast(pl.Float64),
        )
        .drop("amount")
    )
    disputes = (
        facts.disputes.select("customer_id", pl.col("opened").alias("_key"))
        .sort("customer_id", "_key")
        .with_columns(_disputes=pl.int_range(1, pl.len() + 1).over("customer_id").cast(pl.Float64))
    )

    def before(
        frame: pl.DataFrame, left: str, columns: list[str], exact: bool = False
    ) -> pl.DataFrame:
        joined = rows.sort(left).join_asof(
            frame.sort("_key"),
            left_on=left,
            right_on="_key",
            by="customer_id",
            strategy="backward",
            allow_exact_matches=exact,
            check_sortedness=False,
        )
        return joined.select("_row", *columns)

    keyed = rows.with_columns(_window=pl.col("as_of") - pl.duration(days=180))
    rows = keyed
    out = rows.select("_row")
    for frame, left, columns in (
        (
            paid,
            "as_of",
            ["cust_paid_count", "cust_mean_delay", "cust_recent_delay", "cust_on_time_rate"],
        ),
        (written, "as_of", ["cust_written_off"]),
        (disputes, "as_of", ["_disputes"]),
    ):
        out = out.join(before(frame, left, columns), on="_row", how="left")
    out = out.join(
        before(amounts, "as_of", ["_sum_amount", "_sent"], exact=True), on="_row", how="left"
    )
    old = before(disputes, "_window", ["_disputes"]).rename({"_disputes": "_old_disputes"})
    out = out.join(old, on="_row", how="left")
    return out.with_columns(
        cust_paid_count=pl.col("cust_paid_count").fill_null(0.0),
        cust_written_off=pl.col("cust_written_off").fill_null(0.0),
        cust_trend=pl.col("cust_recent_delay") - pl.col("cust_mean_delay"),
        cust_disputes_180d=pl.col("_disputes").fill_null(0.0)
        - pl.col("_old_disputes").fill_null(0.0),
    ).drop("_disputes", "_old_disputes")


def _so_far(rows: pl.DataFrame, events: pl.DataFrame, aggregations: list[pl.Expr]) -> pl.DataFrame:
    """Per row, aggregates of the invoice's events on or before its as-of day."""
    return (
        rows.select("_row", "invoice_id", "as_of")
        .join(events, on="invoice_id", how="inner")
        .filter(pl.col("date") <= pl.col("as_of"))
        .group_by("_row")
        .agg(aggregations)
    )


def features(facts: Facts, rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` (``invoice_id``, ``as_of`` and anything else, kept) with :data:`FEATURES`."""
    rows = rows.with_row_index("_row").join(
        facts.invoices.select(
            "invoice_id",
            "customer_id",
            "amount",
            "net_days",
            "has_discount",
            "sent_date",
            "due_date",
            *CATEGORICAL,
        ),
        on="invoice_id",
        how="left",
    )
    history = _customer_history(facts, rows.select("_row", "customer_id", "as_of"))
    # the customer's usual amount: the mean of its *other* invoices sent by the day
    others = pl.col("_sent") - 1
    usual = pl.when(others > 0).then((pl.col("_sum_amount") - pl.col("amount")) / others)
    reminders = _so_far(
        rows,
        facts.reminders,
        [
            pl.len().cast(pl.Float64).alias("reminders"),
            pl.col("level").max().cast(pl.Float64).alias("max_reminder_level"),
        ],
    )
    calls = _so_far(
        rows,
        facts.calls,
        [
            pl.len().cast(pl.Float64).alias("calls"),
            pl.col("outcome").is_in(UNANSWERED).sum().cast(pl.Float64).alias("calls_unanswered"),
            (pl.col("outcome") == "promise_to_pay").sum().cast(pl.Float64).alias("promises"),
        ],
    )
    disputes = (
        rows.select("_row", "invoice_id", "as_of")
        .join(facts.disputes.select("invoice_id", "opened", "resolved"), on="invoice_id")
        .filter(
            (pl.col("opened") <= pl.col("as_of"))
            & (pl.col("resolved").is_null() | (pl.col("resolved") > pl.col("as_of")))
        )
        .group_by("_row")
        .agg(open_dispute=pl.lit(1.0))
    )
    month_end = pl.col("due_date").dt.month_end()
    out = (
        rows.join(history, on="_row", how="left")
        .join(reminders, on="_row", how="left")
        .join(calls, on="_row", how="left")
        .join(disputes, on="_row", how="left")
        .with_columns(
            amount_log=pl.col("amount").log1p(),
            amount_ratio=pl.when(usual > 0).then(pl.col("amount") / usual).otherwise(1.0),
            net_days=pl.col("net_days").cast(pl.Float64),
            has_discount=pl.col("has_discount").cast(pl.Float64),
            days_since_sent=_days("as_of", "sent_date"),
            days_to_due=_days("due_date", "as_of"),
            due_month=pl.col("due_date").dt.month().cast(pl.Float64),
            due_days_to_month_end=_days(month_end, "due_date"),
            **{
                name: pl.col(name).fill_null(0.0)
                for name in (
                    "reminders",
                    "max_reminder_level",
                    "calls",
                    "calls_unanswered",
                    "promises",
                    "open_dispute",
                )
            },
            **{name: pl.col(name).fill_null("") for name in CATEGORICAL},
        )
        .sort("_row")
        .drop("_row", "_sum_amount", "_sent", "amount", "sent_date", "due_date")
    )
    return out
