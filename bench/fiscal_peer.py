"""The fiscal benchmark's peer: the NFS-e-after-billing KPI computed the straightforward way,
with Django ORM queries (``aggregate``/``annotate``, the lag as a database duration) and Python
for what SQL has no word for (median, p90, the expected lag of each share, the lag bins, the
late shares by the kind of their order's delay reason).

It follows the definitions of docs/nfse-kpi.md, written from them and not from
``fatura.fiscal.kpi``, and returns the same document as :func:`document` makes of the KPI, so
the driver can check the two agree.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate

from fatura.core.money import to_money
from fatura.fiscal.domain import ExpectedLags
from fatura.fiscal.kpi import DELAY_KINDS, LAG_BINS, NO_REASON, NfseKpi, Period
from fatura.fiscal.models import ExpectedLag, NfseCoverage, ServiceOrder

DAY_SECONDS = 86_400
ZERO = Decimal("0.00")


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        dt.datetime.combine(period.start, dt.time(), zone),
        dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), zone),
    )


def _issued_in(period: Period) -> Any:
    low, high = _bounds(period)
    return NfseCoverage.objects.filter(
        nfse__status="issued", nfse__issued_at__gte=low, nfse__issued_at__lt=high
    )


def _counted(period: Period) -> Any:
    return _issued_in(period).filter(
        service_order__completed_at__isnull=False,
        service_order__billed_at__isnull=False,
        service_order__completed_at__lte=F("nfse__issued_at"),
        service_order__billed_at__lte=F("nfse__issued_at"),
    )


def _sum(queryset: Any) -> Decimal:
    return to_money(queryset.aggregate(total=Sum("value"))["total"] or ZERO)


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    position = 0.9 * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _stats(lags: list[float]) -> dict[str, float | None]:
    if not lags:
        return {"avg": None, "median": None, "p90": None}
    return {"avg": statistics.fmean(lags), "median": statistics.median(lags), "p90": _p90(lags)}


def _expected() -> ExpectedLags:
    by_type, by_customer, by_pair, global_days = {}, {}, {}, None
    for lag in ExpectedLag.objects.all():
        if lag.customer_id and lag.service_type:
            by_pair[(lag.customer_id, lag.service_type)] = lag.days
        elif lag.customer_id:
            by_customer[lag.customer_id] = lag.days
        elif lag.service_type:
            by_type[lag.service_type] = lag.days
        else:
            global_days = lag.days
    return ExpectedLags(
        default=Decimal(str(settings.FATURA_NFSE_EXPECTED_LAG_DAYS)),
        global_days=global_days,
        by_type=by_type,
        by_customer=by_customer,
        by_customer_type=by_pair,
    )


GROUP_FIELDS = {
    "customer": ("service_order__customer__document", "service_order__customer__name"),
    "team": ("service_order__team", "service_order__team"),
    "service_type": ("service_order__service_type", "service_order__service_type"),
    "delay_reason": ("service_order__delay_reason__label", "service_order__delay_reason__label"),
}
KIND = "service_order__delay_reason__kind"


def peer_kpi(period: Period, group_by: str | None = None) -> dict[str, Any]:
    counted = _counted(period)
    totals = counted.aggregate(total=Sum("value"), count=Count("nfse", distinct=True))
    total = to_money(totals["total"] or ZERO)  # SQLite sums decimals as floats: to the cent
    previous = _sum(_counted(period.previous()))
    low, high = _bounds(period)
    completed = _sum(
        ServiceOrder.objects.exclude(status="cancelled").filter(
            completed_at__gte=low, completed_at__lt=high
        )
    )
    recognized = _sum(
        counted.filter(service_order__completed_at__gte=low, service_order__completed_at__lt=high)
    )
    before = _sum(
        _issued_in(period).filter(
            Q(service_order__billed_at__isnull=True)
            | Q(service_order__billed_at__gt=F("nfse__issued_at"))
            | Q(service_order__completed_at__isnull=True)
            | Q(service_order__completed_at__gt=F("nfse__issued_at"))
        )
    )

    lag = ExpressionWrapper(
        F("nfse__issued_at") - F("service_order__completed_at"), output_field=DurationField()
    )
    key, label = GROUP_FIELDS.get(group_by or "", ("nfse_id", "nfse_id"))
    rows = counted.annotate(lag=lag).values_list(
        "lag",
        "value",
        "service_order__customer_id",
        "service_order__service_type",
        key,
        label,
        KIND,
    )
    expected = _expected()
    lags: list[float] = []
    within_cents = 0
    bins = [[0, Decimal(0)] for _ in LAG_BINS]
    groups: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"lags": [], "within": Decimal(0), "label": "", "kind": None}
    )
    # the late shares (lag over the expected) by the kind of their order's delay reason
    late: dict[str, dict[str, Any]] = {k: {"value": Decimal(0), "lags": []} for k in DELAY_KINDS}
    for duration, value, customer_id, service_type, group_key, group_label, kind in rows:
        days = duration.total_seconds() / DAY_SECONDS
        lags.append(days)
        inside = days <= float(expected.days(customer_id, service_type))
        within_cents += int(value * 100) if inside else 0
        slot = max(i for i, edge in enumerate(LAG_BINS) if days >= edge) if days >= 0 else None
        if slot is not None:
            bins[slot][0] += 1
            bins[slot][1] += value
        if not inside:
            late[kind or "none"]["value"] += value
            late[kind or "none"]["lags"].append(days)
        if group_by:
            group = groups[_key(group_by, group_key)]
            group["lags"].append(days)
            group["label"] = _key(group_by, group_label)
            group["within"] += value if inside else 0
            group["kind"] = (kind or "none") if group_by == "delay_reason" else None

    total_cents = int(total * 100)
    document: dict[str, Any] = {
        "total_value": str(total),
        "count": totals["count"],
        **_stats(lags),
        "within_expected_rate": within_cents / total_cents if total_cents else None,
        "revenue_recognized_rate": float(recognized / completed) if completed else None,
        "variation_pct": float((total - previous) / previous * 100) if previous else None,
        "previous_total_value": str(previous),
        "completed_value": str(completed),
        "issued_before_billing_value": str(before),
        "daily": _daily(counted, period),
        "lag_bins": [
            [low_, high_, count, str(value.quantize(ZERO))]
            for (count, value), low_, high_ in zip(
                bins, LAG_BINS, [*LAG_BINS[1:], None], strict=True
            )
        ],
        "groups": [],
        "late_by_delay_kind": [
            [
                kind,
                str(to_money(late[kind]["value"])),
                len(late[kind]["lags"]),
                statistics.fmean(late[kind]["lags"]) if late[kind]["lags"] else None,
            ]
            for kind in DELAY_KINDS
        ],
    }
    if group_by:
        document["groups"] = _groups(counted, group_by, groups)
    return document


def _daily(counted: Any, period: Period) -> list[list[str]]:
    zone = ZoneInfo(settings.TIME_ZONE)
    per_day = dict(
        counted.annotate(day=TruncDate("nfse__issued_at", tzinfo=zone))
        .values("day")
        .annotate(value=Sum("value"))
        .values_list("day", "value")
    )
    out, running, day = [], Decimal(0), period.start
    while day <= period.end:
        value = to_money(per_day.get(day, ZERO))
        running += value
        out.append([day.isoformat(), str(value.quantize(ZERO)), str(running.quantize(ZERO))])
        day += dt.timedelta(days=1)
    return out


def _key(group_by: str, value: Any) -> str:
    """A group's key or label as text: an order without a delay reason is "Sem motivo"."""
    return NO_REASON if group_by == "delay_reason" and value is None else str(value)


