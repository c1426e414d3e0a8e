"""``manage.py forecast_backtest`` (``fatura forecast backtest``): the payment model against the
two baselines on rolling time splits of the history (:mod:`fatura.forecast.backtest`). Prints a
table, keeps the result as the latest backtest (``DATA_DIR/forecast/backtest-latest.json``,
what the forecast page shows) and, with ``--json OUT``, writes the same document to OUT too
(``-``: standard output, instead of the table)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fatura.core import clock
from fatura.forecast.backtest import FOLDS, HORIZON_WEEKS, Fold, backtest
from fatura.forecast.backtest_store import backtest_document, backtest_save, write_json
from fatura.forecast.history import load_facts
from fatura.forecast.management.commands.forecast_train import day_option, threads_limited

METHODS = ("model", "due_date", "customer_history")


def _number(value: float | None, places: int = 2, percent: bool = False) -> str:
    if value is None:
        return "—"
    text = f"{value * 100 if percent else value:,.{places}f}"
    text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{text} %" if percent else text


def _date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def _grid(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def table(document: dict[str, Any]) -> str:
    """The backtest document as people read it (pt-BR): the mean over the folds, then each
    fold."""
    folds = document["folds"]
    mean = document["mean"]
    lines = [
        f"Backtest da previsão de pagamentos: {len(folds)} cortes até "
        f"{_date(document['end'])}, cada um avaliado nas {document['horizon_weeks']} semanas "
        "seguintes.",
        "",
    ]
    summary = [
        ["média dos cortes", "modelo", "vencimento / taxa base", "histórico do cliente"],
        ["erro médio da data (MAE, dias)"] + [_number(mean["mae_days"][m]) for m in METHODS],
        ["erro do caixa semanal (WAPE)"] + [_number(mean["wape"][m], 1, True) for m in METHODS],
        ["Brier do atraso"]
        + [_number(mean["brier"][m], 3) for m in ("model", "base_rate", "customer_history")],
        ["AUC do atraso"]
        + [_number(mean["auc"][m], 3) for m in ("model", "base_rate", "customer_history")],
        ["pagamentos dentro de P10–P90", _number(mean["band_coverage"]["model"], 1, True), "", ""],
    ]
    lines += _grid(summary)
    lines.append("")
    per_fold = [
        ["corte", "treino", "abertas", "pagas", "MAE modelo/venc./hist.",
         "WAPE modelo/venc./hist.", "Brier modelo/hist.", "P10–P90"],
    ]  # fmt: skip
    for fold in folds:
        trained = "" if fold["model_trained"] else " (sem modelo)"
        per_fold.append(
            [
                _date(fold["cutoff"]) + trained,
                _number(fold["train_rows"], 0),
                _number(fold["open_invoices"], 0),
                _number(fold["paid"], 0),
                " / ".join(_number(fold["mae_days"][m], 1) for m in METHODS),
                " / ".join(_number(fold["wape"][m], 1, True) for m in METHODS),
                " / ".join(_number(fold["brier"][m], 3) for m in ("model", "customer_history")),
                _number(fold["band_coverage"], 1, True),
            ]
        )
    lines += _grid(per_fold)
    beats = document.get("beats_baselines") or {}
    lines += [
        "",
        "O modelo supera as duas referências no erro da data e no caixa semanal: "
        + ("sim." if beats and all(beats.values()) else "não."),
        "Atraso (Brier, AUC): só faturas ainda não vencidas no corte; as já vencidas estão "
        "atrasadas com certeza e ficam de fora.",
    ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Avalia a previsão de pagamentos em cortes mensais do histórico (treina com o que se "
        "sabia em cada corte e compara com o que aconteceu depois), ao lado de duas "
        "referências: pagar no vencimento e o atraso médio do cliente."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--folds", type=int, default=FOLDS, help=f"número de cortes (padrão {FOLDS})"
        )
        parser.add_argument(
            "--horizon-weeks",
            type=int,
            default=HORIZON_WEEKS,
            help=f"semanas avaliadas depois de cada corte (padrão {HORIZON_WEEKS})",
        )
        parser.add_argument(
            "--end", help="último dia com resultados conhecidos AAAA-MM-DD (padrão: hoje)"
        )
        parser.add_argument(
            "--json", metavar="OUT", help="grava também o resultado em OUT (- = saída padrão)"
        )
        parser.add_argument(
            "--threads", type=int, help="threads de cálculo (padrão: todos os núcleos)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["folds"] < 1 or options["horizon_weeks"] < 1:
            raise CommandError("--folds e --horizon-weeks: use números a partir de 1.")
        end = day_option(options["end"], "--end") or clock.today()
        self._note("Lendo o histórico de faturas…")
        facts = load_facts()
        self._note(f"{facts.invoices.height:,} faturas.".replace(",", "."))

        def progress(n: int, total: int, cutoff: Any, fold: Fold | None) -> None:
            if fold is None:
                self._note(f"[corte {n}/{total}] {cutoff:%d/%m/%Y}: treinando e prevendo…")
            else:
                trained = "" if fold.model_trained else " (histórico curto: sem modelo)"
                seconds = f"{fold.seconds:.1f}".replace(".", ",")
                self._note(
                    f"[corte {n}/{total}] {cutoff:%d/%m/%Y}: {fold.open_invoices} faturas "
                    f"abertas avaliadas em {seconds} s{trained}"
                )

        with threads_limited(options["threads"]):
            result = backtest(
                facts,
                end=end,
                folds=options["folds"],
                horizon_weeks=options["horizon_weeks"],
                progress=progress,
            )
        document = backtest_document(result, invoices=facts.invoices.height)
        kept = backtest_save(document)
        out = options["json"]
        if out == "-":
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
            return
        self.stdout.write(table(document))
        if out:
            write_json(document, Path(out))
            self.stdout.write(f"\nResultado gravado em {out} e em {kept}.")
        else:
            self.stdout.write(f"\nResultado gravado em {kept}.")

    def _note(self, line: str) -> None:
        self.stderr.write(line, style_func=str)  # progress, not an error: no colour
        self.stderr.flush()
