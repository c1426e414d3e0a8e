from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "fatura.receivables"
    verbose_name = "Contas a receber e cobrança"

    def ready(self) -> None:
        from fatura.catalog.uses import ItemUse, item_use_register
        from fatura.receivables.selectors import (
            item_last_billed,
            item_on_invoice,
            price_versions_on_invoice,
        )

        item_use_register(
            "receivables",
            ItemUse(
                order=10,
                refuses_delete=item_on_invoice,
                last_billed=item_last_billed,
                versions_used=price_versions_on_invoice,
            ),
        )
