"""Delivering issued invoices: the e-mail with the PDF, sent at once for customers under the
automatic policy (``Customer.delivery == "email"``), recorded on the invoice (``delivery``,
attempts, last error, next retry) and retried with backoff (docs/decisions/0022).

The e-mail never goes out inside a database transaction. An attempt is three steps:

1. *claim* (one short transaction): lock the invoice, check it may be sent, mark it
   ``sending`` with a lease (``delivery_retry_at`` = now + LEASE), count the attempt;
2. *send* the e-mail, outside any transaction (SMTP may take seconds or fail);
3. *record* (one transaction): on success the invoice becomes "sent" with its "Invoice Sent
   to Customer" event; on failure ``failed`` with the error, the next retry and an "Invoice
   Delivery Failed" event. State and event are always written together.

Nothing is half-written: if the process dies between 2 and 3 the lease runs out and the retry
task sends again (at least once: the customer may get a second copy, never none). Issuing
services mark the invoice ``queued`` in their own transaction and ask for
:func:`deliveries_after_commit`, which runs the attempts only once that transaction committed
(``transaction.on_commit``); the billing run hands them to its own background task.

"Held": an invoice above the approval threshold (``FATURA_APPROVAL_THRESHOLD``) that is still
"Concluída" is not e-mailed; it waits, ``held``, for Financeiro to submit and another user to
approve it, and the approval queues it again (``invoice_approve``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count
from django_tasks import task

from fatura.core import clock
from fatura.core.errors import NotFound, RuleViolation
from fatura.core.roles import Capability, require
from fatura.core.users import User
from fatura.customers.models import DeliveryPolicy
from fatura.eventlog import activities
from fatura.eventlog.services import NewEvent
from fatura.receivables import domain
from fatura.receivables.common import (
    approval_threshold,
    check,
    event,
    invoice_lock,
    invoice_save,
    record,
)
from fatura.receivables.mail import MailFailed, send_invoice_email
from fatura.receivables.models import DeliveryStatus, Invoice, InvoiceKind, InvoiceStatus

# How long an attempt under way keeps others off the invoice (then the retry task takes over).
LEASE = dt.timedelta(minutes=15)
# The waits before each automatic retry; after the last one only "Reenviar" sends it.
BACKOFF = (
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
    dt.timedelta(hours=24),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# What the retry task picks up when its time has come.
RETRYABLE = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.FAILED)

SENT = "sent"
FAILED = "failed"
HELD = "held"
SKIPPED = "skipped"


def next_retry(attempts: int, now: dt.datetime) -> dt.datetime | None:
    """When to try again after ``attempts`` failed attempts (None: no more automatic tries)."""
    if attempts < 1 or attempts > len(BACKOFF):
        return None
    return now + BACKOFF[attempts - 1]


def _needs_approval(invoice: Invoice) -> bool:
    return (
        invoice.kind != InvoiceKind.PROFORMA
        and invoice.status == InvoiceStatus.COMPLETED
        and domain.needs_approval(invoice.total_charged, approval_threshold())
    )


def delivery_initial(invoice: Invoice, now: dt.datetime) -> None:
    """Set the delivery of an invoice being issued (not saved yet, or saved by the caller):
    ``queued`` (due now) under the automatic policy, ``held`` above the approval threshold,
    nothing under the manual policy. No query: the customer is already on the invoice."""
    if invoice.customer.delivery != DeliveryPolicy.EMAIL:
        invoice.delivery, invoice.delivery_retry_at = DeliveryStatus.NONE, None
    elif _needs_approval(invoice):
        invoice.delivery, invoice.delivery_retry_at = DeliveryStatus.HELD, None
    else:
        invoice.delivery, invoice.delivery_retry_at = DeliveryStatus.QUEUED, now


def delivery_requeue(invoice: Invoice, now: dt.datetime) -> bool:
    """An approved invoice that was held goes back in the queue (inside the caller's
    transaction; it saves the invoice). True when the caller should send it after commit."""
    if invoice.delivery != DeliveryStatus.HELD:
        return False
    if invoice.customer.delivery != DeliveryPolicy.EMAIL:
        invoice.delivery = DeliveryStatus.NONE
        return False
    invoice.delivery, invoice.delivery_retry_at = DeliveryStatus.QUEUED, now
    return True


# Whether issuing services send their queued invoices after commit (see deliveries_by_caller).
_AFTER_COMMIT: ContextVar[bool] = ContextVar("fatura_deliveries_after_commit", default=True)


@contextmanager
def deliveries_by_caller() -> Iterator[None]:
    """Inside it, issuing services leave their invoices ``queued`` and send nothing after
    commit: the caller sends them (``invoice_deliver(number, now=...)`` or
    :func:`deliveries_send`). For the demo, which replays a year in one transaction on its own
    clock; the retry task would send what it leaves queued."""
    token = _AFTER_COMMIT.set(False)
    try:
        yield
    finally:
        _AFTER_COMMIT.reset(token)


def deliveries_after_commit(numbers: Iterable[str]) -> None:
    """Send these invoices once the current transaction commits (nothing if it rolls back).
    ``robust``: a surprise there is logged, never turned into an error of what committed."""
    wanted = list(numbers)
    if wanted and _AFTER_COMMIT.get():
        transaction.on_commit(lambda: deliveries_send(numbers=wanted), robust=True)


@dataclass
class Claim:
    outcome: str  # "send", or SENT/FAILED/HELD/SKIPPED when decided without sending
    invoice: Invoice
    message: str = ""


def _claim(number: str, *, by: User | None, now: dt.datetime) -> Claim:
    """Step 1: lock, check, and mark the invoice ``sending`` (one transaction). ``by`` None:
    the automatic delivery, which records what it cannot do instead of raising."""
    manual = by is not None
    with transaction.atomic():
        invoice = invoice_lock(number)
        busy = (
            invoice.delivery == DeliveryStatus.SENDING
            and invoice.delivery_retry_at is not None
            and invoice.delivery_retry_at > now
        )
        if manual:
            check(invoice, "send")
            if _needs_approval(invoice):
                raise RuleViolation(
                    f"A fatura {invoice.number} está “Concluída” e passa de "
                    f"R$ {approval_threshold()}: precisa de aprovação antes do envio. "
                    "Ações permitidas: enviar para aprovação."
                )
            if not invoice.customer.email:
                raise RuleViolation(
                    f"O cliente {invoice.customer.name} não tem e-mail cadastrado; "
                    "cadastre-o antes de enviar a fatura."
                )
            if busy:
                raise RuleViolation(
                    f"A fatura {invoice.number} já está sendo enviada; aguarde um instante."
                )
        else:
            if invoice.delivery not in RETRYABLE or busy:
                return Claim(SKIPPED, invoice)
            if invoice.status not in domain.ACTIONS["send"].allowed:
                # paid, credited or sent by hand meanwhile: nothing left to deliver
                invoice.delivery, invoice.delivery_retry_at = DeliveryStatus.NONE, None
                invoice.save(update_fields=["delivery", "delivery_retry_at"])
                return Claim(SKIPPED, invoice)
            if _needs_approval(invoice):
                invoice.delivery, invoice.delivery_retry_at = DeliveryStatus.HELD, None
                invoice.save(update_fields=["delivery", "delivery_retry_at"])
                return Claim(HELD, invoice)
            if not invoice.customer.email:
                invoice.delivery_attempts += 1
                message = f"O cliente {invoice.customer.name} não tem e-mail cadastrado."
                _failed(invoice, message, by=None, now=now, retry=False)
                return Claim(FAILED, invoice, message)
        invoice.delivery = DeliveryStatus.SENDING
        invoice.delivery_attempts += 1
        invoice.delivery_retry_at = now + LEASE
        invoice.save(update_fields=["delivery", "delivery_attempts", "delivery_retry_at"])
    return Claim("send", invoice)


def _failed(
    invoice: Invoice, message: str, *, by: User | None, now: dt.datetime, retry: bool
) -> None:
    """Record a failed attempt and its event (inside the caller's transaction)."""
    invoice.delivery = DeliveryStatus.FAILED
    invoice.delivery_error = message[:300]
    invoice.delivery_retry_at = next_retry(invoice.delivery_attempts, now) if retry else None
    invoice.save(
        update_fields=["delivery", "delivery_error", "delivery_retry_at", "delivery_attempts"]
    )
    extra: dict[str, Any] = {"error": invoice.delivery_error, "attempt": invoice.delivery_attempts}
    if invoice.delivery_retry_at is not None:
        extra["retry_at"] = invoice.delivery_retry_at
    record(
        event(
            invoice,
            activities.INVOICE_DELIVERY_FAILED,
            by=by,
            now=now,
            automated=by is None,
            email=invoice.customer.email,
            **extra,
        )
    )


def _record(
    number: str,
    error: str | None,
    *,
    by: User | None,
    now: dt.datetime,
    locked: Invoice | None = None,
) -> Invoice:
    """Step 3: what the attempt did, with its event (one transaction). ``locked``: the claimed
    invoice when the claim ran inside the caller's transaction, whose lock it still holds."""
    with transaction.atomic():
        invoice = locked if locked is not None else invoice_lock(number)
        if error is not None:
            retry = invoice.customer.delivery == DeliveryPolicy.EMAIL
            _failed(invoice, error, by=by, now=now, retry=retry)
            return invoice
        events: list[NewEvent] = []
        if invoice.status in domain.ACTIONS["send"].allowed:
            invoice.status = InvoiceStatus.SENT
            invoice.sent_at = now
            events.append(
                event(
                    invoice,
                    activities.INVOICE_SENT,
                    by=by,
                    now=now,
                    automated=by is None,
                    email=invoice.customer.email,
                    attempt=invoice.delivery_attempts,
                )
            )
        invoice.delivery = DeliveryStatus.DELIVERED
        invoice.delivery_error = ""
        invoice.delivery_retry_at = None
        invoice_save(invoice)
        record(*events)
    return invoice


def invoice_deliver(
    number: str, *, by: User | None = None, now: dt.datetime | None = None
) -> tuple[str, Invoice]:
    """One attempt to e-mail an invoice: (outcome, invoice), outcome one of SENT, FAILED, HELD,
    SKIPPED. ``by`` None is the automatic delivery (events of user "system"); with a user it
    is their "Enviar"/"Reenviar", which raises what the state forbids (409)."""
    now = now or clock.now()
    # inside a caller's transaction (a replay, a script) the claim's lock lasts until it ends:
    # step 3 need not lock and read the invoice again
    held = transaction.get_connection().in_atomic_block
    claim = _claim(number, by=by, now=now)
    if claim.outcome != "send":
        return claim.outcome, claim.invoice
    locked = claim.invoice if held else None
    try:
        send_invoice_email(claim.invoice)
    except MailFailed as exc:
        cause = exc.__cause__
        error = f"{cause}" if cause is not None else exc.message
        return FAILED, _record(number, error or "falha no envio", by=by, now=now, locked=locked)
    return SENT, _record(number, None, by=by, now=now, locked=locked)


def invoice_send_by(*, by: User, number: str, now: dt.datetime | None = None) -> Invoice:
    """A user's "Enviar" / "Reenviar": one attempt now; a failure is recorded, then raised
    (502) with the reason. ``by`` was checked by the caller."""
    outcome, invoice = invoice_deliver(number, by=by, now=now)
    if outcome == FAILED:
        retry_schedule(invoice.delivery_retry_at)
        raise MailFailed(
            f"Não foi possível enviar o e-mail da fatura {invoice.number} para "
            f"{invoice.customer.email}: {invoice.delivery_error}. A fatura não foi enviada "
            "(a falha ficou registrada); tente de novo em “Reenviar”."
        )
    return invoice


def invoice_resend(*, by: User, number: str, now: dt.datetime | None = None) -> Invoice:
    """Reenviar: try again, now, an invoice whose delivery failed (409 otherwise)."""
    by = require(by, Capability.MANAGE_INVOICES)
    current = Invoice.objects.filter(number=number).values_list("delivery", flat=True).first()
    if current is None:
        raise NotFound(f"Fatura {number} não encontrada.")
    if current != DeliveryStatus.FAILED:
        label = DeliveryStatus(current).label if current else "sem envio automático"
        raise RuleViolation(
            f"O envio da fatura {number} não falhou (envio: “{label}”); use “Enviar”."
        )
    return invoice_send_by(by=by, number=number, now=now)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    held: int = 0
    skipped: int = 0
    next_retry: dt.datetime | None = None  # the earliest retry the failures asked for

    def add(self, outcome: str, invoice: Invoice) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        retry = invoice.delivery_retry_at if outcome == FAILED else None
        if retry is not None and (self.next_retry is None or retry < self.next_retry):
            self.next_retry = retry


ProgressFn = Callable[[int, int], None]


def deliveries_send(
    *,
    numbers: Iterable[str],
    now: dt.datetime | None = None,
    progress: ProgressFn | None = None,
) -> DeliveryReport:
    """The automatic delivery of these invoices, one attempt each (their own transactions);
    what cannot be sent now is recorded on the invoice and left to the retry task."""
    report = DeliveryReport()
    wanted = list(numbers)
    for done, number in enumerate(wanted, start=1):
        outcome, invoice = invoice_deliver(number, now=now)
        report.add(outcome, invoice)
        if progress is not None:
            progress(done, len(wanted))
    retry_schedule(report.next_retry)
    return report


def deliveries_due(now: dt.datetime, *, limit: int = 500) -> list[str]:
    """The invoices whose (re)try time has come: queued, failed with a retry set, or an
    attempt whose lease ran out; oldest first."""
    return list(
        Invoice.objects.filter(delivery__in=RETRYABLE, delivery_retry_at__lte=now)
        .order_by("delivery_retry_at", "pk")
        .values_list("number", flat=True)[:limit]
    )


def deliveries_retry(*, now: dt.datetime | None = None) -> DeliveryReport:
    """The retry task's body: one attempt for every invoice due (see :func:`deliveries_due`)."""
    now = now or clock.now()
    return deliveries_send(numbers=deliveries_due(now), now=now)


def delivery_counts(numbers_from: str, numbers_to: str) -> dict[str, int]:
    """How the invoices numbered ``numbers_from``..``numbers_to`` (one billing run) stand,
    per delivery status (one query)."""
    rows = (
        Invoice.objects.filter(number__gte=numbers_from, number__lte=numbers_to, series="FAT")
        .values("delivery")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["delivery"] or "none": row["n"] for row in rows}


def delivery_numbers(numbers_from: str, numbers_to: str, *, status: str) -> list[str]:
    """The numbers of the run's invoices in a delivery status, in number order."""
    return list(
        Invoice.objects.filter(
            number__gte=numbers_from, number__lte=numbers_to, series="FAT", delivery=status
        )
        .order_by("number")
        .values_list("number", flat=True)
    )


@task()
def deliveries_retry_task() -> dict[str, int]:
    """The retry task: what :func:`deliveries_retry` did (it schedules its own next run when
    something failed again)."""
    report = deliveries_retry()
    return {
        "sent": report.sent,
        "failed": report.failed,
        "held": report.held,
        "skipped": report.skipped,
    }


def retry_schedule(at: dt.datetime | None) -> None:
    """Have the worker run the retry task at ``at`` (a backend that cannot defer a task
    leaves it to the daily routine, which retries what is due too)."""
    if at is None:
        return
    if deliveries_retry_task.get_backend().supports_defer:
        deliveries_retry_task.using(run_after=at).enqueue()
