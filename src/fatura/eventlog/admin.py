from django.contrib import admin

from fatura.eventlog.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, corrections are new events."""

    list_display = ("timestamp", "case_id", "activity", "user", "is_automated", "source_system")
    list_filter = ("activity", "is_automated", "source_system")
    search_fields = ("case_id",)
    date_hierarchy = "timestamp"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
