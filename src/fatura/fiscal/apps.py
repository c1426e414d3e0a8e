from django.apps import AppConfig


class FiscalConfig(AppConfig):
    name = "fatura.fiscal"
    verbose_name = "Fiscal (NFS-e)"
