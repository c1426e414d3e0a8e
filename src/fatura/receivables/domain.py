"""The invoice's two state machines and the arithmetic of its balance. Pure: no database.

Document: draft → completed → (pending_approval → approved | back to draft) → sent →
overdue → closed | written_off; disputed while a dispute is open; a proforma is converted.
Payment: unpaid → partially_paid → paid, overpaid when credits follow a full payment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from fatura.core.money import to_money
from fatura.receivables.vocabulary import InvoiceStatus, label_of

# The states' values and labels are defined once, in ``vocabulary``.
DRAFT = InvoiceStatus.DRAFT.value
COMPLETED = InvoiceStatus.COMPLETED.value
PENDING_APPROVAL = InvoiceStatus.PENDING_APPROVAL.value
APPROVED = InvoiceStatus.APPROVED.value
SENT = InvoiceStatus.SENT.value
OVERDUE = InvoiceStatus.OVERDUE.value
DISPUTED = InvoiceStatus.DISPUTED.value
CLOSED = InvoiceStatus.CLOSED.value
WRITTEN_OFF = InvoiceStatus.WRITTEN_OFF.value
CONVERTED = InvoiceStatus.CONVERTED.value

# States in which the invoice is a receivable the customer owes (aging, dunning, payments).
RECEIVABLE = frozenset({COMPLETED, APPROVED, SENT, OVERDUE, DISPUTED})
# States in which a finalized document may be corrected (never edited).
CORRECTABLE = frozenset({COMPLETED, PENDING_APPROVAL, APPROVED, SENT, OVERDUE, DISPUTED})


@dataclass(frozen=True)
class Action:
    name: str  # API name: POST /invoices/{number}/{name}
    label: str  # pt-BR, for messages and buttons
    allowed: frozenset[str]
    proforma: bool = False  # allowed on a proforma


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("complete", "concluir", frozenset({DRAFT}), proforma=True),
        Action("submit", "enviar para aprovação", frozenset({COMPLETED})),
        Action("approve", "aprovar", frozenset({PENDING_APPROVAL})),
        Action("reject", "rejeitar", frozenset({PENDING_APPROVAL})),
        Action("send", "enviar ao cliente", frozenset({COMPLETED, APPROVED}), proforma=True),
        Action("remind", "enviar lembrete", frozenset({SENT, OVERDUE})),
        Action("call", "registrar ligação", frozenset({SENT, OVERDUE, DISPUTED})),
        Action("dispute", "registrar disputa", frozenset({SENT, OVERDUE, DISPUTED})),
        Action("resolve-dispute", "resolver disputa", frozenset({DISPUTED})),
        Action("credit-note", "emitir nota de crédito", CORRECTABLE | {CLOSED}),
        Action("adjust", "ajustar", CORRECTABLE),
        Action("write-off", "baixar como perda", frozenset({SENT, OVERDUE, DISPUTED})),
        Action(
            "convert", "converter em fatura", frozenset({DRAFT, COMPLETED, SENT}), proforma=True
        ),
        Action("apply-payment", "aplicar pagamento", RECEIVABLE),
        Action("due-date-passed", "registrar vencimento", frozenset({SENT})),
    )
}
PROFORMA_ONLY = frozenset({"convert"})


class ActionNotAllowedError(Exception):
    """An action the invoice's current state does not allow (409)."""


def allowed_actions(status: str, *, proforma: bool = False) -> list[str]:
    return [
        name
        for name, action in ACTIONS.items()
        if status in action.allowed
        and (action.proforma or not proforma)
        and (proforma or name not in PROFORMA_ONLY)
        and name not in {"apply-payment", "due-date-passed"}
    ]


def check_action(action: str, status: str, *, number: str, proforma: bool = False) -> None:
    """Raise :class:`ActionNotAllowedError` naming the state and the allowed actions."""
    spec = ACTIONS[action]
    ok = status in spec.allowed and (spec.proforma or not proforma)
    if ok and action in PROFORMA_ONLY and not proforma:
        ok = False
    if ok:
        return
    allowed = allowed_actions(status, proforma=proforma)
    shown = ", ".join(ACTIONS[a].label for a in allowed) or "nenhuma"
    kind = "proforma " if proforma else ""
    raise ActionNotAllowedError(
        f"Não é possível {spec.label} a fatura {kind}{number}: ela está "
        f"“{label_of(InvoiceStatus, status)}”. Ações permitidas: {shown}."
    )


