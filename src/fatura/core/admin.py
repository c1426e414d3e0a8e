from django.contrib import admin

from fatura.core.models import Counter


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ("name", "last_value")
    readonly_fields = ("name", "last_value")
