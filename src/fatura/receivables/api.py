"""JSON API of receivables: direct invoices and their actions, payments, the invoice timeline.

Every endpoint under ``/invoices`` lives here, the reads (list, detail, PDF) too. Handlers
parse, call a service of ``receivables`` and answer with the invoice as
``GET /invoices/{number}`` shows it (``invoice_out``). Roles and rules live in the
services; a handler checks the role itself only where a lookup (the customer) would otherwise
answer 404 before the service could answer 403.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from fatura.core.errors import InvalidInput, NotFound
from fatura.core.months import Month
from fatura.core.pagination import DEFAULT_LIMIT, Limit, Offset, page, paged_openapi
from fatura.core.roles import Capability, require
from fatura.core.schemas import Id, InvoiceNumber, MonthField
from fatura.customers.selectors import customer_get
from fatura.eventlog.selectors import event_list
from fatura.receivables import (
    collections,
    corrections,
    late_charges,
    payments,
    selectors,
    services,
)
from fatura.receivables.delivery import invoice_resend as delivery_resend
from fatura.receivables.domain import ACTIONS, allowed_actions
from fatura.receivables.installments import installment_balances
from fatura.receivables.models import AdjustmentRequest, Invoice, Payment
from fatura.receivables.pdf import invoice_pdf
from fatura.receivables.schemas import (
    AdjustIn,
    CallIn,
    CreditNoteIn,
    DeliveryFilter,
    DisputeIn,
    InvoiceIn,
    InvoiceOut,
    LateChargesWaiveIn,
    PaymentApplyIn,
    PaymentIn,
    PaymentOut,
    PaymentPostIn,
    PaymentReverseIn,
    RejectIn,
    ResolveDisputeIn,
    TimelineOut,
    WriteOffIn,
)
from fatura.receivables.withholdings import net_total, withholdings_of

router = Router(tags=["receivables"])

# The actions of POST /invoices/{number}/{action}: the state machine's, without the two the
# services take themselves (applying a payment, the daily due-date step).
INVOICE_ACTIONS = tuple(
    name for name in ACTIONS if name not in {"apply-payment", "due-date-passed"}
)

Body = dict[str, object]


def line_out(line: object) -> Body:
    """An invoice line as the API shows it; a pending charge's computed line has the same
    fields (billing's GET /charges)."""
    return {
        "billing_item_id": line.billing_item_id,  # type: ignore[attr-defined]
        "item_name": line.item_name,  # type: ignore[attr-defined]
        "product": line.product,  # type: ignore[attr-defined]
        "unit": line.unit,  # type: ignore[attr-defined]
        "quantity": line.quantity,  # type: ignore[attr-defined]
        "unit_price": line.unit_price,  # type: ignore[attr-defined]
        "price_version_id": line.price_version_id,  # type: ignore[attr-defined]
        "amount": line.amount,  # type: ignore[attr-defined]
    }


def invoice_out(invoice: Invoice) -> dict[str, object]:
    lines = getattr(invoice, "lines_cache", None)
    if lines is None:
        lines = list(invoice.lines.all())
    proforma = invoice.kind == "proforma"
    return {
        "invoice_number": invoice.number,
        "number": invoice.number,
        "kind": invoice.kind,
        "customer_id": invoice.customer_id,
        "customer_name": invoice.customer.name,
        "month": str(Month.of(invoice.month)),
        "issue_date": invoice.issue_date,
        "total_due": invoice.total_due,
        "total_charged": invoice.total_charged,
        "total": invoice.total_charged,
        "balance": invoice.balance,
        "withholdings": [
            {"tax": w.tax, "rate": w.rate, "amount": w.amount} for w in withholdings_of(invoice)
        ],
        "net_total": net_total(invoice),
        "status": invoice.status,
        "payment_status": invoice.payment_status,
        "payment_terms": invoice.payment_terms,
        "due_date": invoice.due_date,
        "discount_until": invoice.discount_until,
        "amount_applied": invoice.amount_applied,
        "amount_credited": invoice.amount_credited,
        "amount_debited": invoice.amount_debited,
        "amount_discounted": invoice.amount_discounted,
        "amount_written_off": invoice.amount_written_off,
        "amount_overpaid": invoice.amount_overpaid,
        "amount_late_charged": invoice.amount_late_charged,
        "due_if_paid_today": late_charges.due_if_paid_today(invoice),
        "delivery": {
            "status": invoice.delivery,
            "attempts": invoice.delivery_attempts,
            "last_error": invoice.delivery_error,
            "retry_at": invoice.delivery_retry_at,
        },
        "dunning_level": invoice.dunning_level,
        "open_disputes": invoice.open_disputes,
        "allowed_actions": allowed_actions(invoice.status, proforma=proforma),
        "converted_to": invoice.converted_to.number if invoice.converted_to else None,
        "result_center": invoice.result_center,
        "ticket": invoice.ticket,
        "lines": [line_out(line) for line in lines],
        "installments": [
            {"number": i.number, "due_date": i.due_date, "amount": i.amount, "balance": i.balance}
            for i in installment_balances(invoice)
        ],
        "pending_adjustment": _pending_out(selectors.adjustment_pending(invoice)),
    }


def _pending_out(request: AdjustmentRequest | None) -> Body | None:
    if request is None:
        return None
    return {
        "id": request.pk,
        "amount": request.amount,
        "reason": request.reason,
        "requested_by": request.requested_by.get_username(),
        "requested_at": request.requested_at,
    }


def _invoice(number: str) -> Body:
    """The invoice as GET /invoices/{number} answers it, read again after the change."""
    return invoice_out(selectors.invoice_get(number))


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), errors=[{"field": "month", "message": str(exc)}]) from None