def _groups(counted: Any, group_by: str, lags: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    key = GROUP_FIELDS[group_by][0]
    sums = counted.values(key).annotate(total=Sum("value"), count=Count("nfse", distinct=True))
    out = []
    for row in sums:
        row["total"] = to_money(row["total"])
        group = lags[_key(group_by, row[key])]
        out.append(
            {
                "key": _key(group_by, row[key]),
                "label": group["label"],
                "total_value": str(row["total"]),
                "count": row["count"],
                **_stats(group["lags"]),
                "within_expected_rate": float(group["within"] / row["total"])
                if row["total"]
                else None,
                "delay_kind": group["kind"],
            }
        )
    out.sort(key=lambda g: (-Decimal(g["total_value"]), g["key"]))
    return out


def document(kpi: NfseKpi) -> dict[str, Any]:
    """The KPI as the peer's document (money as strings, lags as floats)."""
    return {
        "total_value": str(kpi.total_value),
        "count": kpi.count,
        "avg": kpi.avg_lag_days,
        "median": kpi.median_lag_days,
        "p90": kpi.p90_lag_days,
        "within_expected_rate": kpi.within_expected_rate,
        "revenue_recognized_rate": kpi.revenue_recognized_rate,
        "variation_pct": kpi.variation_pct,
        "previous_total_value": str(kpi.previous_total_value),
        "completed_value": str(kpi.completed_value),
        "issued_before_billing_value": str(kpi.issued_before_billing_value),
        "daily": [[d.day.isoformat(), str(d.value), str(d.accumulated)] for d in kpi.daily],
        "lag_bins": [[b.low, b.high, b.count, str(b.value)] for b in kpi.lag_bins],
        "groups": [
            {
                "key": g.key,
                "label": g.label,
                "total_value": str(g.total_value),
                "count": g.count,
                "avg": g.avg_lag_days,
                "median": g.median_lag_days,
                "p90": g.p90_lag_days,
                "within_expected_rate": g.within_expected_rate,
                "delay_kind": g.delay_kind,
            }
            for g in kpi.groups
        ],
        "late_by_delay_kind": [
            [s.kind, str(s.value), s.count, s.avg_lag_days] for s in kpi.late_by_delay_kind
        ],
    }
