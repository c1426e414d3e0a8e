from django.apps import AppConfig


class FiscalConfig(AppConfig):
    name = "fatura.fiscal"
    verbose_name = "Fiscal (NFS-e)"

    def ready(self) -> None:
        # receivables withholds ISS at the service's rate, which only fiscal knows (decision 0029)
        from fatura.fiscal.dps_source import invoice_iss_rate
        from fatura.receivables.withholdings import iss_rate_register

        iss_rate_register(invoice_iss_rate)

        # the invoice's e-mail carries the DANFSe of its NFS-e (decision 0039)
        from fatura.fiscal.nfse_documents import invoice_danfse_attachments
        from fatura.receivables.mail_attachments import mail_attachments_register

        mail_attachments_register("fiscal", invoice_danfse_attachments)
