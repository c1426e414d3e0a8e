from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fatura.core.roles import Capability, can, role_label

# (url name, label, id): the top navigation, in the order of the monthly work.
NAVIGATION = (
    ("web:home", _("Início"), "nav-home"),
    ("web:customers", _("Clientes"), "nav-customers"),
    ("web:items", _("Itens de cobrança"), "nav-items"),
    ("web:consumption", _("Lançar consumo"), "nav-consumption"),
    ("web:charges", _("Registrar cobrança"), "nav-charges"),
    ("web:invoices", _("Consultar faturas"), "nav-invoices"),
    ("web:payments", _("Pagamentos"), "nav-payments"),
    ("web:worklist", _("Cobrança"), "nav-collections"),
    ("web:aging", _("Relatórios"), "nav-reports"),
    ("web:forecast", _("Previsão"), "nav-forecast"),
    ("web:fiscal", _("Fiscal"), "nav-fiscal"),
    ("web:usage", _("Uso"), "nav-usage"),
    ("web:events", _("Eventos"), "nav-events"),
    ("web:mining", _("Mineração"), "nav-mining"),
)

SECTIONS = {"nav-reports": "/relatorios/", "nav-collections": "/cobranca/"}


def _nav(path: str) -> list[dict[str, Any]]:
    items = []
    for name, text, ident in NAVIGATION:
        url = reverse(name)
        section = SECTIONS.get(ident, url)  # a menu entry stands for every page under it
        active = path == url if url == "/" else path.startswith(section)
        items.append({"url": url, "label": text, "id": ident, "active": active})
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    authenticated = bool(user is not None and user.is_authenticated)
    return {
        "role_label": role_label(user) if authenticated else "",
        "perms_fatura": {cap.value: can(user, cap) for cap in Capability},
        "nav_items": _nav(request.path) if authenticated else [],
    }
