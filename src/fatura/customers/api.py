from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from fatura.core.roles import Capability, require
from fatura.core.schemas import Id, SearchText
from fatura.customers import selectors, services
from fatura.customers.models import Customer
from fatura.customers.schemas import CustomerIn, CustomerOut, CustomerPatch

router = Router(tags=["customers"])


@router.post("", response={201: CustomerOut})
def customer_create(request: HttpRequest, payload: CustomerIn) -> Status[Customer]:
    return Status(201, services.customer_create(by=request.user, **payload.dict()))


@router.get("", response=list[CustomerOut])
def customer_list(request: HttpRequest, search: SearchText = "") -> list[Customer]:
    require(request.user, Capability.VIEW)
    return list(selectors.customer_list(search=search)[:1000])


@router.get("/{customer_id}", response=CustomerOut)
def customer_get(request: HttpRequest, customer_id: Id) -> Customer:
    require(request.user, Capability.VIEW)
    return selectors.customer_get(customer_id)


@router.patch("/{customer_id}", response=CustomerOut)
def customer_update(request: HttpRequest, customer_id: Id, payload: CustomerPatch) -> Customer:
    return services.customer_update(
        by=request.user, customer_id=customer_id, **payload.dict(exclude_unset=True)
    )
