"""Policy checks: declarative rules over the derived tables, listing the violating cases.

Each rule is a small frozen dataclass with ``name``, ``describe()`` and ``violations(steps,
cases)``: an Ibis table of (``case_id``, ``detail``) — one Ibis definition, run on DuckDB or
PySpark like the KPIs. :func:`check` runs the rules and turns each detail into a short reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir

from fatura.mining.kpis import derived as d
from fatura.mining.kpis.inputs import DAY_US
from fatura.mining.kpis.kpis import Derived


class Rule(Protocol):
    @property
    def name(self) -> str: ...

    def describe(self) -> str: ...

    def violations(self, steps: ir.Table, cases: ir.Table) -> ir.Table: ...

    def reason(self, detail: Any) -> str: ...


def _sends_before_approval(steps: ir.Table) -> ir.Table:
    """Per case, the first 'sent to customer' with no 'approved' before it."""
    approved_before = (
        ibis.ifelse(steps.activity == d.APPROVED, 1, ibis.null("int64"))
        .max()
        .over(ibis.cumulative_window(group_by=steps.case_id, order_by=steps.pos))
    )
    marked = steps.mutate(approved_before=approved_before)
    bad = marked.filter((marked.activity == d.SENT) & marked.approved_before.isnull())
    return bad.group_by("case_id").aggregate(sent_us=bad.ts_us.min())


def _when(us: Any) -> str:
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(us))
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class ApprovedBeforeSent:
    """Every send to the customer follows an approval, in cases that went through approval."""

    name: str = "approved_before_sent"

    def describe(self) -> str:
        return "Invoice Sent to Customer only after Invoice Approved (cases with an approval step)"

    def violations(self, steps: ir.Table, cases: ir.Table) -> ir.Table:
        flow = cases.filter(cases.approval_flow).select("case_id")
        bad = _sends_before_approval(steps).semi_join(flow, "case_id")
        return bad.select("case_id", detail=bad.sent_us)

    def reason(self, detail: Any) -> str:
        return f"sent to the customer at {_when(detail)} before any approval"


@dataclass(frozen=True)
class NoSendWithoutApprovalAbove:
    """Invoices above ``amount`` are sent only after an approval."""

    amount: float
    name: str = "no_send_without_approval_above"

    def describe(self) -> str:
        return f"Invoices above {self.amount:.2f} are approved before they are sent"

    def violations(self, steps: ir.Table, cases: ir.Table) -> ir.Table:
        big = cases.filter(cases.amount > self.amount).select("case_id", "amount")
        bad = _sends_before_approval(steps).join(big, "case_id")
        return bad.select("case_id", detail=bad.amount)

    def reason(self, detail: Any) -> str:
        return f"amount {float(detail):.2f} > {self.amount:.2f} sent without approval"


@dataclass(frozen=True)
class ApproverNotCreator:
    """Segregation of duties: whoever approved an invoice did not create it."""

    name: str = "approver_not_creator"

    def describe(self) -> str:
        return "The resource of Invoice Approved differs from that of Invoice Created"

    def violations(self, steps: ir.Table, cases: ir.Table) -> ir.Table:
        created = steps.filter((steps.activity == d.CREATED) & steps.resource.notnull())
        creators = created.select(case_id=created.case_id, creator=created.resource).distinct()
        approved = steps.filter(steps.activity == d.APPROVED)
        same = approved.join(
            creators,
            (approved.case_id == creators.case_id) & (approved.resource == creators.creator),
        )
        return same.group_by(same.case_id).aggregate(detail=same.creator.min())

    def reason(self, detail: Any) -> str:
        return f"approved by {detail}, who created it"


@dataclass(frozen=True)
class ReminderAfterDue:
    """Payment reminders only once the due date has passed."""

    name: str = "reminder_only_after_due_date"

    def describe(self) -> str:
        return "Payment Reminder Issued only after the due date"

    def violations(self, steps: ir.Table, cases: ir.Table) -> ir.Table:
        due = cases.filter(cases.due_us.notnull()).select("case_id", "due_us")
        reminders = steps.filter(steps.activity == d.REMINDER).join(due, "case_id")
        early = reminders.filter(reminders.ts_us < reminders.due_us)
        return early.group_by("case_id").aggregate(detail=early.ts_us.min())

    def reason(self, detail: Any) -> str:
        return f"reminder at {_when(detail)}, before the due date had passed"


@dataclass(frozen=True)
class PaidWithinTerms:
    """Paid by the due date (cases paid and with a due date)."""

    name: str = "paid_within_terms"

    def describe(self) -> str:
        return "Paid by the due date"

    def violations(self, steps: ir.Table, cases: ir.Table) -> ir.Table:
        late = cases.filter(cases.is_paid_on_time.fill_null(True) == False)  # noqa: E712
        return late.select("case_id", detail=late.overdue_us)

    def reason(self, detail: Any) -> str:
        return f"paid {int(detail) / DAY_US:.1f} days after the due date"


DEFAULT_RULES: tuple[Rule, ...] = (
    ApprovedBeforeSent(),
    ApproverNotCreator(),
    ReminderAfterDue(),
    PaidWithinTerms(),
)


@dataclass(frozen=True)
class PolicyResult:
    rule: str
    description: str
    violations: dict[str, str]  # case id -> reason, in case id order

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "description": self.description,
            "violating_cases": len(self.violations),
            "violations": [{"case_id": k, "reason": v} for k, v in self.violations.items()],
        }


def check(derived: Derived, rules: tuple[Rule, ...] = DEFAULT_RULES) -> list[PolicyResult]:
    results = []
    for rule in rules:
        table = derived.backend.to_pyarrow(rule.violations(derived.steps, derived.cases))
        rows = sorted(table.to_pylist(), key=lambda row: row["case_id"])
        results.append(
            PolicyResult(
                rule.name,
                rule.describe(),
                {row["case_id"]: rule.reason(row["detail"]) for row in rows},
            )
        )
    return results
