"""Schemas of the forecast API. Money as decimal strings with two places; probabilities as
numbers from 0 to 1 rounded to 4 places; dates as AAAA-MM-DD."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import PlainSerializer

from fatura.core.schemas import MoneyOut

Probability = Annotated[float, PlainSerializer(lambda v: round(float(v), 4), return_type=float)]

BASIS_HELP = (
    "model (modelo treinado), customer_history (sem modelo: o histórico do cliente) ou "
    "due_date (sem histórico: a data de vencimento)"
)


class WindowOut(Schema):
    start: dt.date | None = Field(description="primeiro dia das situações de treino")
    end: dt.date | None = Field(description="último dia das situações de treino")


class ModelOut(Schema):
    model_version: int
    trained_at: dt.datetime
    trained_by: str
    cutoff: dt.date = Field(description="o treino viu só o que se sabia neste dia")
    window: WindowOut
    rows: int = Field(description="situações (fatura, dia) de treino")
    invoices: int
    seconds: float
    active: bool
    metrics: dict[str, float | int | None]


class ModelsOut(Schema):
    active_version: int | None
    models: list[ModelOut]


class PredictionOut(Schema):
    number: str
    as_of: dt.date
    due_date: dt.date | None
    open_amount: MoneyOut
    expected_payment_date: dt.date = Field(description="P50")
    p10_date: dt.date
    p90_date: dt.date
    late_probability: Probability = Field(description="pagar depois do vencimento (ou nunca)")
    write_off_probability: Probability
    basis: str = Field(description=BASIS_HELP)
    reasons: list[str]
    model_version: int | None = Field(description="null quando a previsão não usa modelo")


class BandOut(Schema):
    expected: MoneyOut = Field(description="média dos cenários")
    p10: MoneyOut
    p50: MoneyOut
    p90: MoneyOut


class WeekOut(BandOut):
    week_start: dt.date = Field(description="segunda-feira")
    invoices: int = Field(description="faturas com data prevista (P50) na semana")


class FlowOut(Schema):
    key: str | None = Field(description="unidade de negócio ou segmento; null no total")
    open_amount: MoneyOut
    invoices: int
    weeks: list[WeekOut]
    later: BandOut = Field(description="depois do horizonte")
    not_expected: BandOut = Field(description="baixas previstas (probabilidade de perda)")


class CashFlowOut(Schema):
    as_of: dt.date
    weeks: int
    group_by: str | None
    scenarios: int
    model_version: int | None
    basis: dict[str, int] = Field(description="previsões por base: " + BASIS_HELP)
    total: FlowOut
    groups: list[FlowOut]


# --- the collector worklist ranked by expected loss -----------------------------------------


class WorklistItemOut(Schema):
    number: str
    customer_id: int
    customer_name: str
    collector: str
    status: str
    due_date: dt.date
    days_overdue: int
    balance: MoneyOut
    priority: MoneyOut = Field(description="saldo × dias em atraso")
    expected_loss: MoneyOut | None = Field(
        None, description="perda esperada: saldo × probabilidade de baixa (previsão)"
    )
    write_off_probability: Probability | None = Field(None, description="0 a 1, da previsão")
    has_call_task: bool
    call_task_due: dt.date | None
    last_call_outcome: str
    last_call_at: dt.datetime | None
    promise_date: dt.date | None
    dunning_level: int


class WorklistOut(Schema):
    today: dt.date
    collector: str | None
    items: list[WorklistItemOut]
