"""Reads of the fiscal pages: the KPI with its breakdowns from one read of the frames, the
report rows as plain values (local times, ``Decimal`` money), the backlog, the filter choices,
and the lists of service orders, NFS-e and expected-lag settings. The numbers are
:mod:`fatura.fiscal.kpi`'s; nothing here redefines them (docs/nfse-kpi.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet

from fatura.core import clock
from fatura.core.errors import NotFound
from fatura.customers.models import Customer
from fatura.fiscal import kpi as kpis
from fatura.fiscal import selectors
from fatura.fiscal.kpi import GROUP_BY, Filters, Group, NfseKpi, Period
from fatura.fiscal.models import (
    ExpectedLag,
    Nfse,
    NfseCoverage,
    ServiceOrder,
    ServiceType,
)

CENT = Decimal("0.01")
TREND_MONTHS = 12  # the bars by month: at least this many months up to the period's end


def _money(cents: int | None) -> Decimal:
    return (Decimal(int(cents or 0)) * CENT).quantize(CENT)


def _moment(us: int | None, zone: ZoneInfo) -> dt.datetime | None:
    if us is None:
        return None
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC).astimezone(zone) + dt.timedelta(microseconds=us)


def month_start(day: dt.date, months_back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(start: dt.date, end: dt.date) -> list[str]:
    """``YYYY-MM`` of every month from ``start``'s to ``end``'s."""
    out, day = [], month_start(start)
    while day <= end:
        out.append(f"{day:%Y-%m}")
        day = month_start(day, -1)
    return out


# --- the KPI and its breakdowns ---------------------------------------------------------


@dataclass(frozen=True)
class MonthValue:
    month: str  # YYYY-MM
    total_value: Decimal
    count: int


@dataclass(frozen=True)
class Breakdown:
    """The KPI of a period and its groups: ``groups[dimension]`` for each dimension asked,
    and ``months``: the totals of each month from ``trend_start`` to the period's end."""

    kpi: NfseKpi
    groups: dict[str, list[Group]]
    trend_start: dt.date
    months: list[MonthValue] = field(default_factory=list)


def breakdown(
    period: Period,
    filters: Filters | None = None,
    *,
    dimensions: Sequence[str] = GROUP_BY,
    trend: bool = False,
) -> Breakdown:
    """The KPI of ``period`` grouped by each of ``dimensions``, from one read of the frames
    (the groups of :func:`fatura.fiscal.kpi.nfse_after_billing`, once per dimension). With
    ``trend``, also the total of each month over :data:`TREND_MONTHS` months (or the period,
    when longer) up to the period's end."""
    filters = filters or Filters()
    previous = period.previous()
    trend_start = min(period.start, month_start(period.end, TREND_MONTHS - 1))
    read_from = min(previous.start, trend_start) if trend else previous.start
    coverage = selectors.coverage_frame(read_from, period.end)
    orders = selectors.orders_frame(completed_from=period.start, completed_to=period.end)
    zone = selectors.zone()

    def run(over: Period, group_by: str | None) -> NfseKpi:
        return kpis.nfse_after_billing(
            coverage, orders, over, filters=filters, group_by=group_by, zone=zone
        )

    result = run(period, None)
    groups = {dimension: run(period, dimension).groups for dimension in dimensions}
    months: list[MonthValue] = []
    if trend:
        by_month = {g.key: g for g in run(Period(trend_start, period.end), "month").groups}
        months = [
            MonthValue(m, by_month[m].total_value, by_month[m].count)
            if m in by_month
            else MonthValue(m, Decimal("0.00"), 0)
            for m in months_between(trend_start, period.end)
        ]
    return Breakdown(result, groups, trend_start, months)


# --- Relatório de Faturamento Pós-Serviço -------------------------------------------------


@dataclass(frozen=True)
class PostServiceLine:
    order_number: str
    service_type: str
    team: str
    completed_at: dt.datetime
    billed_at: dt.datetime
    lag_days: float
    expected_days: float
    within: bool
    value: Decimal
    delay_reason: str = ""  # the order's delay reason, "" without one
    delay_kind: str = "none"  # internal | customer | none


