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
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from fatura.banking import files
from fatura.banking.matching import Decision, Rule, among, chunks, decide
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
    payments: dict[str, int] = field(default_factory=dict)  # entry id -> payment id (matched)

    @property
    def created(self) -> bool:
        return self.file is not None


CENT = Decimal("0.01")


def _reject(error: files.BankFileError) -> InvalidInput:
    return InvalidInput(
        error.message,
        errors=[{"line": error.line, "field": error.field, "message": error.message}],
    )


@dataclass(frozen=True)
class Stored:
    """A file read, matched and kept (its entries stored, no payment yet)."""

    file: BankFile
    parsed: files.ParsedFile
    decisions: list[Decision]
    ours: dict[str, int]  # entry id -> BankEntry pk of the entries this file brought first


def bank_file_read(data: bytes) -> files.ParsedFile:
    """The whole file read, or the 422 naming the line and field of its first error."""
    try:
        return files.parse(data, max_bytes=max_upload_bytes())
    except files.BankFileError as exc:
        raise _reject(exc) from None


def bank_file_store(
    *, by: User, parsed: files.ParsedFile, data: bytes, name: str = ""
) -> Stored | None:
    """Keep the file and its new entries with each one's decision, set-based (the candidate
    keys loaded in bulk, the rows inserted in bulk); None when this very file was kept before."""
    actor = require(by, Capability.RECORD_PAYMENTS)
    digest = hashlib.sha256(data).hexdigest()
    if BankFile.objects.filter(sha256=digest).exists():
        return None
    now = clock.now()
    unique: dict[str, files.ParsedEntry] = {}
    for entry in parsed.entries:
        unique.setdefault(entry.entry_id, entry)
    known: set[str] = set()
    for part in chunks(list(unique)):
        rows = among(BankEntry.objects.all(), "entry_id", part).values_list("entry_id", flat=True)
        known.update(rows)
    decisions = decide([e for e in unique.values() if e.entry_id not in known])
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
        # a concurrent import may have kept some of them first: those are duplicates
        _insert(bank_file, decisions, now)
        ours = dict(BankEntry.objects.filter(file=bank_file).values_list("entry_id", "id"))
    return Stored(bank_file, parsed, decisions, ours)


def bank_file_settle(
    *, by: User, stored: Stored, progress: Callable[[str, int, int], None] | None = None
) -> ImportResult:
    """Create the payment of each matched entry (one transaction each), then count and record
    the import. ``progress("settle", done, total)`` every 100 entries (the worker's)."""
    actor = require(by, Capability.RECORD_PAYMENTS)
    bank_file, parsed, ours = stored.file, stored.parsed, stored.ours
    payments: dict[str, int] = {}
    total = len(stored.decisions)
    for done, decision in enumerate(stored.decisions):
        entry_pk = ours.get(decision.entry.entry_id)
        if entry_pk is not None and decision.status == EntryStatus.MATCHED:
            payment_id = _settle(entry_pk, decision, by=actor, source=parsed.kind)
            if payment_id is not None:
                payments[decision.entry.entry_id] = payment_id
        if progress is not None and done % 100 == 0:
            progress("settle", done, total)
    payments_in = sum(
        1 for d in stored.decisions if d.status != EntryStatus.IGNORED and d.entry.entry_id in ours
    )
    matched = len(payments)
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
            timestamp=bank_file.uploaded_at,
            attributes={
                "kind": parsed.kind,
                "bank_code": parsed.bank_code,
                "entries": len(parsed.entries),
                "matched": matched,
                "unmatched": unmatched,
                "duplicates": duplicates,
            },
        )
    bank_file.matched, bank_file.unmatched, bank_file.duplicates = matched, unmatched, duplicates
    return ImportResult(
        bank_file, parsed.kind, len(parsed.entries), matched, unmatched, duplicates, payments
    )


def bank_file_import(*, by: User, data: bytes, name: str = "") -> ImportResult:
    """Read, store, match and apply one file (see the module's docstring)."""
    require(by, Capability.RECORD_PAYMENTS)
    return bank_file_parsed_import(by=by, parsed=bank_file_read(data), data=data, name=name)


