"""Derived attributes, KPIs with filters and policy checks over an :class:`EventLog`.

Defined once in Ibis (:mod:`.derived`, :mod:`.kpis`, :mod:`.policies`), run on DuckDB or
PySpark; the per-event and per-case derivations also have a NumPy path (:mod:`.fast`).
Definitions for analysts: docs/mining-kpis.md.
"""

from fatura.mining.kpis.filters import FilterError, Filters
from fatura.mining.kpis.kpis import ENGINES, Derived, Kpi, Options, compute, derive, kpis, to_json
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