@dataclass(frozen=True)
class PostServiceNfse:
    number: str
    issued_at: dt.datetime
    customer: str
    customer_document: str
    lines: list[PostServiceLine]

    @property
    def value(self) -> Decimal:
        return sum((line.value for line in self.lines), Decimal("0.00"))


def post_service(period: Period, filters: Filters | None = None) -> list[PostServiceNfse]:
    """Each NFS-e counted in the period with the service orders it covers (its counted
    shares), in issue order."""
    frame = selectors.post_service_rows(period, filters)
    zone = ZoneInfo(selectors.zone())
    out: list[PostServiceNfse] = []
    current: PostServiceNfse | None = None
    for row in frame.iter_rows(named=True):
        if current is None or current.number != row["nfse_number"]:
            issued = _moment(row["issued_us"], zone)
            assert issued is not None
            current = PostServiceNfse(
                row["nfse_number"], issued, row["customer"], row["customer_document"], []
            )
            out.append(current)
        completed, billed = _moment(row["completed_us"], zone), _moment(row["billed_us"], zone)
        assert completed is not None and billed is not None
        current.lines.append(
            PostServiceLine(
                order_number=row["order_number"],
                service_type=row["service_type"],
                team=row["team"],
                completed_at=completed,
                billed_at=billed,
                lag_days=float(row["lag_days"]),
                expected_days=float(row["expected_days"]),
                within=bool(row["within"]),
                value=_money(row["share_cents"]),
                delay_reason=row.get("delay_reason") or "",
                delay_kind=row.get("delay_kind") or "none",
            )
        )
    return out


# --- backlog ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BacklogRow:
    order_number: str
    customer: str
    customer_document: str
    service_type: str
    team: str
    completed_at: dt.datetime
    billed_at: dt.datetime
    value: Decimal
    covered: Decimal
    at_risk: Decimal
    expected_days: float
    days_waiting: float
    days_late: float
    delay_reason: str = ""  # the order's delay reason (label), "" without one
    delay_kind: str = "none"  # internal | customer | none


@dataclass(frozen=True)
class BacklogSplit:
    kind: str  # internal | customer | none
    count: int
    at_risk: Decimal
    avg_days_late: float | None


@dataclass(frozen=True)
class Backlog:
    as_of: dt.datetime
    rows: list[BacklogRow]

    @property
    def at_risk(self) -> Decimal:
        return sum((row.at_risk for row in self.rows), Decimal("0.00"))

    @property
    def by_delay_kind(self) -> list[BacklogSplit]:
        """Value at risk and days late by the kind of delay reason: internal, customer, none."""
        out = []
        for kind in ("internal", "customer", "none"):
            rows = [row for row in self.rows if row.delay_kind == kind]
            late = sum(row.days_late for row in rows) / len(rows) if rows else None
            at_risk = sum((row.at_risk for row in rows), Decimal("0.00"))
            out.append(BacklogSplit(kind, len(rows), at_risk, late))
        return out


def backlog(*, as_of: dt.datetime | None = None, filters: Filters | None = None) -> Backlog:
    """Orders completed and billed still short of NFS-e after their expected lag, the
    most days late first (:func:`fatura.fiscal.selectors.backlog`), as plain values."""
    moment = as_of or clock.now()
    frame = selectors.backlog(as_of=moment, filters=filters)
    zone = ZoneInfo(selectors.zone())
    rows = []
    for row in frame.iter_rows(named=True):
        completed, billed = _moment(row["completed_us"], zone), _moment(row["billed_us"], zone)
        assert completed is not None and billed is not None
        rows.append(
            BacklogRow(
                order_number=row["order_number"],
                customer=row["customer"],
                customer_document=row["customer_document"],
                service_type=row["service_type"],
                team=row["team"],
                completed_at=completed,
                billed_at=billed,
                value=_money(row["value_cents"]),
                covered=_money(row["covered_cents"]),
                at_risk=_money(row["uncovered_cents"]),
                expected_days=float(row["expected_days"]),
                days_waiting=float(row["days_waiting"]),
                days_late=float(row["days_late"]),
                delay_reason=row.get("delay_reason") or "",
                delay_kind=row.get("delay_kind") or "none",
            )
        )
    return Backlog(moment, rows)


