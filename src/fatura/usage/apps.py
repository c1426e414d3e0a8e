from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "fatura.usage"
    label = "usage"
    verbose_name = "Consumo"

    def ready(self) -> None:
        from fatura.catalog.uses import ItemUse, item_use_register
        from fatura.usage.selectors import item_in_consumption

        item_use_register("usage", ItemUse(order=20, refuses_delete=item_in_consumption))
