from __future__ import annotations

from django.db.models import Q, QuerySet

from fatura.core.errors import NotFound
from fatura.customers.models import Customer


def customer_list(*, search: str = "") -> QuerySet[Customer]:
    qs = Customer.objects.all()
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        condition = Q(name__icontains=search)
        if digits:
            condition |= Q(document__contains=digits)
        qs = qs.filter(condition)
    return qs.order_by("name", "id")


def customer_get(customer_id: int) -> Customer:
    try:
        return Customer.objects.get(pk=customer_id)
    except Customer.DoesNotExist:
        raise NotFound(f"Cliente {customer_id} não encontrado.") from None
