from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field

from fatura.billing import selectors, services
from fatura.billing.deliveries import billing_run_deliveries
from fatura.billing.models import BillingRun
from fatura.billing.runs import billing_run_request
from fatura.billing.schemas import (
    BillingRunIn,
    BillingRunOut,
    ChargeFinalizedOut,
    ChargeOut,
    ChargeSituationCode,
    FinalizeIn,
    UsageOut,
)
from fatura.billing.selectors import billing_run_progress
from fatura.billing.usage_selectors import usage_series
from fatura.core.errors import InvalidInput, NotFound
from fatura.core.months import Month
from fatura.core.roles import Capability, require
from fatura.core.schemas import Id, MonthField
from fatura.customers.selectors import customer_get
from fatura.receivables.api import invoice_out, line_out

router = Router(tags=["charges and invoices"])


def _month(text: str, field: str = "month") -> Month:
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), errors=[{"field": field, "message": str(exc)}]) from None


@router.get("/charges", response=list[ChargeOut])
def charge_list(
    request: HttpRequest,
    month: MonthField,
    customer_id: Id | None = None,
    status: ChargeSituationCode | None = None,
) -> list[dict[str, object]]:
    """The month's charges: every customer with consumption not yet finalized ("pending") and
    every finalized charge ("finalized", with its invoice's issue date, number and the amount
    charged); ``status`` keeps one kind."""
    require(request.user, Capability.VIEW)
    rows = selectors.charge_rows(_month(month), customer_id=customer_id, status=status)
    return [
        {
            "customer_id": r.customer.pk,
            "customer_name": r.customer.name,
            "month": str(r.month),
            "total_due": r.total_due,
            "status": r.status,
            "problems": r.problems,
            "lines": [line_out(line) for line in r.lines],
            "issue_date": r.issue_date,
            "total_charged": r.total_charged,
            "invoice_number": r.invoice_number,
        }
        for r in rows
    ]


@router.post("/charges/finalize", response={201: ChargeFinalizedOut})
def charge_finalize(request: HttpRequest, payload: FinalizeIn) -> Status[dict[str, object]]:
    require(request.user, Capability.FINALIZE_CHARGES)
    invoice = services.charge_finalize(
        by=request.user,
        customer=customer_get(payload.customer_id),
        month=Month.parse(payload.month),
        result_center=payload.result_center,
        ticket=payload.ticket,
        total_charged=payload.total_charged,
    )
    # the charge's status ("finalized"); GET /invoices/{number} gives the invoice's own
    return Status(201, {**invoice_out(invoice), "status": invoice.charge.status})


def _run_out(run: BillingRun) -> dict[str, object]:
    return {
        "id": run.pk,
        "month": str(Month.of(run.month)),
        "status": run.status,
        "charges_finalized": run.charges_finalized,
        "total_charged": run.total_charged,
        "first_invoice": run.first_invoice,
        "last_invoice": run.last_invoice,
        "error": run.error,
        "progress": billing_run_progress(run.pk),
        "deliveries": asdict(billing_run_deliveries(run)),
    }


@router.post("/billing-runs", response={202: BillingRunOut})
def billing_run_create(request: HttpRequest, payload: BillingRunIn) -> Status[object]:
    """Finalize every pending charge of the month in the background (one transaction)."""
    run = billing_run_request(
        by=request.user,
        month=Month.parse(payload.month),
        result_center=payload.result_center,
        ticket=payload.ticket,
    )
    return Status(202, _run_out(run))


@router.get("/billing-runs/{run_id}", response=BillingRunOut)
def billing_run_get(request: HttpRequest, run_id: Id) -> dict[str, object]:
    require(request.user, Capability.VIEW)
    run = BillingRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound(f"Faturamento {run_id} não encontrado.")
    return _run_out(run)


ItemIds = Annotated[
    str,
    Field(
        pattern=r"^ *([0-9]{1,18} *)?(, *[0-9]{1,18} *)*$", description="Ids separados por vírgula."
    ),
]


@router.get("/usage", response=UsageOut)
def usage_get(request: HttpRequest, customer_id: Id, item_ids: ItemIds) -> dict[str, object]:
    require(request.user, Capability.VIEW)
    customer = customer_get(customer_id)
    try:
        ids = [int(part) for part in item_ids.split(",") if part.strip()]
    except ValueError:
        raise InvalidInput(
            "item_ids deve ser uma lista de números separados por vírgula (ex.: 1,2,3).",
            errors=[{"field": "item_ids", "message": "lista inválida"}],
        ) from None
    series = usage_series(customer_id=customer.pk, item_ids=ids)
    return {
        "customer_id": customer.pk,
        "series": [
            {
                "billing_item_id": s.billing_item_id,
                "name": s.name,
                "unit": s.unit,
                "points": [
                    {"month": str(p.month), "quantity": p.quantity, "amount": p.amount}
                    for p in s.points
                ],
            }
            for s in series
        ],
    }
