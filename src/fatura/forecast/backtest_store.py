"""Where the latest backtest is kept: ``DATA_DIR/forecast/backtest-latest.json``, written whole
or not at all (a temporary file renamed into place), read by the forecast page.

The document is :func:`fatura.forecast.backtest.as_json` of the result plus ``created_at``
(ISO 8601, with its offset) and ``invoices`` (how many the history had)."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from fatura.core import clock
from fatura.forecast.backtest import Backtest, as_json

NAME = "backtest-latest.json"


@dataclass(frozen=True)
class StoredBacktest:
    data: dict[str, Any]  # as_json(Backtest) + created_at + invoices
    created_at: dt.datetime


def latest_path() -> Path:
    return Path(settings.DATA_DIR) / "forecast" / NAME


def backtest_document(result: Backtest, *, invoices: int) -> dict[str, Any]:
    return {"created_at": clock.now().isoformat(), "invoices": invoices, **as_json(result)}


def write_json(document: dict[str, Any], path: Path) -> Path:
    """``document`` to ``path`` atomically (its folder made when missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, ensure_ascii=False, indent=2)
            out.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def backtest_save(document: dict[str, Any]) -> Path:
    """Keep ``document`` (:func:`backtest_document`) as the latest backtest."""
    return write_json(document, latest_path())


def latest_backtest() -> StoredBacktest | None:
    """The latest backtest kept, or ``None`` (none run yet, or the file is unreadable)."""
    try:
        data = json.loads(latest_path().read_text(encoding="utf-8"))
        created_at = dt.datetime.fromisoformat(data["created_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("folds"), list):
        return None
    return StoredBacktest(data, created_at)