# --- invoices -----------------------------------------------------------------------------
# The reads keep the tag and operation ids they were published with (under billing).


@router.get(
    "/invoices",
    response=list[InvoiceOut],
    tags=["charges and invoices"],
    operation_id="fatura_billing_api_invoice_list",
    openapi_extra=paged_openapi(),
)
def invoice_list(
    request: HttpRequest,
    response: HttpResponse,
    customer_id: Id | None = None,
    month: MonthField | None = None,
    delivery: DeliveryFilter | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> list[Body]:
    """Invoices, the latest numbered first. Paginated (``limit``/``offset``; the total in
    ``X-Total-Count``, the next page in ``Link``). ``delivery=failed``: the failed e-mails."""
    require(request.user, Capability.VIEW)
    qs = selectors.invoice_list(
        customer_id=customer_id, month=_month(month) if month else None, delivery=delivery
    )
    rows = page(
        selectors.invoices_with_lines(qs),
        request=request,
        response=response,
        limit=limit,
        offset=offset,
    )
    return [invoice_out(i) for i in rows]


@router.post("/invoices", response={201: InvoiceOut})
def invoice_create(request: HttpRequest, payload: InvoiceIn) -> Status[Body]:
    """A direct invoice (simple, recurring or proforma) in draft."""
    require(request.user, Capability.MANAGE_INVOICES)
    invoice = services.invoice_create(
        by=request.user,
        customer=customer_get(payload.customer_id),
        kind=payload.kind,
        issue_date=payload.issue_date,
        payment_terms=payload.payment_terms,
        lines=[line.dict() for line in payload.lines],
        recurrence=payload.recurrence.dict() if payload.recurrence else None,
        description=payload.description,
    )
    return Status(201, _invoice(invoice.number))


@router.get(
    "/invoices/{number}",
    response=InvoiceOut,
    tags=["charges and invoices"],
    operation_id="fatura_billing_api_invoice_get",
)
def invoice_get(request: HttpRequest, number: InvoiceNumber) -> Body:
    require(request.user, Capability.VIEW)
    return invoice_out(selectors.invoice_get(number))


@router.get(
    "/invoices/{number}/pdf",
    response={200: None},
    tags=["charges and invoices"],
    operation_id="fatura_billing_api_invoice_pdf_get",
)
def invoice_pdf_get(request: HttpRequest, number: InvoiceNumber) -> HttpResponse:
    require(request.user, Capability.VIEW)
    invoice = selectors.invoice_get(number)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="fatura-{invoice.number}.pdf"'
    return response


@router.get("/invoices/{number}/timeline", response=TimelineOut)
def invoice_timeline(request: HttpRequest, number: InvoiceNumber) -> Body:
    """Every event of the invoice in order (as GET /events), with its credit notes,
    adjustments, disputes and the payments applied to it."""
    require(request.user, Capability.VIEW)
    invoice = selectors.invoice_detail(number)
    return {
        "number": invoice.number,
        "status": invoice.status,
        "payment_status": invoice.payment_status,
        "balance": invoice.balance,
        "events": list(event_list(case_id=invoice.number)),
        "credit_notes": [
            {
                "number": note.number,
                "amount": note.amount,
                "excess": note.excess,
                "reason": note.reason,
                "dispute_id": note.dispute_id,
                "date": note.date,
                "created_at": note.created_at,
                "created_by": note.created_by.get_username(),
            }
            for note in invoice.credit_notes.all()
        ],
        "adjustments": [
            {
                "number": adj.number,
                "amount": adj.amount,
                "reason": adj.reason,
                "kind": adj.kind,
                "dispute_id": adj.dispute_id,
                "date": adj.date,
                "created_at": adj.created_at,
                "created_by": adj.created_by.get_username(),
            }
            for adj in invoice.adjustments.all()
        ],
        "disputes": [
            {
                "id": d.pk,
                "reason": d.reason,
                "amount": d.amount,
                "note": d.note,
                "is_open": d.is_open,
                "opened_at": d.opened_at,
                "opened_by": d.opened_by.get_username(),
                "resolution": d.resolution,
                "resolved_at": d.resolved_at,
                "resolved_by": d.resolved_by.get_username() if d.resolved_by else None,
            }
            for d in invoice.disputes.all()
        ],
        "payments": [
            {
                "payment_id": a.payment_id,
                "method": a.payment.method,
                "reference": a.payment.reference,
                "received_at": a.payment.received_at,
                "amount": a.amount,
                "discount": a.discount,
                "applied_at": a.applied_at,
                "reversed_at": a.reversed_at,
            }
            for a in invoice.allocations.all()
        ],
    }


@router.post("/invoices/{number}/complete", response=InvoiceOut)
def invoice_complete(request: HttpRequest, number: InvoiceNumber) -> Body:
    """Rascunho → concluída."""
    services.invoice_complete(by=request.user, number=number)
    return _invoice(number)


@router.post("/invoices/{number}/submit", response=InvoiceOut)
def invoice_submit(request: HttpRequest, number: InvoiceNumber) -> Body:
    """Concluída → aguardando aprovação."""
    services.invoice_submit(by=request.user, number=number)
    return _invoice(number)


@router.post("/invoices/{number}/approve", response=InvoiceOut)
def invoice_approve(request: HttpRequest, number: InvoiceNumber) -> Body:
    """Aprovação por um usuário do Financeiro que não criou a fatura."""
    services.invoice_approve(by=request.user, number=number)
    return _invoice(number)


@router.post("/invoices/{number}/reject", response=InvoiceOut)
def invoice_reject(request: HttpRequest, number: InvoiceNumber, payload: RejectIn) -> Body:
    """Volta ao rascunho para retrabalho, com o motivo."""
    services.invoice_reject(by=request.user, number=number, reason=payload.reason)
    return _invoice(number)


@router.post("/invoices/{number}/send", response=InvoiceOut)
def invoice_send(request: HttpRequest, number: InvoiceNumber) -> Body:
    """Envia ao cliente por e-mail, com o PDF anexo."""
    services.invoice_send(by=request.user, number=number)
    return _invoice(number)


@router.post("/invoices/{number}/resend", response=InvoiceOut)
def invoice_resend(request: HttpRequest, number: InvoiceNumber) -> Body:
    """Reenviar: nova tentativa, agora, do e-mail de uma fatura cujo envio falhou (409 se não
    falhou; 502 se falhar de novo, com a falha registrada)."""
    delivery_resend(by=request.user, number=number)
    return _invoice(number)


@router.post("/invoices/{number}/remind", response=InvoiceOut)
def invoice_remind(request: HttpRequest, number: InvoiceNumber) -> Body:
    """Lembrete de pagamento por e-mail."""
    collections.invoice_remind(by=request.user, number=number)
    return _invoice(number)


@router.post("/invoices/{number}/call", response=InvoiceOut)
def invoice_call(request: HttpRequest, number: InvoiceNumber, payload: CallIn) -> Body:
    """Registra uma ligação de cobrança e o seu resultado."""
    collections.invoice_call(
        by=request.user,
        number=number,
        outcome=payload.outcome,
        promise_date=payload.promise_date,
        note=payload.note,
    )
    return _invoice(number)


@router.post("/invoices/{number}/dispute", response=InvoiceOut)
def invoice_dispute(request: HttpRequest, number: InvoiceNumber, payload: DisputeIn) -> Body:
    """O cliente contesta parte da fatura; a régua de cobrança pausa."""
    corrections.dispute_register(
        by=request.user,
        number=number,
        reason=payload.reason,
        amount=payload.amount,
        note=payload.note,
    )
    return _invoice(number)


@router.post("/invoices/{number}/resolve-dispute", response=InvoiceOut)
def invoice_resolve_dispute(
    request: HttpRequest, number: InvoiceNumber, payload: ResolveDisputeIn
) -> Body:
    """Resolve a disputa por nota de crédito, ajuste ou rejeição."""
    corrections.dispute_resolve(
        by=request.user,
        number=number,
        resolution=payload.resolution,
        dispute_id=payload.dispute_id,
        amount=payload.amount,
        note=payload.note,
    )
    return _invoice(number)


@router.post("/invoices/{number}/credit-note", response=InvoiceOut)
def invoice_credit_note(request: HttpRequest, number: InvoiceNumber, payload: CreditNoteIn) -> Body:
    """Emite uma nota de crédito (numeração própria, NC-…), datada de ``date`` (padrão: hoje)."""
    corrections.credit_note_issue(
        by=request.user,
        number=number,
        amount=payload.amount,
        reason=payload.reason,
        date=payload.date,
    )
    return _invoice(number)


@router.post("/invoices/{number}/adjust", response=InvoiceOut)
def invoice_adjust(request: HttpRequest, number: InvoiceNumber, payload: AdjustIn) -> Body:
    """Ajuste com sinal (numeração própria, AJ-…). Um débito que leva o total da fatura acima
    do limite de aprovação não vale ainda: fica em ``pending_adjustment`` até outro usuário do
    Financeiro aprová-lo (approve-adjustment) ou rejeitá-lo (reject-adjustment)."""
    corrections.invoice_adjust(
        by=request.user,
        number=number,
        amount=payload.amount,
        reason=payload.reason,
        date=payload.date,
    )
    return _invoice(number)


@router.post("/invoices/{number}/approve-adjustment", response=InvoiceOut)
def invoice_adjustment_approve(request: HttpRequest, number: InvoiceNumber) -> Body:
    """Aprova o ajuste (débito acima do limite de aprovação) que aguarda aprovação: ele passa
    a valer agora. A aprovação deve vir de outro usuário do Financeiro (403 para quem pediu);
    sem ajuste aguardando, 409."""
    corrections.invoice_adjustment_approve(by=request.user, number=number)
    return _invoice(number)


@router.post("/invoices/{number}/reject-adjustment", response=InvoiceOut)
def invoice_adjustment_reject(
    request: HttpRequest, number: InvoiceNumber, payload: RejectIn
) -> Body:
    """Rejeita, com o motivo, o ajuste que aguarda aprovação: nada dele vale. Como a
    aprovação, deve vir de outro usuário do Financeiro."""
    corrections.invoice_adjustment_reject(by=request.user, number=number, reason=payload.reason)
    return _invoice(number)


@router.post("/invoices/{number}/write-off", response=InvoiceOut)
def invoice_write_off(request: HttpRequest, number: InvoiceNumber, payload: WriteOffIn) -> Body:
    """Baixa o saldo como perda (somente Financeiro), datada de ``date`` (padrão: hoje)."""
    corrections.invoice_write_off(
        by=request.user, number=number, reason=payload.reason, date=payload.date
    )
    return _invoice(number)


@router.post("/invoices/{number}/late-charges/waive", response=InvoiceOut)
def invoice_late_charges_waive(
    request: HttpRequest, number: InvoiceNumber, payload: LateChargesWaiveIn
) -> Body:
    """Dispensa, com o motivo, os encargos por atraso (multa e juros de mora) em aberto — todos
    ou ``amount`` deles: um crédito na fatura (somente Financeiro). Sem encargos em aberto, 409;
    ``amount`` acima deles, 422; ``date``: a data do documento (padrão: hoje)."""
    late_charges.late_charges_waive(
        by=request.user,
        number=number,
        amount=payload.amount,
        reason=payload.reason,
        date=payload.date,
    )
    return _invoice(number)


@router.post("/invoices/{number}/convert", response=InvoiceOut)
def invoice_convert(request: HttpRequest, number: InvoiceNumber) -> Body:
    """Converte a proforma numa fatura nova, em rascunho: a resposta é a fatura nova."""
    invoice = services.proforma_convert(by=request.user, number=number)
    return _invoice(invoice.number)


# Last of the /invoices/{number}/... paths: Django tries them in order.
@router.post("/invoices/{number}/{action}", response=InvoiceOut, include_in_schema=False)
def invoice_action_unknown(request: HttpRequest, number: str, action: str) -> Body:
    raise NotFound(
        f"Ação desconhecida: {action!r}. Ações de fatura: {', '.join(INVOICE_ACTIONS)}.",
        errors=[{"field": "action", "message": "desconhecida"}],
    )


# --- payments -----------------------------------------------------------------------------


def _payment_out(payment: Payment) -> Body:
    """``allocations`` are what is applied now (a reversal undoes them): they sum to
    ``applied``; the invoice timeline keeps the reversed ones."""
    return {
        "id": payment.pk,
        "customer_id": payment.customer_id,
        "amount": payment.amount,
        "applied": payment.applied,
        "unapplied": payment.unapplied,
        "received_at": payment.received_at,
        "posted_at": payment.posted_at,
        "method": payment.method,
        "reference": payment.reference,
        "reversed": payment.is_reversed,
        "reversal_date": payment.reversal_date,
        "allocations": [
            {"invoice_number": a.invoice.number, "amount": a.amount, "discount": a.discount}
            for a in payment.allocations.all()  # prefetched by the selector
            if a.reversed_at is None
        ],
    }


@router.post("/payments", response={200: PaymentOut, 201: PaymentOut})
def payment_record(request: HttpRequest, payload: PaymentIn) -> Status[Body]:
    """A payment received, applied to invoices now or kept as customer credit. A repeated
    ``idempotency_key`` with the same body answers 200 with the first payment and records
    nothing; with another body (customer, amount, allocations...) it is a 409 naming the key."""
    require(request.user, Capability.RECORD_PAYMENTS)
    result = payments.payment_record(
        by=request.user,
        customer=customer_get(payload.customer_id),
        amount=payload.amount,
        received_at=payload.received_at,
        method=payload.method,
        reference=payload.reference,
        idempotency_key=payload.idempotency_key,
        allocations=[a.dict() for a in payload.allocations],
        posted_at=payload.posted_at,
    )
    return Status(
        201 if result.created else 200, _payment_out(selectors.payment_get(result.payment.pk))
    )


@router.get("/payments", response=list[PaymentOut], openapi_extra=paged_openapi())
def payment_list(
    request: HttpRequest,
    response: HttpResponse,
    customer_id: Id | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> list[Body]:
    """Payments, the latest received first. Paginated (``limit``/``offset``; the total in
    ``X-Total-Count``, the next page in ``Link``)."""
    require(request.user, Capability.VIEW)
    qs = selectors.payment_list(customer_id=customer_id)
    rows = page(qs, request=request, response=response, limit=limit, offset=offset)
    return [_payment_out(p) for p in rows]


@router.get("/payments/{int:payment_id}", response=PaymentOut)
def payment_get(request: HttpRequest, payment_id: Id) -> Body:
    require(request.user, Capability.VIEW)
    return _payment_out(selectors.payment_get(payment_id))


@router.post("/payments/{int:payment_id}/apply", response=PaymentOut)
def payment_apply(request: HttpRequest, payment_id: Id, payload: PaymentApplyIn) -> Body:
    """Apply the customer credit left on the payment to invoices."""
    payments.payment_apply(
        by=request.user,
        payment_id=payment_id,
        allocations=[a.dict() for a in payload.allocations],
    )
    return _payment_out(selectors.payment_get(payment_id))


@router.post("/payments/{int:payment_id}/post", response=PaymentOut)
def payment_post(request: HttpRequest, payment_id: Id, payload: PaymentPostIn) -> Body:
    """Posting to the ledger (the lag after the receipt is a KPI)."""
    payments.payment_post(by=request.user, payment_id=payment_id, posted_at=payload.posted_at)
    return _payment_out(selectors.payment_get(payment_id))


@router.post("/payments/{int:payment_id}/reverse", response=PaymentOut)
def payment_reverse(request: HttpRequest, payment_id: Id, payload: PaymentReverseIn) -> Body:
    """A bounced payment: its allocations are undone and closed invoices reopen, as of
    ``date`` (the reversal's date, default today)."""
    payments.payment_reverse(
        by=request.user, payment_id=payment_id, reason=payload.reason, date=payload.date
    )
    return _payment_out(selectors.payment_get(payment_id))
