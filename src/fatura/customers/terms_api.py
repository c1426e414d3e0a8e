"""``/payment-terms``: list, create and change payment terms (the code never changes; it may
hold "/", as "30/60/90" does, so the path takes the rest of the URL)."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Path, Router, Status

from fatura.core.pagination import DEFAULT_LIMIT, Limit, Offset, page, paged_openapi
from fatura.core.roles import Capability, require
from fatura.customers import terms
from fatura.customers.models import PaymentTerm
from fatura.customers.schemas import (
    PaymentTermCode,
    PaymentTermIn,
    PaymentTermOut,
    PaymentTermPatch,
)

router = Router(tags=["payment terms"])

Body = dict[str, object]


def term_out(term: PaymentTerm) -> Body:
    return {
        "code": term.code,
        "label": term.label,
        "installments": [
            {"days": int(i["days"]), "percent": str(i["percent"])} for i in term.installments
        ],
        "discount_percent": f"{term.discount_percent:.2f}",
        "discount_days": term.discount_days,
        "active": term.active,
    }


@router.get("", response=list[PaymentTermOut], openapi_extra=paged_openapi())
def payment_term_list(
    request: HttpRequest,
    response: HttpResponse,
    active: bool | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> list[Body]:
    """Payment terms by code. Paginated (``limit``/``offset``; the total in
    ``X-Total-Count``, the next page in ``Link``)."""
    require(request.user, Capability.VIEW)
    rows = page(
        terms.payment_term_list(active=active),
        request=request,
        response=response,
        limit=limit,
        offset=offset,
    )
    return [term_out(t) for t in rows]


@router.post("", response={201: PaymentTermOut})
def payment_term_create(request: HttpRequest, payload: PaymentTermIn) -> Status[Body]:
    data = payload.dict()
    data["installments"] = [dict(i) for i in data["installments"]]
    return Status(201, term_out(terms.payment_term_create(by=request.user, **data)))


@router.get("/{path:code}", response=PaymentTermOut)
def payment_term_get(request: HttpRequest, code: Annotated[PaymentTermCode, Path()]) -> Body:
    require(request.user, Capability.VIEW)
    return term_out(terms.payment_term_get(code))


@router.patch("/{path:code}", response=PaymentTermOut)
def payment_term_update(
    request: HttpRequest, code: Annotated[PaymentTermCode, Path()], payload: PaymentTermPatch
) -> Body:
    data = payload.dict(exclude_unset=True)
    if data.get("installments") is not None:
        data["installments"] = [dict(i) for i in data["installments"]]
    return term_out(terms.payment_term_update(by=request.user, code=code, **data))
