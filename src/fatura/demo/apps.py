from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "fatura.demo"
    label = "demo"
    verbose_name = "Fatura demo"
