from django.contrib import admin

from fatura.customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "document", "segment", "region", "business_unit", "payment_terms")
    list_filter = ("segment", "region", "business_unit", "payment_terms")
    search_fields = ("name", "document", "email")
