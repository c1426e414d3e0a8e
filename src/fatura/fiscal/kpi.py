"""The KPI "Valor total de notas emitidas após o faturamento", computed with Polars over two
frames the selectors read from the database (or a benchmark generates). Definitions:
docs/nfse-kpi.md; every number here is pinned by hand-computed cases in tests/fiscal.

``coverage``: one row per (NFS-e, service order) share, columns ``nfse_id``, ``issued_us``
(issue instant, µs since the epoch, UTC), ``nfse_status``, ``order_id``, ``customer_id``,
``customer`` (name), ``customer_document``, ``service_type``, ``team``, ``completed_us`` /
``billed_us`` (null when not yet), ``share_cents``, ``expected_days``.
``orders``: one row per service order not cancelled: ``order_id``, ``customer_id``,
``service_type``, ``team``, ``completed_us``, ``value_cents``.

Money is summed in integer cents and handed out as ``Decimal``; lags are days as floats.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

CENT = Decimal("0.01")
DAY_US = 86_400_000_000
GROUP_BY = ("customer", "service_type", "team", "month", "delay_reason")
DELAY_KINDS = ("internal", "customer", "none")  # "none": no delay reason on the order
NO_REASON = "Sem motivo"
LAG_BINS = (0, 1, 2, 3, 5, 7, 10, 15, 30, 60)  # days; the last bin is "60 or more"


@dataclass(frozen=True)
class Period:
    start: dt.date  # inclusive, local dates
    end: dt.date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period just before: the same number of whole calendar months when this one is
        whole months (March -> February), else the same number of days."""
        if self.start.day == 1 and self.end.day == _month_days(self.end):
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            end = self.start - dt.timedelta(days=1)
            first = _add_months(dt.date(end.year, end.month, 1), -(months - 1))
            return Period(first, end)
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)


