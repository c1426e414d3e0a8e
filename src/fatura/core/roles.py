"""Roles of the user manual and what each may do.

Roles are Django groups (created by a migration); superusers may do everything.
Services call :func:`require` so a page, the API and a task share one rule.
"""

from __future__ import annotations

from enum import StrEnum
from typing import cast

from django.utils.translation import gettext as _

from fatura.core.errors import Forbidden
from fatura.core.users import Actor, User

FINANCEIRO = "Financeiro"
OPERACAO = "Operação"
ROLES = (FINANCEIRO, OPERACAO)


class Capability(StrEnum):
    VIEW = "view"
    MANAGE_CUSTOMERS = "manage_customers"
    MANAGE_CATALOG = "manage_catalog"
    RECORD_CONSUMPTION = "record_consumption"
    FINALIZE_CHARGES = "finalize_charges"
    MANAGE_INVOICES = "manage_invoices"
    APPROVE_INVOICES = "approve_invoices"
    RECORD_PAYMENTS = "record_payments"
    WRITE_OFF = "write_off"
    LOG_COLLECTION = "log_collection"
    MANAGE_COLLECTIONS = "manage_collections"
    RECORD_SERVICE_ORDERS = "record_service_orders"
    MANAGE_FISCAL = "manage_fiscal"
    IMPORT_LOGS = "import_logs"
    CLOSE_PERIODS = "close_periods"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    FINANCEIRO: frozenset(Capability),
    OPERACAO: frozenset(
        {
            Capability.VIEW,
            Capability.RECORD_CONSUMPTION,
            Capability.LOG_COLLECTION,
            Capability.RECORD_SERVICE_ORDERS,
        }
    ),
}

_DENIED_MESSAGES = {
    Capability.VIEW: "Seu usuário não tem um perfil (Financeiro ou Operação).",
    Capability.MANAGE_CUSTOMERS: "Somente o perfil Financeiro cadastra ou altera clientes.",
    Capability.MANAGE_CATALOG: (
        "Somente o perfil Financeiro cria ou altera itens de cobrança e preços."
    ),
    Capability.RECORD_CONSUMPTION: "Seu perfil não pode lançar ou excluir consumo.",
    Capability.FINALIZE_CHARGES: "Somente o perfil Financeiro finaliza cobranças.",
    Capability.MANAGE_INVOICES: "Somente o perfil Financeiro cria ou altera faturas.",
    Capability.APPROVE_INVOICES: "Somente o perfil Financeiro aprova ou rejeita faturas.",
    Capability.RECORD_PAYMENTS: "Somente o perfil Financeiro registra ou estorna pagamentos.",
    Capability.WRITE_OFF: "Somente o perfil Financeiro baixa faturas como perda.",
    Capability.LOG_COLLECTION: "Seu perfil não pode registrar ligações de cobrança.",
    Capability.MANAGE_COLLECTIONS: "Somente o perfil Financeiro altera as réguas de cobrança.",
    Capability.RECORD_SERVICE_ORDERS: "Seu perfil não pode registrar ordens de serviço.",
    Capability.MANAGE_FISCAL: (
        "Somente o perfil Financeiro importa NFS-e e altera os prazos esperados de emissão."
    ),
    Capability.IMPORT_LOGS: "Somente o perfil Financeiro importa logs de eventos.",
    Capability.CLOSE_PERIODS: "Somente o perfil Financeiro fecha ou reabre meses.",
}


def roles_of(user: User | None) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_fatura_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._fatura_roles = cached  # type: ignore[union-attr]  # cached for the request
    return set(cached)


def can(user: User | None, capability: Capability) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return any(capability in ROLE_CAPABILITIES[role] for role in roles_of(user))


def require(user: User | None, capability: Capability) -> Actor:
    """Raise :class:`Forbidden` (403) unless ``user`` may do ``capability``; hand the user back
    as the signed-in actor (``actor = require(by, ...)`` then types ``created_by=actor``)."""
    if not can(user, capability):
        raise Forbidden(_(_DENIED_MESSAGES[capability]))
    return cast("Actor", user)


def role_label(user: User | None) -> str:
    if getattr(user, "is_superuser", False):
        return "Administrador"
    return ", ".join(sorted(roles_of(user))) or "—"