def bank_file_parsed_import(
    *, by: User, parsed: files.ParsedFile, data: bytes, name: str = ""
) -> ImportResult:
    """Store, match and apply a file already read whole (``bank_file_read(data)``)."""
    stored = bank_file_store(by=by, parsed=parsed, data=data, name=name)
    if stored is None:
        count = len(parsed.entries)
        return ImportResult(None, parsed.kind, count, 0, 0, count)
    return bank_file_settle(by=by, stored=stored)


_COLUMNS = (
    "file_id", "entry_id", "line", "kind", "movement", "bank_code", "credited_on", "amount",
    "interest", "discount", "fee", "nosso_numero", "txid", "payer_document", "payer_name",
    "memo", "status", "reason", "matched_by_rule", "suggestions", "created_at",
)  # fmt: skip


def _insert(bank_file: BankFile, decisions: list[Decision], now: dt.datetime) -> None:
    """Every entry with its decision, values prepared here (the ORM's ``bulk_create`` spent most
    of a 100,000-entry import preparing them): on PostgreSQL ``COPY`` into a scratch table then
    one ``INSERT … SELECT`` (a statement per row, even pipelined, cost 8 s per 30,000 entries),
    on SQLite an ``executemany`` (in-process, its loop is C). An entry id kept meanwhile by
    another import is skipped (``ON CONFLICT DO NOTHING``). Matched entries wait as unmatched
    until their payment exists."""
    connection = transaction.get_connection()
    ops = connection.ops
    table = ops.quote_name(BankEntry._meta.db_table)
    columns = ", ".join(_COLUMNS)
    postgres = connection.vendor == "postgresql"
    scratch = "banking_bankentry_in"

    def flush(cursor: Any, batch: list[tuple[Any, ...]]) -> None:
        if postgres:
            with cursor.cursor.copy(f"COPY {scratch} ({columns}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks}) "
                "ON CONFLICT (entry_id) DO NOTHING",
                batch,
            )
        batch.clear()

    created = ops.adapt_datetimefield_value(now)
    days: dict[Any, Any] = {}

    def money(value: Decimal) -> str:
        # the readers quantize every amount to cents: its text is what the adapter would give
        return str(value) if value.as_tuple().exponent == -2 else str(value.quantize(CENT))

    def day(value: Any) -> Any:
        if value not in days:
            days[value] = ops.adapt_datefield_value(value)
        return days[value]

    batch: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
            cursor.execute(
                f"CREATE TEMP TABLE {scratch} AS SELECT {columns} FROM {table} WITH NO DATA"
            )
        for decision in decisions:
            entry = decision.entry
            ignored = decision.status == EntryStatus.IGNORED
            suggestions = (
                [decision.invoice.number] if decision.invoice is not None else decision.suggestions
            )
            batch.append(
                (
                    bank_file.pk,
                    entry.entry_id,
                    entry.line,
                    entry.kind,
                    entry.movement[:20],
                    entry.bank_code,
                    day(entry.credited_on),
                    money(entry.amount),
                    money(entry.interest),
                    money(entry.discount),
                    money(entry.fee),
                    entry.nosso_numero[:20],
                    decision.txid[:25],
                    entry.payer_document,
                    entry.payer_name[:120],
                    entry.memo[:255],
                    EntryStatus.IGNORED.value if ignored else EntryStatus.UNMATCHED.value,
                    decision.reason[:200],
                    decision.rule,
                    json.dumps(suggestions) if suggestions else "[]",
                    created,
                )
            )
            if len(batch) >= 1000:
                flush(cursor, batch)
        if batch:
            flush(cursor, batch)
        if postgres:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {scratch} "
                "ON CONFLICT (entry_id) DO NOTHING"
            )
            cursor.execute(f"DROP TABLE {scratch}")


def _source(entry: BankEntry) -> str:
    return entry.file.kind


def _settle(entry_pk: int, decision: Decision, *, by: User, source: str) -> int | None:
    """Create the matched entry's payment; its id when done, None when the invoice no longer
    takes it (the entry stays unmatched, with the service's reason)."""
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
        return None
    return int(payment.pk)


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
