from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fatura.core"
    label = "core"
    verbose_name = "Fatura core"