@dataclass(frozen=True)
class Amounts:
    total: Decimal
    applied: Decimal = Decimal("0.00")
    credited: Decimal = Decimal("0.00")
    debited: Decimal = Decimal("0.00")
    discounted: Decimal = Decimal("0.00")
    written_off: Decimal = Decimal("0.00")
    withheld: Decimal = Decimal("0.00")  # the customer's retentions (paid to the tax authority)

    @property
    def owed(self) -> Decimal:
        """What the customer owes in all: total − withholdings − credits + debits − discounts."""
        return self.total - self.withheld - self.credited + self.debited - self.discounted

    @property
    def balance(self) -> Decimal:
        return self.owed - self.applied - self.written_off


def payment_status(owed: Decimal, applied: Decimal, overpaid: Decimal) -> str:
    if overpaid > 0:
        return "overpaid"
    if applied <= 0:
        return "paid" if owed <= 0 else "unpaid"
    return "paid" if applied >= owed else "partially_paid"


def needs_approval(total: Decimal, threshold: Decimal) -> bool:
    return total > threshold


def debit_needs_approval(
    *,
    total_charged: Decimal,
    credited: Decimal,
    debited: Decimal,
    amount: Decimal,
    threshold: Decimal,
) -> bool:
    """A debit (``amount`` > 0) that leaves the invoice's total — what it charged, less its
    credits, plus its debits — above the approval threshold needs another user's approval,
    as sending such an invoice does; credits never do."""
    return amount > 0 and needs_approval(total_charged - credited + debited + amount, threshold)


def payment_request(
    *,
    customer_id: int,
    amount: Decimal,
    received_at: dt.date,
    method: str,
    reference: str,
    allocations: Iterable[tuple[str, Decimal]],
    posted_at: dt.date | None,
) -> dict[str, object]:
    """What a request to record a payment asks for, as JSON that compares equal for equal
    requests ("200" and "200.00" alike; allocations in any order)."""
    return {
        "customer_id": customer_id,
        "amount": str(to_money(amount)),
        "received_at": received_at.isoformat(),
        "method": method,
        "reference": reference,
        "allocations": sorted([number, str(to_money(value))] for number, value in allocations),
        "posted_at": posted_at.isoformat() if posted_at else None,
    }


def request_differences(first: dict[str, object], again: dict[str, object]) -> list[str]:
    """The fields in which ``again`` asks for something else than ``first`` (none when
    ``first`` was not kept)."""
    if not first:
        return []
    return [field for field in again if first.get(field) != again[field]]


def early_discount(
    *, total: Decimal, percent: Decimal, until: dt.date | None, paid_on: dt.date
) -> Decimal:
    """The early-payment discount earned by paying on ``paid_on`` (0 outside the window)."""
    if until is None or percent <= 0 or paid_on > until:
        return Decimal("0.00")
    return to_money(total * percent / Decimal(100))


def days_overdue(due_date: dt.date | None, as_of: dt.date) -> int:
    return max(0, (as_of - due_date).days) if due_date else 0


# --- late charges (multa e juros de mora) ----------------------------------------------------

PERCENT = Decimal(100)
DAYS_PER_MONTH = Decimal(30)  # "pro rata die" over 30-day months (the commercial month)


@dataclass(frozen=True)
class LatePortion:
    """Part of a payment that covered an amount owed since ``due_date`` (the invoice's due
    date, or an installment's)."""

    amount: Decimal
    due_date: dt.date


@dataclass(frozen=True)
class LateCharges:
    """What paying ``base`` late costs: ``fine`` (multa, once) and ``interest`` (juros de mora,
    simple, per day late); ``days_late`` is the longest delay among the portions."""

    base: Decimal
    fine: Decimal
    interest: Decimal
    days_late: int

    @property
    def total(self) -> Decimal:
        return self.fine + self.interest


NO_LATE_CHARGES = LateCharges(Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), 0)


def late_charges(
    portions: Iterable[LatePortion],
    *,
    paid_on: dt.date,
    fine_percent: Decimal,
    interest_monthly_percent: Decimal,
) -> LateCharges:
    """The fine and the interest on what was paid after its due date, each portion by its
    own due date: ``fine = amount × fine% `` and ``interest = amount × monthly% × days late
    / 30`` (simple interest, pro rata die over 30-day months), each rounded half-up to the
    cent per portion (``core.money.to_money``), then summed. Portions paid on or before their
    due date cost nothing; so does everything when both percents are zero."""
    base = fine = interest = Decimal("0.00")
    longest = 0
    for portion in portions:
        days = (paid_on - portion.due_date).days
        if days <= 0 or portion.amount <= 0:
            continue
        base += portion.amount
        fine += to_money(portion.amount * fine_percent / PERCENT)
        interest += to_money(
            portion.amount * interest_monthly_percent / PERCENT * days / DAYS_PER_MONTH
        )
        longest = max(longest, days)
    if not fine and not interest:
        return NO_LATE_CHARGES
    return LateCharges(base, fine, interest, longest)


