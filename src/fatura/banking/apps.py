from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "fatura.banking"
    label = "banking"
    verbose_name = "Bancos: PIX, boleto e arquivos bancários"
