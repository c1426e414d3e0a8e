from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fatura.core.roles import Capability, can, role_label


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "role_label": role_label(user) if user is not None else "",
        "perms_fatura": {cap.value: can(user, cap) for cap in Capability},
    }
