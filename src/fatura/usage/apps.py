from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "fatura.usage"
    label = "usage"
    verbose_name = "Consumo"
