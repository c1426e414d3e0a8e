"""Reads of the forecast: predictions for open invoices, now."""

from __future__ import annotations

import datetime as dt

from fatura.core import clock
from fatura.forecast.history import load_facts
from fatura.forecast.models import ForecastModel
from fatura.forecast.predict import Prediction, predict
from fatura.forecast.services import active_model
from fatura.receivables.models import Invoice


def open_predictions(as_of: dt.date | None = None, *, explain: bool = True) -> list[Prediction]:
    row, model = active_model()
    return predict(
        load_facts(),
        as_of or clock.today(),
        model,
        version=row.version if row and model else None,
        explain=explain,
    )


def invoice_prediction(invoice: Invoice, as_of: dt.date | None = None) -> Prediction | None:
    """The prediction for one invoice, or ``None`` when it is not open (paid, written off,
    not sent yet, a proforma)."""
    row, model = active_model()
    found = predict(
        load_facts(),
        as_of or clock.today(),
        model,
        version=row.version if row and model else None,
        invoice_ids=[invoice.pk],
    )
    return found[0] if found else None


def active_model_row() -> ForecastModel | None:
    """The active model's row (its card: version, rows, metrics), without loading the model."""
    return ForecastModel.objects.filter(active=True).first()
