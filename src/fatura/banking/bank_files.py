"""Bank files in, payments out: import a return file or statement (read whole first: a bad file
is refused with its line and field and nothing is stored), keep each entry once, match the file
at once (``banking.matching``) and create each matched entry's payment through receivables'
payment service — method boleto/PIX, received on the date of credit, the entry's id as the
idempotency key, so late charges, discounts and events follow as for a typed payment. The same
file or entry again changes nothing: it is counted as a duplicate.

Financeiro matches what is left by hand (allocations, like a typed payment) or ignores it with a
reason."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from fatura.banking import files
from fatura.banking.matching import Decision, Rule, chunks, decide
from fatura.banking.models import BankEntry, BankFile, EntryStatus
from fatura.core import clock
from fatura.core.errors import DomainError, InvalidInput, NotFound, RuleViolation
from fatura.core.limits import max_upload_bytes
from fatura.core.roles import Capability, require
from fatura.core.users import User
from fatura.eventlog import activities
from fatura.eventlog.services import event_record
from fatura.receivables.models import Invoice
from fatura.receivables.payments import payment_apply, payment_record


@dataclass(frozen=True)
class ImportResult:
    file: BankFile | None  # None: this very file had been imported before
    kind: str
    entries: int
    matched: int
    unmatched: int
    duplicates: int

    @property
    def created(self) -> bool:
        return self.file is not None


def _reject(error: files.BankFileError) -> InvalidInput:
    return InvalidInput(
        error.message,
        errors=[{"line": error.line, "field": error.field, "message": error.message}],
    )


def bank_file_import(*, by: User, data: bytes, name: str = "") -> ImportResult:
    """Read, store, match and apply one file (see the module's docstring)."""
    actor = require(by, Capability.RECORD_PAYMENTS)
    try:
        parsed = files.parse(data, max_bytes=max_upload_bytes())
    except files.BankFileError as exc:
        raise _reject(exc) from None
    digest = hashlib.sha256(data).hexdigest()
    if BankFile.objects.filter(sha256=digest).exists():
        count = len(parsed.entries)
        return ImportResult(None, parsed.kind, count, 0, 0, count)
    now = clock.now()
    unique: dict[str, files.ParsedEntry] = {}
    for entry in parsed.entries:
        unique.setdefault(entry.entry_id, entry)
    known: set[str] = set()
    for part in chunks(list(unique)):
        known.update(BankEntry.objects.filter(entry_id__in=part).values_list("entry_id", flat=True))
    fresh = [e for e in unique.values() if e.entry_id not in known]
    decisions = decide(fresh)
    with transaction.atomic():
        bank_file = BankFile.objects.create(
            kind=parsed.kind,
            bank_code=parsed.bank_code,
            name=(name or "")[:200],
            sha256=digest,
            size=len(data),
            entries=len(parsed.entries),
            uploaded_by=actor,
            uploaded_at=now,
        )
        rows = [_row(bank_file, d, now) for d in decisions]
        BankEntry.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        # ignore_conflicts: a concurrent import kept some of them first; those are duplicates
        ours = dict(BankEntry.objects.filter(file=bank_file).values_list("entry_id", "id"))
    matched = 0
    for decision in decisions:
        entry_pk = ours.get(decision.entry.entry_id)
        if entry_pk is not None and decision.status == EntryStatus.MATCHED:
            matched += _settle(entry_pk, decision, by=actor, source=parsed.kind)
    payments_in = sum(
        1 for d in decisions if d.status != EntryStatus.IGNORED and d.entry.entry_id in ours
    )
    unmatched = payments_in - matched
    duplicates = len(parsed.entries) - len(ours)
    with transaction.atomic():
        BankFile.objects.filter(pk=bank_file.pk).update(
            matched=matched, unmatched=unmatched, duplicates=duplicates
        )
        event_record(
            case_id=f"bank-file:{bank_file.pk}",
            activity=activities.BANK_FILE_IMPORTED,
            user=actor,
            timestamp=now,
            attributes={
                "kind": parsed.kind,
                "bank_code": parsed.bank_code,
                "entries": len(parsed.entries),
                "matched": matched,
                "unmatched": unmatched,
                "duplicates": duplicates,
            },
        )
    bank_file.refresh_from_db()
    return ImportResult(bank_file, parsed.kind, len(parsed.entries), matched, unmatched, duplicates)


def _row(bank_file: BankFile, decision: Decision, now: dt.datetime) -> BankEntry:
    entry = decision.entry
    return BankEntry(
        file=bank_file,
        entry_id=entry.entry_id,
        line=entry.line,
        kind=entry.kind,
        movement=entry.movement[:20],
        bank_code=entry.bank_code,
        credited_on=entry.credited_on,
        amount=entry.amount,
        interest=entry.interest,
        discount=entry.discount,
        fee=entry.fee,
        nosso_numero=entry.nosso_numero[:20],
        txid=decision.txid[:25],
        payer_document=entry.payer_document,
        payer_name=entry.payer_name[:120],
        memo=entry.memo[:255],
        # matched once its payment exists (_settle); until then waiting, with the target
        status=EntryStatus.IGNORED
        if decision.status == EntryStatus.IGNORED
        else EntryStatus.UNMATCHED,
        reason=decision.reason[:200],
        matched_by_rule=decision.rule,
        suggestions=(
            [decision.invoice.number] if decision.invoice is not None else decision.suggestions
        ),
        created_at=now,
    )


def _source(entry: BankEntry) -> str:
    return entry.file.kind


def _settle(entry_pk: int, decision: Decision, *, by: User, source: str) -> int:
    """Create the matched entry's payment; 1 when done, 0 when the invoice no longer takes
    it (the entry stays unmatched, with the service's reason)."""
    assert decision.invoice is not None
    entry = decision.entry
    try:
        with transaction.atomic():
            invoice = Invoice.objects.select_related("customer").get(pk=decision.invoice.invoice_id)
            if invoice.balance <= 0:
                raise RuleViolation(f"A fatura {invoice.number} já está quitada.")
            payment = _pay(
                entry_pk,
                by=by,
                customer=invoice.customer,
                amount=entry.amount,
                received_at=entry.credited_on or clock.localdate(),
                method=decision.method,
                reference=entry.nosso_numero or decision.txid or entry.entry_id,
                allocations=[
                    {"invoice_number": invoice.number, "amount": min(entry.amount, invoice.balance)}
                ],
                source=source,
                entry_id=entry.entry_id,
            )
            BankEntry.objects.filter(pk=entry_pk).update(
                status=EntryStatus.MATCHED, payment=payment, reason=""
            )
    except DomainError as exc:
        BankEntry.objects.filter(pk=entry_pk).update(
            matched_by_rule="", reason=exc.message[:200], suggestions=[decision.invoice.number]
        )
        return 0
    return 1


def _pay(
    entry_pk: int,
    *,
    by: User,
    customer: Any,
    amount: Decimal,
    received_at: dt.date,
    method: str,
    reference: str,
    allocations: list[dict[str, Any]],
    source: str,
    entry_id: str,
) -> Any:
    """The payment of an entry (in the caller's transaction); what is left after the
    allocations — the juros/multa the bank collected — pays the late charges the payment
    service booked on those invoices, and any rest stays as the customer's credit."""
    result = payment_record(
        by=by,
        customer=customer,
        amount=amount,
        received_at=received_at,
        method=method,
        reference=reference[:80],
        idempotency_key=entry_id,
        allocations=allocations,
        received_attributes={"source": source, "bank_entry_id": entry_id},
    )
    payment = result.payment
    if not result.created:
        return payment
    numbers = [a["invoice_number"] for a in allocations]
    left = payment.amount - payment.applied
    if left > 0:
        extra = []
        for number, balance in Invoice.objects.filter(
            number__in=numbers, balance__gt=0
        ).values_list("number", "balance"):
            take = min(left, balance)
            if take > 0:
                extra.append({"invoice_number": number, "amount": take})
                left -= take
        if extra:
            payment = payment_apply(by=by, payment_id=payment.pk, allocations=extra)
    return payment


def bank_entry_get(entry_id: int) -> BankEntry:
    entry = BankEntry.objects.select_related("file").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(f"Lançamento bancário {entry_id} não encontrado.")
    return entry


def _lock_unmatched(entry_id: int) -> BankEntry:
    entry = BankEntry.objects.select_for_update().select_related("file").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(f"Lançamento bancário {entry_id} não encontrado.")
    if entry.status != EntryStatus.UNMATCHED:
        raise RuleViolation(
            f"O lançamento {entry.pk} está {EntryStatus(entry.status).label.lower()}: só "
            "lançamentos pendentes são conciliados ou ignorados."
        )
    return entry


def bank_entry_match(*, by: User, entry_id: int, allocations: list[dict[str, Any]]) -> BankEntry:
    """Financeiro's match of a pending entry: its payment applied to the invoices given (of one
    customer); what the allocations leave stays as that customer's credit."""
    actor = require(by, Capability.RECORD_PAYMENTS)
    if not allocations:
        raise InvalidInput(
            "Informe ao menos uma alocação.", errors=[{"field": "allocations", "message": "vazio"}]
        )
    numbers = [str(a.get("invoice_number") or "") for a in allocations]
    now = clock.now()
    with transaction.atomic():
        entry = _lock_unmatched(entry_id)
        if entry.kind != files.EntryKind.PAYMENT:
            raise RuleViolation(f"O lançamento {entry.pk} não é um recebimento.")
        customers = set(
            Invoice.objects.filter(number__in=numbers).values_list("customer_id", flat=True)
        )
        found = set(Invoice.objects.filter(number__in=numbers).values_list("number", flat=True))
        missing = [n for n in numbers if n not in found]
        if missing:
            raise NotFound(f"Fatura {missing[0]} não encontrada.")
        if len(customers) != 1:
            raise InvalidInput(
                "As faturas de uma conciliação são de um só cliente.",
                errors=[{"field": "allocations", "message": "clientes diferentes"}],
            )
        invoice = Invoice.objects.select_related("customer").filter(number=numbers[0]).first()
        assert invoice is not None
        method = (
            "boleto"
            if entry.nosso_numero
            else ("pix" if entry.txid or "PIX" in entry.memo.upper() else "transferencia")
        )
        payment = _pay(
            entry.pk,
            by=actor,
            customer=invoice.customer,
            amount=entry.amount,
            received_at=entry.credited_on or clock.localdate(now),
            method=method,
            reference=entry.nosso_numero or entry.txid or entry.entry_id,
            allocations=allocations,
            source=_source(entry),
            entry_id=entry.entry_id,
        )
        entry.status = EntryStatus.MATCHED
        entry.payment = payment
        entry.matched_by_rule = Rule.MANUAL
        entry.reason = ""
        entry.decided_by = actor
        entry.decided_at = now
        entry.save(
            update_fields=[
                "status",
                "payment",
                "matched_by_rule",
                "reason",
                "decided_by",
                "decided_at",
            ]
        )
    return entry


def bank_entry_ignore(*, by: User, entry_id: int, reason: str) -> BankEntry:
    """A pending entry that is not a customer's payment (a transfer between own accounts, a
    refund...) leaves the queue, with the reason."""
    actor = require(by, Capability.RECORD_PAYMENTS)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            "Informe o motivo para ignorar o lançamento.",
            errors=[{"field": "reason", "message": "obrigatório"}],
        )
    now = clock.now()
    with transaction.atomic():
        entry = _lock_unmatched(entry_id)
        entry.status = EntryStatus.IGNORED
        entry.reason = reason[:200]
        entry.decided_by = actor
        entry.decided_at = now
        entry.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        event_record(
            case_id=f"bank-entry:{entry.entry_id}",
            activity=activities.BANK_ENTRY_IGNORED,
            user=actor,
            timestamp=now,
            attributes={
                "bank_entry_id": entry.entry_id,
                "amount": entry.amount,
                "source": _source(entry),
                "reason": entry.reason,
            },
        )
    return entry
