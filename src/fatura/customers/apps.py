from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "fatura.customers"
    label = "customers"
    verbose_name = "Clientes"
