"""``manage.py forecast_train`` (``fatura forecast train``): train the payment model on the
history known on a day, store it as a new version and make it the active one. ``--enqueue``
queues the nightly training for the worker instead (it does nothing when today's model exists).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from threadpoolctl import threadpool_limits

from fatura.core.errors import RuleViolation
from fatura.forecast.services import model_train
from fatura.forecast.tasks import forecast_train_daily

STEPS = {
    "snapshots": "situações de treino",
    "features": "atributos",
    "training": "treinando os modelos",
    "done": "pronto",
}


def day_option(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name} inválida: {value!r}; use AAAA-MM-DD.") from None


def threads_limited(threads: int | None) -> contextlib.AbstractContextManager[Any]:
    """At most ``threads`` threads for the gradient boosting (OpenMP) and BLAS: on a machine
    shared with other work, fewer threads than cores is often faster."""
    if threads is None:
        return contextlib.nullcontext()
    if threads < 1:
        raise CommandError("--threads: use um número a partir de 1.")
    return threadpool_limits(limits=threads)


class Command(BaseCommand):
    help = (
        "Treina o modelo de previsão de pagamentos com o histórico conhecido até a data de "
        "corte, guarda-o como nova versão e o torna o modelo ativo."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cutoff", help="data de corte AAAA-MM-DD (padrão: hoje)")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="enfileira o treino diário para o worker (fatura worker) em vez de treinar "
            "agora; não faz nada se o modelo do dia já existe",
        )
        parser.add_argument(
            "--threads", type=int, help="threads de cálculo (padrão: todos os núcleos)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = day_option(options["cutoff"], "--cutoff")
        if options["enqueue"]:
            result = forecast_train_daily.enqueue(cutoff.isoformat() if cutoff else None)
            self.stdout.write(
                f"Treino diário da previsão enfileirado (tarefa {result.id}); "
                "o worker (fatura worker) o executa."
            )
            return

        def progress(step: str, share: float) -> None:
            self.stderr.write(f"[{share:4.0%}] {STEPS.get(step, step)}", style_func=str)
            self.stderr.flush()

        try:
            with threads_limited(options["threads"]):
                row = model_train(by="cli", cutoff=cutoff, progress=progress)
        except RuleViolation as exc:
            raise CommandError(exc.message) from None
        metrics = row.metrics
        window = (
            f"{row.window_start:%d/%m/%Y} a {row.window_end:%d/%m/%Y}"
            if row.window_start and row.window_end
            else "—"
        )
        lines = [
            f"Modelo v{row.version} treinado e ativo (corte {row.cutoff:%d/%m/%Y}).",
            f"  situações de treino: {row.rows:,} de {row.invoices:,} faturas".replace(",", "."),
            f"  janela: {window}",
            f"  tempo: {row.seconds:.1f} s".replace(".", ","),
            f"  arquivo: {row.file}",
        ]
        if "mae_days" in metrics:
            lines.append(
                f"  erro médio da data nas situações mais recentes: {metrics['mae_days']:.1f} "
                f"dias; {metrics['band_coverage']:.0%} dos pagamentos na faixa P10–P90".replace(
                    ".", ","
                )
            )
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
