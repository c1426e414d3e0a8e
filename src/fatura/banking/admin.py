from django.contrib import admin

from fatura.banking.models import PaymentInstrument, Remittance


@admin.register(PaymentInstrument)
class PaymentInstrumentAdmin(admin.ModelAdmin):
    list_display = ("reference", "kind", "bank_code", "invoice", "installment_number")
    list_filter = ("kind", "bank_code")
    search_fields = ("reference", "invoice__number")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in PaymentInstrument._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Remittance)
class RemittanceAdmin(admin.ModelAdmin):
    list_display = ("number", "bank_code", "created_at", "created_by")
    exclude = ("content",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Remittance._meta.fields] + ["instruments"]

    def has_delete_permission(self, request, obj=None):
        return False