# --- filter choices and lists -----------------------------------------------------------


@dataclass(frozen=True)
class FilterChoices:
    customers: list[tuple[int, str]]
    service_types: list[str]
    teams: list[str]


def filter_choices() -> FilterChoices:
    """The customers with service orders, and the service types and teams in use."""
    customers = (
        Customer.objects.filter(service_orders__isnull=False)
        .distinct()
        .order_by("name", "id")
        .values_list("id", "name")
    )
    types = set(ServiceOrder.objects.values_list("service_type", flat=True).distinct())
    types |= set(ServiceType.objects.values_list("name", flat=True))
    teams = ServiceOrder.objects.values_list("team", flat=True).distinct()
    return FilterChoices(
        customers=list(customers),
        service_types=sorted(t for t in types if t),
        teams=sorted({t for t in teams if t}),
    )


def service_order_list(
    *, status: str = "", customer_id: int | None = None, search: str = ""
) -> QuerySet[ServiceOrder]:
    orders = ServiceOrder.objects.select_related("customer", "invoice")
    if status:
        orders = orders.filter(status=status)
    if customer_id:
        orders = orders.filter(customer_id=customer_id)
    if search.strip():
        text = search.strip()
        orders = orders.filter(
            Q(number__icontains=text) | Q(service_type__icontains=text) | Q(team__icontains=text)
        )
    return orders.order_by("-created_at", "-id")


def nfse_list(
    *, status: str = "", customer_id: int | None = None, search: str = ""
) -> QuerySet[Nfse]:
    """NFS-e, the latest issued first, with their coverages (and orders) in one more query."""
    notes = Nfse.objects.select_related("customer", "replaced_by").prefetch_related(
        Prefetch(
            "coverages",
            queryset=NfseCoverage.objects.select_related("service_order").order_by(
                "service_order__number"
            ),
        )
    )
    if status:
        notes = notes.filter(status=status)
    if customer_id:
        notes = notes.filter(customer_id=customer_id)
    if search.strip():
        text = search.strip()
        notes = notes.filter(
            Q(number__icontains=text)
            | Q(access_key__icontains=text)
            | Q(coverages__service_order__number__icontains=text)
        ).distinct()
    return notes.order_by("-issued_at", "-id")


def nfse_count() -> int:
    return Nfse.objects.count()


def nfse_get(number: str) -> Nfse:
    try:
        return Nfse.objects.select_related("customer", "invoice").get(number=number)
    except Nfse.DoesNotExist:
        raise NotFound(f"NFS-e {number} não encontrada.") from None


def service_order_get(order_id: int) -> ServiceOrder:
    try:
        return ServiceOrder.objects.select_related("customer").get(pk=order_id)
    except ServiceOrder.DoesNotExist:
        raise NotFound(f"Ordem de serviço {order_id} não encontrada.") from None


def expected_lag_list() -> list[ExpectedLag]:
    """The settings, from the least specific (global) to the most (customer and type)."""
    lags = list(ExpectedLag.objects.select_related("customer"))

    def rank(lag: ExpectedLag) -> tuple[int, str, str]:
        level = (1 if lag.service_type else 0) + (2 if lag.customer_id else 0)
        return level, lag.customer.name if lag.customer else "", lag.service_type

    return sorted(lags, key=rank)


def expected_lag_get(lag_id: int) -> ExpectedLag:
    try:
        return ExpectedLag.objects.select_related("customer").get(pk=lag_id)
    except ExpectedLag.DoesNotExist:
        raise NotFound(f"Prazo esperado {lag_id} não encontrado.") from None


def default_expected_days() -> Decimal:
    """What applies when no setting matches: the global setting, else the configuration."""
    lags = selectors.expected_lags()
    return lags.global_days if lags.global_days is not None else lags.default
