from django.contrib import admin

from fatura.receivables.models import Invoice, InvoiceInstallment, InvoiceLine


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in InvoiceLine._meta.fields]


class InvoiceInstallmentInline(admin.TabularInline):
    model = InvoiceInstallment
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in InvoiceInstallment._meta.fields]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Finalized invoices are never edited: corrections are credit notes (receivables)."""

    list_display = ("number", "customer", "month", "issue_date", "total_due", "total_charged")
    search_fields = ("number", "customer__name", "customer__document")
    list_filter = ("status", "delivery", "month")
    inlines = [InvoiceLineInline, InvoiceInstallmentInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Invoice._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return False
