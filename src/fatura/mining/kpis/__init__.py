"""Derived attributes, KPIs with filters and policy checks over an :class:`EventLog`.

Defined once in Ibis (:mod:`.derived`, :mod:`.kpis`, :mod:`.policies`), run on DuckDB or
PySpark; the per-event and per-case derivations also have a NumPy path (:mod:`.fast`).
Definitions for analysts: docs/mining-kpis.md.
"""

from __future__ import annotations

import importlib
import sys
import types

TYPE_CHECKING = False  # typing is not imported on fatura mine's way to a small log
if TYPE_CHECKING:
    from typing import Any

    from fatura.mining.kpis.filters import FilterError, Filters
    from fatura.mining.kpis.kpis import (
        ENGINES,
        Derived,
        Kpi,
        Options,
        compute,
        derive,
        kpis,
        to_json,
    )
    from fatura.mining.kpis.policies import (
        DEFAULT_RULES,
        ApprovedBeforeSent,
        ApproverNotCreator,
        NoSendWithoutApprovalAbove,
        PaidWithinTerms,
        PolicyResult,
        ReminderAfterDue,
        check,
    )

# Loaded on first use (PEP 562): ``fatura mine`` imports the NumPy path (.quick, .values)
# through this package without loading the Ibis definitions (decision 0033).
_WHERE = {
    "FilterError": "filters",
    "Filters": "filters",
    **dict.fromkeys(
        ("ENGINES", "Derived", "Kpi", "Options", "compute", "derive", "kpis", "to_json"), "kpis"
    ),
    **dict.fromkeys(
        (
            "DEFAULT_RULES",
            "ApprovedBeforeSent",
            "ApproverNotCreator",
            "NoSendWithoutApprovalAbove",
            "PaidWithinTerms",
            "PolicyResult",
            "ReminderAfterDue",
            "check",
        ),
        "policies",
    ),
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Package(types.ModuleType):
    """``fatura.mining.kpis.kpis`` is the function, as when this package imported it eagerly
    (importing the submodule of the same name would otherwise bind the module here)."""

    @property
    def kpis(self) -> Any:
        return importlib.import_module(f"{__name__}.kpis").kpis

    @kpis.setter
    def kpis(self, value: Any) -> None:
        pass  # the import system binding the submodule: the name stays the function


sys.modules[__name__].__class__ = _Package


__all__ = [
    "DEFAULT_RULES",
    "ENGINES",
    "ApprovedBeforeSent",
    "ApproverNotCreator",
    "Derived",
    "FilterError",
    "Filters",
    "Kpi",
    "NoSendWithoutApprovalAbove",
    "Options",
    "PaidWithinTerms",
    "PolicyResult",
    "ReminderAfterDue",
    "check",
    "compute",
    "derive",
    "kpis",
    "to_json",
]