def _month_days(day: dt.date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _add_months(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Filters:
    customer_ids: tuple[int, ...] = ()
    service_types: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    months: tuple[str, ...] = ()  # "YYYY-MM" of the NFS-e issue (of the completion, for orders)


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    total_value: Decimal
    count: int
    avg_lag_days: float | None
    median_lag_days: float | None
    p90_lag_days: float | None
    within_expected_rate: float | None
    delay_kind: str | None = None  # group_by delay_reason: internal | customer | none


@dataclass(frozen=True)
class LateSplit:
    """The late shares (lag over the expected) of one kind of delay reason."""

    kind: str  # internal | customer | none
    value: Decimal
    count: int  # late shares (NFS-e x order)
    avg_lag_days: float | None


@dataclass(frozen=True)
class DayValue:
    day: dt.date
    value: Decimal
    accumulated: Decimal


@dataclass(frozen=True)
class LagBin:
    low: int
    high: int | None  # None: open-ended
    count: int
    value: Decimal


@dataclass(frozen=True)
class NfseKpi:
    period: Period
    total_value: Decimal
    count: int
    avg_lag_days: float | None
    median_lag_days: float | None
    p90_lag_days: float | None
    within_expected_rate: float | None
    revenue_recognized_rate: float | None
    variation_pct: float | None
    previous_total_value: Decimal
    completed_value: Decimal  # the revenue recognized rate's denominator
    issued_before_billing_value: Decimal  # NFS-e of the period that came before the billing
    groups: list[Group] = field(default_factory=list)
    daily: list[DayValue] = field(default_factory=list)
    lag_bins: list[LagBin] = field(default_factory=list)
    late_by_delay_kind: list[LateSplit] = field(default_factory=list)


def _money(cents: int | None) -> Decimal:
    return (Decimal(int(cents or 0)) * CENT).quantize(CENT)


def _local(column: str, zone: str) -> pl.Expr:
    return (
        pl.from_epoch(pl.col(column), time_unit="us")
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(zone)
    )


def _in_period(column: str, period: Period, zone: str) -> pl.Expr:
    day = _local(column, zone).dt.date()
    return day.is_between(period.start, period.end, closed="both")


def with_delay(frame: pl.LazyFrame) -> pl.LazyFrame:
    """``delay_reason`` (label) and ``delay_kind`` (internal | customer | none), null columns
    filled when the frame has none (a benchmark's generated frames)."""
    names = frame.collect_schema().names()
    if "delay_reason" not in names:
        frame = frame.with_columns(delay_reason=pl.lit(None, pl.Utf8))
    if "delay_kind" not in names:
        frame = frame.with_columns(delay_kind=pl.lit(None, pl.Utf8))
    return frame.with_columns(pl.col("delay_kind").fill_null("none"))


def filtered(frame: pl.LazyFrame, filters: Filters, month_of: str, zone: str) -> pl.LazyFrame:
    if filters.customer_ids:
        frame = frame.filter(pl.col("customer_id").is_in(filters.customer_ids))
    if filters.service_types:
        frame = frame.filter(pl.col("service_type").is_in(filters.service_types))
    if filters.teams:
        frame = frame.filter(pl.col("team").is_in(filters.teams))
    if filters.months:
        month = _local(month_of, zone).dt.strftime("%Y-%m")
        frame = frame.filter(month.is_in(filters.months))
    return frame


def issued_after_billing(
    coverage: pl.DataFrame | pl.LazyFrame, period: Period, filters: Filters, zone: str
) -> pl.DataFrame:
    """The shares the KPI counts: NFS-e issued (not cancelled or replaced) in ``period`` for
    orders completed and billed at or before the issue, with ``lag_days`` and ``within``."""
    frame = with_delay(filtered(coverage.lazy(), filters, "issued_us", zone))
    return (
        frame.filter(
            (pl.col("nfse_status") == "issued")
            & _in_period("issued_us", period, zone)
            & pl.col("completed_us").is_not_null()
            & pl.col("billed_us").is_not_null()
            & (pl.col("completed_us") <= pl.col("issued_us"))
            & (pl.col("billed_us") <= pl.col("issued_us"))
        )
        .with_columns(lag_days=(pl.col("issued_us") - pl.col("completed_us")) / DAY_US)
        .with_columns(within=pl.col("lag_days") <= pl.col("expected_days"))
        .collect()
    )


def _lag_stats(frame: pl.DataFrame) -> tuple[float | None, float | None, float | None]:
    if frame.height == 0:
        return None, None, None
    lags = frame["lag_days"]
    return (
        float(lags.mean()),  # type: ignore[arg-type]
        float(lags.median()),  # type: ignore[arg-type]
        float(lags.quantile(0.9, interpolation="linear")),  # type: ignore[arg-type]
    )


def _within_rate(frame: pl.DataFrame) -> float | None:
    total = int(frame["share_cents"].sum()) if frame.height else 0
    if total == 0:
        return None
    within = int(frame.filter(pl.col("within"))["share_cents"].sum())
    return within / total


def _total_cents(frame: pl.DataFrame) -> int:
    return int(frame["share_cents"].sum()) if frame.height else 0


def nfse_after_billing(
    coverage: pl.DataFrame,
    orders: pl.DataFrame,
    period: Period,
    *,
    filters: Filters | None = None,
    group_by: str | None = None,
    zone: str = "America/Sao_Paulo",
) -> NfseKpi:
    """The KPI for ``period`` from the two frames (see the module's docstring and
    docs/nfse-kpi.md); ``coverage`` must hold the previous period's shares too."""
    check_group_by(group_by)
    filters = filters or Filters()
    counted = issued_after_billing(coverage, period, filters, zone)
    previous = _total_cents(issued_after_billing(coverage, period.previous(), filters, zone))
    completed_orders = filtered(orders.lazy(), filters, "completed_us", zone).filter(
        pl.col("completed_us").is_not_null() & _in_period("completed_us", period, zone)
    )
    completed_cents = int(
        completed_orders.select(pl.col("value_cents").sum()).collect().item() or 0
    )
    before = (
        filtered(coverage.lazy(), filters, "issued_us", zone)
        .filter(
            (pl.col("nfse_status") == "issued")
            & _in_period("issued_us", period, zone)
            & (
                pl.col("billed_us").is_null()
                | (pl.col("billed_us") > pl.col("issued_us"))
                | pl.col("completed_us").is_null()
                | (pl.col("completed_us") > pl.col("issued_us"))
            )
        )
        .select(pl.col("share_cents").sum())
        .collect()
        .item()
    )
    return summarize(
        counted,
        period,
        previous_cents=previous,
        completed_cents=completed_cents,
        before_cents=int(before or 0),
        group_by=group_by,
        zone=zone,
    )


def check_group_by(group_by: str | None) -> None:
    if group_by is not None and group_by not in GROUP_BY:
        raise ValueError(f"group_by must be one of {', '.join(GROUP_BY)}")


def summarize(
    counted: pl.DataFrame,
    period: Period,
    *,
    previous_cents: int,
    completed_cents: int,
    before_cents: int,
    group_by: str | None = None,
    zone: str = "America/Sao_Paulo",
) -> NfseKpi:
    """The KPI from the period's counted shares (what :func:`issued_after_billing` returns:
    ``nfse_id``, ``issued_us``, ``completed_us``, ``share_cents``, ``lag_days``, ``within``,
    ``delay_reason``, ``delay_kind`` and the columns ``group_by`` needs) and three sums read
    apart: the previous period's counted value, the value of the orders completed in the
    period, and the value of the period's NFS-e issued before their order's billing."""
    check_group_by(group_by)
    total = _total_cents(counted)
    avg, median, p90 = _lag_stats(counted)
    recognized = (
        int(counted.filter(_in_period("completed_us", period, zone))["share_cents"].sum())
        if counted.height
        else 0
    )
    return NfseKpi(
        period=period,
        total_value=_money(total),
        count=counted["nfse_id"].n_unique() if counted.height else 0,
        avg_lag_days=avg,
        median_lag_days=median,
        p90_lag_days=p90,
        within_expected_rate=_within_rate(counted),
        revenue_recognized_rate=recognized / completed_cents if completed_cents else None,
        variation_pct=(total - previous_cents) / previous_cents * 100 if previous_cents else None,
        previous_total_value=_money(previous_cents),
        completed_value=_money(completed_cents),
        issued_before_billing_value=_money(before_cents),
        groups=_groups(counted, group_by, zone) if group_by else [],
        daily=_daily(counted, period, zone),
        lag_bins=_lag_bins(counted),
        late_by_delay_kind=late_by_delay_kind(counted),
    )


def late_by_delay_kind(counted: pl.DataFrame) -> list[LateSplit]:
    """The late counted shares (lag over the expected) split by the kind of the order's delay
    reason: internal, customer-requested, none."""
    late = counted.filter(~pl.col("within")) if counted.height else counted
    out = []
    for kind in DELAY_KINDS:
        part = late.filter(pl.col("delay_kind") == kind) if late.height else late
        avg = float(part["lag_days"].mean()) if part.height else None  # type: ignore[arg-type]
        out.append(LateSplit(kind, _money(_total_cents(part)), part.height, avg))
    return out


def _key_columns(group_by: str, zone: str) -> tuple[pl.Expr, pl.Expr]:
    if group_by == "customer":
        return pl.col("customer_document").alias("key"), pl.col("customer").alias("label")
    if group_by == "month":
        month = _local("issued_us", zone).dt.strftime("%Y-%m")
        return month.alias("key"), month.alias("label")
    if group_by == "delay_reason":
        reason = pl.col("delay_reason").fill_null(NO_REASON)
        return reason.alias("key"), reason.alias("label")
    return pl.col(group_by).alias("key"), pl.col(group_by).alias("label")


def _groups(counted: pl.DataFrame, group_by: str, zone: str) -> list[Group]:
    if counted.height == 0:
        return []
    key, label = _key_columns(group_by, zone)
    rows = (
        counted.with_columns(key, label)
        .group_by("key")
        .agg(
            pl.col("label").first(),
            pl.col("delay_kind").first(),
            pl.col("share_cents").sum().alias("cents"),
            pl.col("nfse_id").n_unique().alias("count"),
            pl.col("lag_days").mean().alias("avg"),
            pl.col("lag_days").median().alias("median"),
            pl.col("lag_days").quantile(0.9, interpolation="linear").alias("p90"),
            pl.col("share_cents").filter(pl.col("within")).sum().alias("within_cents"),
        )
    )
    # months in calendar order; the others biggest value first
    rows = (
        rows.sort("key")
        if group_by == "month"
        else rows.sort(["cents", "key"], descending=[True, False])
    )
    return [
        Group(
            key=str(row["key"]),
            label=str(row["label"]),
            total_value=_money(row["cents"]),
            count=int(row["count"]),
            avg_lag_days=row["avg"],
            median_lag_days=row["median"],
            p90_lag_days=row["p90"],
            within_expected_rate=row["within_cents"] / row["cents"] if row["cents"] else None,
            delay_kind=row["delay_kind"] if group_by == "delay_reason" else None,
        )
        for row in rows.iter_rows(named=True)
    ]


def _daily(counted: pl.DataFrame, period: Period, zone: str) -> list[DayValue]:
    by_day: dict[dt.date, int] = {}
    if counted.height:
        days = (
            counted.select(_local("issued_us", zone).dt.date().alias("day"), pl.col("share_cents"))
            .group_by("day")
            .agg(pl.col("share_cents").sum())
        )
        by_day = dict(zip(days["day"].to_list(), days["share_cents"].to_list(), strict=True))
    out: list[DayValue] = []
    running = 0
    day = period.start
    while day <= period.end:
        cents = by_day.get(day, 0)
        running += cents
        out.append(DayValue(day, _money(cents), _money(running)))
        day += dt.timedelta(days=1)
    return out


def _lag_bins(counted: pl.DataFrame) -> list[LagBin]:
    bins = []
    edges = [*LAG_BINS, None]
    for low, high in itertools.pairwise(edges):
        assert low is not None
        inside = pl.col("lag_days") >= low
        if high is not None:
            inside &= pl.col("lag_days") < high
        part = counted.filter(inside) if counted.height else counted
        bins.append(LagBin(low, high, part.height, _money(_total_cents(part))))
    return bins
