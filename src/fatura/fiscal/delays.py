"""Delay reasons: the configurable list (internal or customer-requested) and the reason an
order's NFS-e is late, recorded with its event ("Delay Reason Recorded") in one transaction.
Definitions: docs/nfse-kpi.md, "Motivos de atraso"; decision 0034."""

from __future__ import annotations

from django.db import transaction

from fatura.core import clock
from fatura.core.bounds import check_text
from fatura.core.errors import InvalidInput, NotFound, RuleViolation
from fatura.core.roles import Capability, require
from fatura.core.users import User
from fatura.eventlog import activities
from fatura.eventlog.services import event_record
from fatura.fiscal.events import order_case
from fatura.fiscal.models import DelayKind, DelayReason, ServiceOrder

MAX_LABEL = 120
MAX_NOTE = 500


def _field_error(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": field, "message": message}])


def delay_reason_list(*, active_only: bool = False) -> list[DelayReason]:
    reasons = DelayReason.objects.order_by("-kind", "label")  # internal first
    return list(reasons.filter(active=True) if active_only else reasons)


def delay_reason_create(*, by: User, label: str, kind: str, active: bool = True) -> DelayReason:
    require(by, Capability.MANAGE_FISCAL)
    try:
        label = check_text(label, max_length=MAX_LABEL, required=True).strip()
    except ValueError as exc:
        raise _field_error("label", str(exc)) from None
    if kind not in DelayKind.values:
        raise _field_error("kind", "Tipo deve ser internal ou customer.")
    if DelayReason.objects.filter(label__iexact=label).exists():
        raise RuleViolation(f"O motivo “{label}” já existe.")
    return DelayReason.objects.create(label=label, kind=kind, active=active)


def service_order_delay_reason_set(
    *, by: User, number: str, reason_id: int, note: str = ""
) -> ServiceOrder:
    """Records why the NFS-e of order ``number`` is (or was) late: the order carries the
    reason, and "Delay Reason Recorded" (reason, kind, note) goes to its case."""
    require(by, Capability.MANAGE_FISCAL)
    try:
        note = check_text(note or "", max_length=MAX_NOTE).strip()
    except ValueError as exc:
        raise _field_error("note", str(exc)) from None
    with transaction.atomic():
        order = (
            ServiceOrder.objects.select_for_update(of=("self",))
            .select_related("customer", "invoice")
            .filter(number=number)
            .first()
        )
        if order is None:
            raise NotFound(f"Ordem de serviço {number} não encontrada.")
        reason = DelayReason.objects.filter(pk=reason_id, active=True).first()
        if reason is None:
            raise _field_error("reason_id", f"Motivo de atraso {reason_id} inexistente ou inativo.")
        order.delay_reason = reason
        order.delay_note = note
        order.save(update_fields=["delay_reason", "delay_note"])
        event_record(
            case_id=order_case(order),
            activity=activities.DELAY_REASON_RECORDED,
            user=by,
            timestamp=clock.now(),
            attributes={
                "service_order": order.number,
                "reason": reason.label,
                "kind": reason.kind,
                "note": note,
            },
        )
    return order
