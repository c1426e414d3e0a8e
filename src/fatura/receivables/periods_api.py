"""JSON API of the closed accounting periods: ``GET /periods`` (every month and its state),
``POST /periods/{YYYY-MM}/close`` and ``POST /periods/{YYYY-MM}/reopen`` (Financeiro). An entry
dated in a closed month is refused by the writing endpoints with a 409 naming the lock
(``receivables.periods``; docs/decisions/0021)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from fatura.core.months import Month
from fatura.core.pagination import DEFAULT_LIMIT, Limit, Offset, page_rows, paged_openapi
from fatura.core.roles import Capability, require
from fatura.core.schemas import MonthField
from fatura.receivables import periods
from fatura.receivables.periods import PeriodRow

router = Router(tags=["periods"])


class AccountingPeriodOut(Schema):
    month: str = Field(description="AAAA-MM", examples=["2026-03"])
    status: Literal["open", "closed"]
    closed_by: str | None = Field(description="quem fechou (nome ou usuário); null se aberto")
    closed_at: dt.datetime | None


def _out(row: PeriodRow) -> dict[str, object]:
    return {
        "month": str(row.month),
        "status": "closed" if row.closed else "open",
        "closed_by": row.closed_by or None,
        "closed_at": row.closed_at,
    }


def _one(month: Month) -> dict[str, object]:
    row = next((r for r in periods.periods_list() if r.month == month), None)
    if row is None:  # a month before the first invoice: open, as every month not closed
        row = PeriodRow(month, closed=False, closed_by="", closed_at=None, can_close=False)
    return _out(row)


@router.get("/periods", response=list[AccountingPeriodOut], openapi_extra=paged_openapi())
def period_list(
    request: HttpRequest, response: HttpResponse, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> list[dict[str, object]]:
    """Os meses, do atual ao da primeira fatura (o mais recente primeiro), abertos ou
    fechados. Paginado (``limit``/``offset``; o total em ``X-Total-Count``)."""
    require(request.user, Capability.VIEW)
    rows = periods.periods_list()
    return [
        _out(r)
        for r in page_rows(rows, request=request, response=response, limit=limit, offset=offset)
    ]


@router.post("/periods/{month}/close", response=AccountingPeriodOut)
def period_close(request: HttpRequest, month: MonthField) -> dict[str, object]:
    """Fecha o mês (somente Financeiro; o mês precisa ter terminado): nenhum lançamento datado
    nele é aceito depois (409 nomeando o fechamento). Já fechado: 409."""
    periods.period_close(by=request.user, month=Month.parse(month))
    return _one(Month.parse(month))


@router.post("/periods/{month}/reopen", response=AccountingPeriodOut)
def period_reopen(request: HttpRequest, month: MonthField) -> dict[str, object]:
    """Reabre o mês fechado (somente Financeiro), com evento de auditoria "Period Reopened".
    Mês não fechado: 409."""
    periods.period_reopen(by=request.user, month=Month.parse(month))
    return _one(Month.parse(month))
