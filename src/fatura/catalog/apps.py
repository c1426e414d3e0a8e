from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "fatura.catalog"
    label = "catalog"
    verbose_name = "Itens de cobrança"
