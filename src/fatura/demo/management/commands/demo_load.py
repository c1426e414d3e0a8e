"""``manage.py demo_load`` (``fatura demo``): the demo data of ``make run``; idempotent."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fatura.demo.fiscal_files import fiscal_summary
from fatura.demo.load import demo_load


class Command(BaseCommand):
    help = (
        "Carrega os dados de demonstração (um ano de faturamento e recebíveis); "
        "não faz nada se o banco já tiver clientes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            help="data de referência AAAA-MM-DD (padrão: hoje); o ano termina no mês anterior",
        )
        parser.add_argument(
            "--small",
            action="store_true",
            help="versão reduzida (poucos clientes de recebíveis), para testes",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.FATURA_DEMO:  # demo users (admin/admin-demo) never reach a real database
            raise CommandError(
                "demo_load só roda no modo de demonstração: defina FATURA_DEMO=1 "
                "(make run e make demo o fazem)."
            )
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(f"--today: use AAAA-MM-DD ({exc})") from None
        started = time.perf_counter()
        summary = demo_load(
            today=today,
            size="small" if options["small"] else "full",
            progress=self.stdout.write,
        )
        message = summary.message
        self.stdout.write(self.style.SUCCESS(message) if summary.loaded else message)
        if summary.loaded:
            self.stdout.write(fiscal_summary().message)
            seconds = f"{time.perf_counter() - started:.0f}"
            self.stdout.write(f"Dados de demonstração carregados em {seconds} s.")
