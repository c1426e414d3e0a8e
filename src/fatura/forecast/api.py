"""JSON API of the forecast: train a model, one invoice's prediction, the cash-flow forecast,
the trained versions, and the collector worklist ranked by expected loss (the forecast's
write-off probability; URL, tag and operation id those of the receivables reports).

``POST /forecast/train`` trains synchronously and answers 200: on a few thousand invoices it
takes seconds (the demo: ~3,000 invoices, under 10 s), well inside a request; a queued 202 is
left for when histories grow past that. 409 when the history is too thin to learn from.

``GET /invoices/{number}/prediction``: 404 for an unknown number; 409 for an invoice that is
not open (paid, written off, a draft, a proforma, not sent yet), whose payment there is
nothing to predict; the 409 names its situation.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from ninja import Router
from pydantic import Field

from fatura.core import clock
from fatura.core.errors import InvalidInput, RuleViolation
from fatura.core.reports import pdf_response, report_format
from fatura.core.roles import Capability, require
from fatura.core.schemas import InvoiceNumber, ReportFormat, Username
from fatura.forecast import outlook
from fatura.forecast.cash_flow import Bucket, GroupFlow
from fatura.forecast.models import ForecastModel
from fatura.forecast.predict import Prediction
from fatura.forecast.schemas import CashFlowOut, ModelOut, ModelsOut, PredictionOut, WorklistOut
from fatura.forecast.services import model_train
from fatura.forecast.worklist import worklist_by_expected_loss
from fatura.receivables import ledger, report_exports
from fatura.receivables.selectors import invoice_get

router = Router(tags=["forecast"])

Body = dict[str, Any]


def model_body(row: ForecastModel) -> Body:
    return {
        "model_version": row.version,
        "trained_at": row.trained_at,
        "trained_by": row.trained_by,
        "cutoff": row.cutoff,
        "window": {"start": row.window_start, "end": row.window_end},
        "rows": row.rows,
        "invoices": row.invoices,
        "seconds": row.seconds,
        "active": row.active,
        "metrics": row.metrics,
    }


def prediction_body(p: Prediction, due_date: Any = None) -> Body:
    return {
        "number": p.number,
        "as_of": p.as_of,
        "due_date": due_date,
        "open_amount": Decimal(p.open_cents) / 100,
        "expected_payment_date": p.expected_date,
        "p10_date": p.p10_date,
        "p90_date": p.p90_date,
        "late_probability": p.late_probability,
        "write_off_probability": p.write_off_probability,
        "basis": p.basis,
        "reasons": p.reasons,
        "model_version": p.model_version,
    }


def _band(b: Bucket) -> Body:
    return {"expected": b.expected, "p10": b.p10, "p50": b.p50, "p90": b.p90}


def _flow(flow: GroupFlow, key: str | None) -> Body:
    return {
        "key": key,
        "open_amount": flow.open_total,
        "invoices": flow.invoices,
        "weeks": [{**_band(w), "week_start": w.start, "invoices": w.invoices} for w in flow.weeks],
        "later": _band(flow.later),
        "not_expected": _band(flow.not_expected),
    }


@router.post("/forecast/train", response=ModelOut)
def forecast_train(request: HttpRequest) -> Body:
    """Train on everything known today and make it the active model (Financeiro).
    Synchronous: seconds on a few thousand invoices. 409 when the history is too thin."""
    with outlook.single_threaded():
        row = model_train(by=request.user)
    return model_body(row)


@router.get("/forecast/models", response=ModelsOut)
def forecast_models(request: HttpRequest) -> Body:
    """The trained versions, newest first, with their holdout metrics."""
    require(request.user, Capability.VIEW)
    rows = outlook.models()
    active = next((r.version for r in rows if r.active), None)
    return {"active_version": active, "models": [model_body(r) for r in rows]}


@router.get("/invoices/{number}/prediction", response=PredictionOut)
def invoice_prediction(request: HttpRequest, number: InvoiceNumber) -> Body:
    """When the invoice should be paid (P50, with P10–P90), the probabilities of paying after
    the due date and of a write-off, the reasons and what the prediction rests on."""
    require(request.user, Capability.VIEW)
    invoice = invoice_get(number)
    found = outlook.invoice_prediction(invoice)
    if found is None:
        raise RuleViolation(
            f"A fatura {number} não está em aberto (situação: {invoice.get_status_display()}, "
            f"pagamento: {invoice.get_payment_status_display()}): não há pagamento a prever."
        )
    return prediction_body(found, invoice.due_date)


Weeks = Annotated[int, Field(ge=1, le=outlook.MAX_WEEKS)]
CashFlowGroup = Literal["business_unit", "segment"]  # outlook.GROUP_BY


def weeks_param(weeks: int) -> int:
    if not 1 <= weeks <= outlook.MAX_WEEKS:
        raise InvalidInput(
            f"weeks deve ficar entre 1 e {outlook.MAX_WEEKS}; recebido {weeks}.",
            errors=[{"field": "weeks", "message": f"entre 1 e {outlook.MAX_WEEKS}"}],
        )
    return weeks


def group_by_param(group_by: str | None) -> str | None:
    if group_by is None or not group_by.strip():
        return None
    if group_by.strip() not in outlook.GROUP_BY:
        raise InvalidInput(
            f"group_by inválido: {group_by!r}; use business_unit ou segment.",
            errors=[{"field": "group_by", "message": "use business_unit ou segment"}],
        )
    return group_by.strip()


@router.get("/forecast/cash-flow", response=CashFlowOut)
def forecast_cash_flow(
    request: HttpRequest, weeks: Weeks = outlook.WEEKS, group_by: CashFlowGroup | None = None
) -> Body:
    """Expected receipts per week (Monday to Sunday, the current week first; overdue money is
    expected this week) with the P10–P90 band from a Monte Carlo over the open invoices
    (independent of each other), in total and per ``group_by`` (business_unit or segment).
    ``later``: after the horizon; ``not_expected``: what the write-off probabilities take."""
    require(request.user, Capability.VIEW)
    weeks = weeks_param(weeks)
    grouping = group_by_param(group_by)
    seen, flow = outlook.forecast(weeks=weeks, group_by=grouping)
    return {
        "as_of": flow.as_of,
        "weeks": flow.horizon,
        "group_by": grouping,
        "scenarios": flow.scenarios,
        "model_version": seen.version,
        "basis": dict(Counter(p.basis for p in seen.predictions)),
        "total": _flow(flow.total, None),
        "groups": [_flow(g, g.key) for g in flow.groups],
    }


# Served under the receivables reports' tag and operation id, as before it moved here.
@router.get(
    "/collections/worklist",
    response=WorklistOut,
    tags=["reports"],
    operation_id="fatura_receivables_reports_api_collector_worklist",
)
def collector_worklist(
    request: HttpRequest, collector: Username | None = None, format: ReportFormat = "json"
) -> Body | HttpResponseBase:
    """What to call today: past-due invoices with a balance and no open dispute, open call
    tasks first, then by expected loss = balance × write-off probability (the forecast), ties
    by priority = balance × days overdue (``forecast.worklist``). ``collector``: a username (the
    customers they collect, or call tasks assigned to them); none = everyone's.
    ``format``: json (default), csv or pdf."""
    require(request.user, Capability.VIEW)
    fmt = report_format(format)
    today = clock.today()
    collector_id = ledger.collector_id_for(collector) if collector else None
    items = worklist_by_expected_loss(
        ledger.collector_worklist(collector_id=collector_id, today=today),
        today=today,
    )
    if fmt == "csv":
        return report_exports.worklist_csv(items, today=today).response()
    if fmt == "pdf":
        content = report_exports.worklist_pdf(items, today=today, collector=collector or "")
        return pdf_response(content, f"cobranca-{today:%Y-%m-%d}.pdf")
    return {
        "today": today,
        "collector": collector or None,
        "items": [{**vars(item), "has_call_task": item.has_call_task} for item in items],
    }
