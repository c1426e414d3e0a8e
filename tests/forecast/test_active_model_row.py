"""``forecast.selectors.active_model_row``: the active model's card, without loading it."""

from __future__ import annotations

from typing import Any

from fatura.forecast.selectors import active_model_row
from fatura.forecast.services import model_train


def test_none_before_training_then_the_latest(history: Any, fin_user: Any) -> None:
    assert active_model_row() is None
    model_train(by=fin_user)
    second = model_train(by=fin_user)
    row = active_model_row()
    assert row is not None and (row.version, row.active) == (second.version, True)
