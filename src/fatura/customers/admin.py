from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from fatura.core.terms import term_errors
from fatura.customers.models import Customer, PaymentTerm
from fatura.customers.terms import payment_term_create, payment_term_update


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "document",
        "segment",
        "region",
        "business_unit",
        "payment_terms",
        "delivery",
    )
    list_filter = ("segment", "region", "business_unit", "payment_terms", "delivery")
    search_fields = ("name", "document", "email")


class PaymentTermForm(forms.ModelForm):
    class Meta:
        model = PaymentTerm
        fields = ("code", "label", "installments", "discount_percent", "discount_days", "active")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        installments = data.get("installments")
        errors = term_errors(
            code=data.get("code") or (self.instance.code if self.instance.pk else ""),
            label=data.get("label") or "",
            installments=installments if isinstance(installments, list) else [],
            discount_percent=data.get("discount_percent") or 0,
            discount_days=data.get("discount_days") or 0,
        )
        if errors:
            raise forms.ValidationError([f"{e['field']}: {e['message']}" for e in errors])
        return data


@admin.register(PaymentTerm)
class PaymentTermAdmin(admin.ModelAdmin):
    """Saved through ``customers.terms`` (the same checks and events as the page and the
    API); the code never changes and a term is never deleted (deactivate it)."""

    form = PaymentTermForm
    list_display = ("code", "label", "discount_percent", "discount_days", "active")
    list_filter = ("active",)
    search_fields = ("code", "label")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PaymentTerm, form: Any, change: bool) -> None:
        values = {
            "label": obj.label,
            "installments": obj.installments,
            "discount_percent": obj.discount_percent,
            "discount_days": obj.discount_days,
            "active": obj.active,
        }
        if change:
            saved = payment_term_update(by=request.user, code=obj.code, **values)
        else:
            saved = payment_term_create(by=request.user, code=obj.code, **values)
        obj.pk = saved.pk
