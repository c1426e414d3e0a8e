from django.apps import AppConfig


class EventlogConfig(AppConfig):
    name = "fatura.eventlog"
    label = "eventlog"
    verbose_name = "Event log"
