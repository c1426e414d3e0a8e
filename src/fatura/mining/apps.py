from django.apps import AppConfig


class MiningConfig(AppConfig):
    """Not in INSTALLED_APPS yet: the engine (readers, log, engines, ``fatura mine``) needs no
    Django; the pages and the registry of imported logs will."""

    name = "fatura.mining"
    label = "mining"
    verbose_name = "Process mining"
