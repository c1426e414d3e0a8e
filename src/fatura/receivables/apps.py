from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "fatura.receivables"
    verbose_name = "Contas a receber e cobrança"
