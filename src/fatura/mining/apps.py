from django.apps import AppConfig


class MiningConfig(AppConfig):
    """The registry of imported logs, Fatura's own log as Arrow, imports and exports. The
    engine (readers, log, engines, ``fatura mine``) needs no Django and imports none."""

    name = "fatura.mining"
    label = "mining"
    verbose_name = "Process mining"
