from __future__ import annotations

from django.contrib.auth import get_user_model
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


def customer_documents(limit: int) -> list[str]:
    """The CPF/CNPJ of the first ``limit`` customers (by name): examples that import as they
    are."""
    return list(customer_list().values_list("document", flat=True)[:limit])


def customer_segments() -> list[str]:
    """The segments customers are in (without the empty one), sorted ignoring case."""
    found = Customer.objects.exclude(segment="").values_list("segment", flat=True).distinct()
    return sorted(set(found), key=str.lower)


def collects_for_anyone(user_id: int | None) -> bool:
    """Whether the user is the collector of any customer."""
    return user_id is not None and Customer.objects.filter(collector_id=user_id).exists()


def collectors() -> list[tuple[int, str]]:
    """The users who collect for some customer, as (id, name), by username."""
    ids = Customer.objects.exclude(collector=None).values_list("collector", flat=True).distinct()
    users = get_user_model().objects.filter(pk__in=set(ids)).order_by("username")
    return [(u.pk, u.get_full_name() or u.get_username()) for u in users]
