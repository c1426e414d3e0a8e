from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "fatura.web"
    label = "web"
    verbose_name = "Fatura web"
