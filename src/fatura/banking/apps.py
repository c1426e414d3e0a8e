from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "fatura.banking"
    label = "banking"
    verbose_name = "Bancos: PIX, boleto e arquivos bancários"

    def ready(self) -> None:
        from fatura.banking.instruments import payment_instructions_provider
        from fatura.receivables.payment_instructions import payment_instructions_register

        payment_instructions_register("banking", payment_instructions_provider)
