"""Schemas of the fiscal API: service orders, NFS-e, the expected-lag settings, the backlog and
the NFS-e-after-billing KPI.

Amounts go out as decimal strings with two places ("947.63") and come in as decimal strings
or JSON numbers (``AmountIn``). Lags and days go out as JSON numbers rounded to 2 decimals,
rates as numbers from 0 to 1 rounded to 4 decimals. Date-times without a UTC offset are read
as local time (``settings.TIME_ZONE``, America/Sao_Paulo by default).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from ninja import Schema
from pydantic import AfterValidator, Field

from fatura.core.schemas import DateTimeIn, Id, InvoiceNumber, MoneyOut, decimal_in, text_in


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return value


LocalDatetime = Annotated[DateTimeIn, AfterValidator(_aware)]
# Service orders' values fit DecimalField(14, 2); the expected lag DecimalField(7, 2), 0..3650.
OrderValueIn = Annotated[
    str,
    decimal_in(max_digits=14, places=2, minimum="0", description="Valor, até 2 casas."),
]
LagDaysIn = Annotated[
    str,
    decimal_in(
        max_digits=7,
        places=2,
        minimum="0",
        maximum="3650",
        pattern=r"^(3650([.]0{1,2})?|36[0-4][0-9]([.][0-9]{1,2})?|3[0-5][0-9]{2}([.][0-9]{1,2})?"
        r"|[0-2]?[0-9]{1,3}([.][0-9]{1,2})?)$",
        example="5",
    ),
]
LAG_NOTE = "Dias com decimais, arredondados a 2 casas; null sem dados."
RATE_NOTE = "Fração de 0 a 1, arredondada a 4 casas; null sem denominador."


# --- service orders -----------------------------------------------------------------------


class ServiceOrderIn(Schema):
    number: Annotated[str, text_in(60, required=True)] = Field(
        description="Número da ordem de serviço (único)."
    )
    customer_id: Id
    service_type: Annotated[str, text_in(80, required=True)]
    team: Annotated[str, text_in(80, required=True)]
    value: OrderValueIn
    completed_at: LocalDatetime | None = Field(
        None, description="Já concluída neste instante (opcional; sem fuso: horário local)."
    )


class ServiceOrderCompleteIn(Schema):
    completed_at: LocalDatetime | None = Field(None, description="Padrão: agora.")


class ServiceOrderBillIn(Schema):
    invoice_number: InvoiceNumber | None = Field(
        None, description="Fatura do Fatura em que a ordem foi cobrada (do mesmo cliente)."
    )
    billed_at: LocalDatetime | None = Field(None, description="Padrão: agora.")


class OrderNfseOut(Schema):
    number: str
    status: str
    issued_at: dt.datetime
    value: MoneyOut = Field(description="Parte do valor da NFS-e que cobre esta ordem.")


DelayKindIn = Literal["internal", "customer"]  # models.DelayKind


class DelayReasonOut(Schema):
    id: int
    label: str
    kind: DelayKindIn = Field(description="internal (interno) | customer (a pedido do cliente)")
    active: bool


class DelayReasonIn(Schema):
    label: Annotated[str, text_in(120, required=True)] = Field(description="Motivo (pt-BR).")
    kind: DelayKindIn = Field(description="internal (interno) | customer (a pedido do cliente)")
    active: bool = True


class DelayReasonSetIn(Schema):
    reason_id: Id = Field(description="Id de um motivo ativo (GET /delay-reasons).")
    note: Annotated[str, text_in(500)] = Field("", description="Observação (opcional).")


class ServiceOrderOut(Schema):
    number: str
    customer_id: int
    customer_name: str
    service_type: str
    team: str
    value: MoneyOut
    status: str = Field(description="open | completed | billed | cancelled")
    completed_at: dt.datetime | None
    billed_at: dt.datetime | None
    invoice_number: str | None
    source: str = Field(description="fatura | import")
    covered_value: MoneyOut = Field(description="Soma das partes das NFS-e emitidas (issued).")
    nfse: list[OrderNfseOut]
    delay_reason: DelayReasonOut | None = Field(None, description="Motivo do atraso, se houver.")
    delay_note: str = ""


class ServiceOrderImportOut(Schema):
    created: int
    updated: int
    unchanged: int


class NfseImportOut(ServiceOrderImportOut):
    cancelled: int = Field(description="Cancelamentos registrados (eventos ou status).")
    ignored: int = Field(description="Documentos lidos e não usados (outros eventos).")


# --- NFS-e --------------------------------------------------------------------------------


class CoverageOut(Schema):
    service_order: str = Field(description="Número da ordem de serviço coberta.")
    value: MoneyOut


class NfseOut(Schema):
    number: str
    access_key: str | None
    verification_code: str
    issued_at: dt.datetime
    value: MoneyOut = Field(description="Valor dos serviços (vServ).")
    iss_rate: MoneyOut | None = Field(description="Alíquota de ISS em %, ex.: 5.00.")
    iss_amount: MoneyOut | None
    net_value: MoneyOut | None
    service_code: str = Field(description="cTribNac, 6 dígitos.")
    customer_id: int
    customer_name: str
    status: str = Field(description="issued | cancelled | replaced")
    cancelled_at: dt.datetime | None
    replaced_by: str | None = Field(description="Número da NFS-e substituta.")
    invoice_number: str | None
    source: str = Field(description="fatura | import")
    coverages: list[CoverageOut]


class BacklogOrderOut(Schema):
    order_number: str
    customer_id: int
    customer: str
    customer_document: str
    service_type: str
    team: str
    completed_at: dt.datetime
    billed_at: dt.datetime
    value: MoneyOut
    covered_value: MoneyOut
    uncovered_value: MoneyOut = Field(description="Valor ainda sem NFS-e (em risco).")
    expected_days: float
    days_waiting: float = Field(description="Dias desde a conclusão; " + LAG_NOTE)
    days_late: float = Field(description="Dias além do prazo esperado; " + LAG_NOTE)
    delay_reason: str | None = Field(None, description="Motivo do atraso (rótulo), se houver.")
    delay_kind: Literal["internal", "customer", "none"] = "none"


class BacklogSplitOut(Schema):
    kind: Literal["internal", "customer", "none"]
    count: int
    value_at_risk: MoneyOut
    avg_days_late: float | None = Field(description=LAG_NOTE)


class BacklogOut(Schema):
    as_of: dt.datetime
    count: int
    value_at_risk: MoneyOut = Field(description="Soma de uncovered_value.")
    by_delay_kind: list[BacklogSplitOut] = Field(
        description="Todas as ordens (não só a página) por tipo de motivo: internal, customer, "
        "none."
    )
    orders: list[BacklogOrderOut]


# --- expected-lag settings ----------------------------------------------------------------


class ExpectedLagIn(Schema):
    days: LagDaysIn = Field(description="Dias esperados da conclusão à NFS-e (0 a 3650).")
    service_type: Annotated[str, text_in(80)] = Field("", description="Vazio: todos os tipos.")
    customer_id: Id | None = Field(None, description="null: todos os clientes.")


class ExpectedLagOut(Schema):
    id: int
    scope: str = Field(description="global | service_type | customer | customer_service_type")
    service_type: str
    customer_id: int | None
    customer_name: str | None
    days: float
    updated_at: dt.datetime


# --- KPI ----------------------------------------------------------------------------------


class PeriodOut(Schema):
    from_: dt.date = Field(alias="from")
    to: dt.date


class KpiGroupOut(Schema):
    key: str = Field(description="customer: CNPJ/CPF; month: AAAA-MM; senão o nome.")
    label: str
    total_value: MoneyOut
    count: int = Field(description="NFS-e distintas.")
    avg_lag_days: float | None = Field(description=LAG_NOTE)
    median_lag_days: float | None = Field(description=LAG_NOTE)
    p90_lag_days: float | None = Field(description=LAG_NOTE)
    within_expected_rate: float | None = Field(description=RATE_NOTE)
    delay_kind: Literal["internal", "customer", "none"] | None = Field(
        None, description="group_by=delay_reason: internal | customer | none (sem motivo)."
    )


class LateSplitOut(Schema):
    kind: Literal["internal", "customer", "none"] = Field(
        description="Tipo do motivo do atraso da ordem: internal | customer | none (sem motivo)."
    )
    value: MoneyOut = Field(description="Valor das partes contadas emitidas após o prazo.")
    count: int = Field(description="Partes (NFS-e × ordem) atrasadas.")
    avg_lag_days: float | None = Field(description=LAG_NOTE)


class NfseKpiOut(Schema):
    period: PeriodOut
    total_value: MoneyOut = Field(
        description="Valor das NFS-e emitidas no período após o faturamento das suas ordens."
    )
    count: int = Field(description="NFS-e distintas contadas.")
    avg_lag_days: float | None = Field(description="Conclusão → emissão. " + LAG_NOTE)
    median_lag_days: float | None = Field(description=LAG_NOTE)
    p90_lag_days: float | None = Field(description="Percentil 90, interpolado. " + LAG_NOTE)
    within_expected_rate: float | None = Field(
        description="Parte do valor emitida dentro do prazo esperado. " + RATE_NOTE
    )
    revenue_recognized_rate: float | None = Field(
        description="Valor contado de ordens concluídas no período / completed_value. " + RATE_NOTE
    )
    variation_pct: float | None = Field(
        description="Variação de total_value sobre o período anterior, em %, 2 casas; "
        "null quando o anterior é zero."
    )
    previous_total_value: MoneyOut = Field(
        description="O mesmo valor no período anterior (mesmos meses inteiros, ou dias)."
    )
    completed_value: MoneyOut = Field(description="Valor das ordens concluídas no período.")
    issued_before_billing_value: MoneyOut = Field(
        description="NFS-e do período emitidas antes do faturamento ou da conclusão."
    )
    groups: list[KpiGroupOut] = Field(
        description="Com group_by: meses em ordem; os demais do maior valor ao menor."
    )
    late_by_delay_kind: list[LateSplitOut] = Field(
        description="Atrasadas (acima do prazo esperado) por tipo de motivo: internal, customer, "
        "none."
    )
