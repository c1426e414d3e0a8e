from django.apps import AppConfig


class ForecastConfig(AppConfig):
    name = "fatura.forecast"
    verbose_name = "Previsão de recebimentos"
