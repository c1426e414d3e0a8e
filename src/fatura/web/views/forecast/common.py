"""What the forecast pages share: the grouping choice, labels, display helpers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fatura.forecast.outlook import Outlook
from fatura.forecast.predict import Prediction

WEEKS = 12
# ?grupo= on the page -> the facts' column (None: the total only)
GROUPS: dict[str, str | None] = {"total": None, "unidade": "business_unit", "segmento": "segment"}
GROUP_LABELS = {
    "total": gettext_lazy("Total"),
    "unidade": gettext_lazy("Unidade de negócio"),
    "segmento": gettext_lazy("Segmento"),
}
BASIS_LABELS = {
    "model": gettext_lazy("pelo modelo"),
    "customer_history": gettext_lazy("pelo histórico do cliente"),
    "due_date": gettext_lazy("pela data de vencimento"),
}


MAE_LABEL = gettext_lazy("Erro médio da data (P50)")
COVERAGE_LABEL = gettext_lazy("Pagamentos dentro de P10–P90")


def group_choice(request: HttpRequest) -> tuple[str, str | None]:
    chosen = request.GET.get("grupo", "total")
    if chosen not in GROUPS:
        chosen = "total"
    return chosen, GROUPS[chosen]


def group_label(key: str, group_by: str | None) -> str:
    if key:
        return key
    return _("(sem unidade)") if group_by == "business_unit" else _("(sem segmento)")


def percent(probability: float) -> Decimal:
    """0.1234 -> 12.3 (%), for display."""
    return (Decimal(str(probability)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PredictionView:
    """A prediction as the pages show it."""

    prediction: Prediction
    late_percent: Decimal
    write_off_percent: Decimal
    basis_label: str

    @property
    def range_days(self) -> int:
        return (self.prediction.p90_date - self.prediction.p10_date).days


def prediction_view(p: Prediction) -> PredictionView:
    return PredictionView(
        prediction=p,
        late_percent=percent(p.late_probability),
        write_off_percent=percent(p.write_off_probability),
        basis_label=str(BASIS_LABELS.get(p.basis, p.basis)),
    )


def basis_counts(seen: Outlook) -> list[tuple[str, str, int]]:
    """(basis, label, how many predictions) in the order model, history, due date."""
    counts = Counter(p.basis for p in seen.predictions)
    return [(b, str(BASIS_LABELS[b]), counts[b]) for b in BASIS_LABELS if counts.get(b)]


def model_metrics(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    """The model card's metrics, labelled and formatted for pt-BR readers."""

    def number(value: Any, places: int = 1) -> str:
        text = f"{float(value):,.{places}f}"
        return text.replace(",", "_").replace(".", ",").replace("_", ".")

    out = []
    if metrics.get("mae_days") is not None:
        out.append((str(MAE_LABEL), _("%s dias") % number(metrics["mae_days"])))
    if metrics.get("band_coverage") is not None:
        out.append((str(COVERAGE_LABEL), f"{number(metrics['band_coverage'] * 100)}%"))
    if metrics.get("holdout_rows") is not None:
        out.append((_("Situações avaliadas"), str(metrics["holdout_rows"])))
    if metrics.get("late_rate") is not None:
        out.append((_("Atraso no histórico"), f"{number(metrics['late_rate'] * 100)}%"))
    if metrics.get("write_off_rate") is not None:
        out.append((_("Perda no histórico"), f"{number(metrics['write_off_rate'] * 100)}%"))
    return out
