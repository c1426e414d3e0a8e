"""Form rendering helpers: a widget that says it is invalid and which text describes it."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def widget_a11y(field: BoundField) -> SafeString:
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        described.append(f"{field.auto_id}_error")
    attrs: dict[str, Any] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def has_field_errors(form: Any) -> bool:
    errors = getattr(form, "errors", None) or {}
    return any(name != "__all__" for name in errors)


@register.filter
def error_title(error: Any, form: Any) -> str:
    """The alert's title: the service's message, unless it only repeats (joined by "; ") the
    messages already shown next to each field."""
    message = str(getattr(error, "message", ""))
    errors = getattr(error, "errors", None) or []
    fields = getattr(form, "fields", {})
    placed = [str(e.get("message", "")) for e in errors if e.get("field") in fields]
    if errors and len(placed) == len(errors) and message == "; ".join(placed):
        return str(_("Corrija os campos destacados abaixo."))
    return message
