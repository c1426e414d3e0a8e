from django.contrib import admin

from fatura.billing.models import BillingRun, Charge


@admin.register(Charge)
class ChargeAdmin(admin.ModelAdmin):
    list_display = ("customer", "month", "status", "result_center", "ticket", "total_charged")
    list_filter = ("status", "month")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Charge._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BillingRun)
class BillingRunAdmin(admin.ModelAdmin):
    list_display = ("id", "month", "status", "charges_finalized", "requested_at", "finished_at")
