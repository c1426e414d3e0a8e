"""JSON API of the fiscal app: the KPI "Valor total de notas emitidas após o
faturamento" (definitions: docs/nfse-kpi.md; computed by :mod:`fatura.fiscal.kpi`)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router

from fatura.core import clock
from fatura.core.roles import Capability, require
from fatura.core.schemas import DayText
from fatura.fiscal import kpi, selectors
from fatura.fiscal.api import params
from fatura.fiscal.schemas import NfseKpiOut

KpiGroup = Literal["customer", "service_type", "team", "month", "delay_reason"]  # kpi.GROUP_BY

router = Router(tags=["kpis"])

Body = dict[str, object]
LAG_PLACES = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
MAX_PERIOD_DAYS = 3660  # ten years and a few days: the KPI reads every share in the period


def rounded(value: float | None, places: Decimal) -> float | None:
    """Half up on the shortest decimal form of ``value`` (not on its binary expansion)."""
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(places, rounding=ROUND_HALF_UP))


def period_of(start: str | None, end: str | None) -> kpi.Period:
    """``from``/``to`` (inclusive local dates). Without ``to``: today; without ``from``: the
    first day of ``to``'s month (so no parameters is the current month to date)."""
    low, high = params.day_range(("from", "to"), start, end)
    high = high or clock.today()
    low = low or high.replace(day=1)
    if low > high:  # ``from`` in the future and no ``to``
        raise params.invalid("from", f"Posterior a to ({high.isoformat()}); informe to.")
    if (high - low).days + 1 > MAX_PERIOD_DAYS:
        raise params.invalid("to", f"Período de no máximo {MAX_PERIOD_DAYS} dias (10 anos).")
    return kpi.Period(low, high)


def _lags(source: kpi.NfseKpi | kpi.Group) -> Body:
    return {
        "avg_lag_days": rounded(source.avg_lag_days, LAG_PLACES),
        "median_lag_days": rounded(source.median_lag_days, LAG_PLACES),
        "p90_lag_days": rounded(source.p90_lag_days, LAG_PLACES),
        "within_expected_rate": rounded(source.within_expected_rate, RATE_PLACES),
    }


def kpi_out(result: kpi.NfseKpi) -> Body:
    return {
        "period": {"from": result.period.start, "to": result.period.end},
        "total_value": result.total_value,
        "count": result.count,
        **_lags(result),
        "revenue_recognized_rate": rounded(result.revenue_recognized_rate, RATE_PLACES),
        "variation_pct": rounded(result.variation_pct, LAG_PLACES),
        "previous_total_value": result.previous_total_value,
        "completed_value": result.completed_value,
        "issued_before_billing_value": result.issued_before_billing_value,
        "groups": [
            {
                "key": group.key,
                "label": group.label,
                "total_value": group.total_value,
                "count": group.count,
                **_lags(group),
                "delay_kind": group.delay_kind,
            }
            for group in result.groups
        ],
        "late_by_delay_kind": [
            {
                "kind": split.kind,
                "value": split.value,
                "count": split.count,
                "avg_lag_days": rounded(split.avg_lag_days, LAG_PLACES),
            }
            for split in result.late_by_delay_kind
        ],
    }


@router.get(
    "/nfse-after-billing",
    response=NfseKpiOut,
    by_alias=True,
    operation_id="fatura_fiscal_kpi_api_nfse_after_billing",
)
def nfse_after_billing(
    request: HttpRequest,
    date_from: DayText | None = Query(
        None, alias="from", description="Início (AAAA-MM-DD); padrão: 1º dia do mês de to."
    ),
    date_to: DayText | None = Query(
        None,
        alias="to",
        description="Fim (AAAA-MM-DD), inclusive; padrão: hoje. No máximo 3660 dias.",
    ),
    group_by: KpiGroup | None = Query(
        None,
        description="Agrupar por: customer | service_type | team | month | delay_reason.",
        example="customer",
    ),
    customer_id: list[params.IdList] | None = params.CUSTOMER_IDS,
    service_type: list[params.Name] | None = params.SERVICE_TYPES,
    team: list[params.Name] | None = params.TEAMS,
    month: list[params.MonthList] | None = params.MONTHS,
) -> Body:
    """The value of NFS-e issued in the period for service orders completed and billed before
    the issue, how long after the completion they came, and how that compares with the
    expected lag and the previous period. Amounts are decimal strings with 2 places; lags
    (days) numbers with 2 decimals; rates fractions 0..1 with 4 decimals; ``variation_pct`` a
    percentage with 2 decimals. Filters combine (AND); repeated values of one filter are OR.
    """
    require(request.user, Capability.VIEW)
    period = period_of(date_from, date_to)
    chosen = params.choice("group_by", group_by, kpi.GROUP_BY)
    filters = kpi.Filters(
        customer_ids=params.customer_ids("customer_id", customer_id),
        service_types=params.texts(service_type),
        teams=params.texts(team),
        months=params.months("month", month),
    )
    return kpi_out(selectors.nfse_after_billing(period, filters=filters, group_by=chosen))
