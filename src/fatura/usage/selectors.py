from __future__ import annotations

from django.db.models import QuerySet

from fatura.catalog.models import BillingItem
from fatura.core.errors import NotFound
from fatura.core.months import Month
from fatura.usage.models import ClosedMonth, Consumption, VolumeFileJob, VolumeImport


def consumption_list(
    *, customer_id: int | None = None, month: Month | None = None
) -> QuerySet[Consumption]:
    qs = Consumption.objects.select_related("customer", "billing_item")
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if month is not None:
        qs = qs.filter(month=month.first_day)
    return qs.order_by("-month", "customer__name", "billing_item__name", "id")


def consumption_get(consumption_id: int) -> Consumption:
    try:
        return Consumption.objects.select_related("customer", "billing_item").get(pk=consumption_id)
    except Consumption.DoesNotExist:
        raise NotFound(f"Lançamento de consumo {consumption_id} não encontrado.") from None


def volume_import_list() -> QuerySet[VolumeImport]:
    return VolumeImport.objects.select_related("imported_by").order_by("-imported_at")


def closed_month(customer_id: int, month: Month) -> ClosedMonth | None:
    """The customer's month if billing closed it (its charge was finalized), else None."""
    try:  # unique (customer, month): get(), without first()'s ORDER BY
        return ClosedMonth.objects.get(customer_id=customer_id, month=month.first_day)
    except ClosedMonth.DoesNotExist:
        return None


def item_in_consumption(item: BillingItem) -> str | None:
    """Why ``item`` cannot be deleted: consumption entries use it (catalog asks, see
    ``catalog.uses``)."""
    if Consumption.objects.filter(billing_item=item).exists():
        return f"O item {item.name} é usado em lançamentos de consumo e não pode ser excluído."
    return None


def volume_job_get(job_id: int) -> VolumeFileJob:
    """A large volume file's import by the worker, in any state."""
    job = VolumeFileJob.objects.select_related("batch").filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"Importação de volumetria {job_id} não encontrada.")
    return job