def late_split(*, balance: Decimal, late_net: Decimal) -> tuple[Decimal, Decimal]:
    """An invoice's open balance as (principal, late charges). Payments cover the principal
    first (what the invoice charged with its credits, debits and discounts), then the late
    charges booked on it (``late_net``: charged − waived − reversed): so the open late charges
    are ``min(balance, late_net)`` and a payment covering them bears no late charges itself
    (no interest on interest)."""
    late_open = min(balance, max(Decimal("0.00"), late_net))
    return balance - late_open, late_open


def due_if_paid(
    *,
    balance: Decimal,
    late_net: Decimal,
    due_dates: Iterable[LatePortion],
    on: dt.date,
    fine_percent: Decimal,
    interest_monthly_percent: Decimal,
) -> Decimal:
    """What settles the invoice if paid in full on ``on``: the balance plus the late charges
    that paying its open principal (``due_dates``: the open principal by due date, oldest
    first) on that day would book."""
    principal, _late = late_split(balance=balance, late_net=late_net)
    portions: list[LatePortion] = []
    for portion in due_dates:
        take = min(principal, portion.amount)
        if take > 0:
            portions.append(LatePortion(take, portion.due_date))
        principal -= take
    charges = late_charges(
        portions,
        paid_on=on,
        fine_percent=fine_percent,
        interest_monthly_percent=interest_monthly_percent,
    )
    return balance + charges.total


AGING_BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")
AGING_LABELS = {
    "current": "A vencer",
    "1-30": "1–30 dias",
    "31-60": "31–60 dias",
    "61-90": "61–90 dias",
    "90+": "Mais de 90 dias",
}


def aging_bucket(due_date: dt.date | None, as_of: dt.date) -> str:
    days = days_overdue(due_date, as_of)
    if days <= 0:
        return "current"
    if days <= 30:
        return "1-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"


# --- reports: aging, DSO, the collector's worklist ------------------------------------------


@dataclass(frozen=True)
class OpenAmount:
    """What one invoice still owes as of a date, tagged with the group it is reported in."""

    key: str
    label: str
    due_date: dt.date | None
    balance: Decimal


@dataclass
class AgingRow:
    """One line of the aging report: a group's open balances per bucket."""

    key: str
    label: str
    buckets: dict[str, Decimal]
    invoices: int = 0

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), Decimal("0.00"))


def _empty_buckets() -> dict[str, Decimal]:
    return dict.fromkeys(AGING_BUCKETS, Decimal("0.00"))


def aging_rows(items: Iterable[OpenAmount], as_of: dt.date) -> list[AgingRow]:
    """Group open amounts by key and age each by its due date (``aging_bucket``); amounts of
    zero or less are not owed and are left out. Rows come sorted by label, then key."""
    rows: dict[str, AgingRow] = {}
    for item in items:
        if item.balance <= 0:
            continue
        row = rows.get(item.key)
        if row is None:
            row = rows[item.key] = AgingRow(item.key, item.label, _empty_buckets())
        row.buckets[aging_bucket(item.due_date, as_of)] += item.balance
        row.invoices += 1
    return sorted(rows.values(), key=lambda r: (r.label.casefold(), r.key))


def aging_total(rows: Iterable[AgingRow]) -> AgingRow:
    total = AgingRow("", "Total", _empty_buckets())
    for row in rows:
        for bucket, amount in row.buckets.items():
            total.buckets[bucket] += amount
        total.invoices += row.invoices
    return total


def collection_priority(balance: Decimal, days: int) -> Decimal:
    """The worklist's priority: what is owed × days overdue (R$·dia)."""
    return to_money(balance * days)


DSO_PLACES = Decimal("0.1")


def days_sales_outstanding(
    receivables: Decimal, credit_sales: Decimal, days: int
) -> Decimal | None:
    """DSO = receivables open at the period's end ÷ credit sales in the period × days in the
    period, in days with one decimal (half-up). ``None`` when there were no credit sales."""
    if credit_sales <= 0 or days <= 0:
        return None
    return (receivables / credit_sales * days).quantize(DSO_PLACES, rounding=ROUND_HALF_UP)
