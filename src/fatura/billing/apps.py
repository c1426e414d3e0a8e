from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "fatura.billing"
    label = "billing"
    verbose_name = "Cobranças e faturas"
