"""``manage.py receivables_daily`` (``fatura receivables_daily``): the daily receivables
routine — recurring invoices, due dates passed, dunning. Run it once a day (cron, systemd
timer); it is safe to run again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fatura.receivables.tasks import daily_run, receivables_daily, summary_text


class Command(BaseCommand):
    help = (
        "Rotina diária de recebíveis: emite as faturas recorrentes do dia, registra os "
        "vencimentos e executa as réguas de cobrança. Pode ser executada de novo sem "
        "duplicar nada."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="data de referência AAAA-MM-DD (padrão: hoje)")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="enfileira a rotina para o worker (fatura worker) em vez de executá-la agora",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date inválida: {options['date']!r}; use AAAA-MM-DD."
                ) from None
        if options["enqueue"]:
            result = receivables_daily.enqueue(day.isoformat() if day else None)
            self.stdout.write(
                f"Rotina diária de recebíveis enfileirada (tarefa {result.id}); "
                "o worker (fatura worker) a executa."
            )
            return
        self.stdout.write(self.style.SUCCESS(summary_text(daily_run(today=day))))
