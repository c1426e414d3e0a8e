from django.contrib import admin

from fatura.catalog.models import BillingItem, PriceVersion


class PriceVersionInline(admin.TabularInline):
    model = PriceVersion
    extra = 0


@admin.register(BillingItem)
class BillingItemAdmin(admin.ModelAdmin):
    list_display = ("name", "product", "unit", "source")
    list_filter = ("source", "product")
    search_fields = ("name", "product")
    inlines = [PriceVersionInline]
