from django.contrib import admin

from fatura.usage.models import Consumption, VolumeImport


@admin.register(Consumption)
class ConsumptionAdmin(admin.ModelAdmin):
    list_display = ("customer", "month", "billing_item", "quantity", "source")
    list_filter = ("source", "month")
    search_fields = ("customer__name", "customer__document", "billing_item__name")
    raw_id_fields = ("customer", "billing_item", "volume_import")


@admin.register(VolumeImport)
class VolumeImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "rows", "items_created", "imported_by", "imported_at")
