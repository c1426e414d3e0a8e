"""Writing an NFS-e upload: the planned NFS-e (:mod:`fatura.fiscal.nfse_plan`), the
cancellations the upload records, the substitutes, the coverage rule, then one bulk write with
its event-log entries. All or nothing. The rules: docs/nfse-kpi.md ("## Imports")."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from itertools import chain

from django.db import IntegrityError, transaction

from fatura.core.errors import RuleViolation
from fatura.core.users import User
from fatura.eventlog.services import events_record_many
from fatura.fiscal import events
from fatura.fiscal.import_rows import ImportResult, RowError, brl, invalid
from fatura.fiscal.models import Nfse, NfseCoverage, NfseStatus
from fatura.fiscal.nfse_plan import (
    Cancel,
    Known,
    Subject,
    chunked,
    duplicates,
    plan,
    status_label,
)
from fatura.fiscal.nfse_rows import CANCELLED, ISSUED, REPLACED, IncomingCancellation, IncomingNfse


def nfse_load(
    *,
    by: User,
    filename: str,
    nfses: list[IncomingNfse],
    cancellations: list[IncomingCancellation],
    ignored: int = 0,
) -> ImportResult:
    """Check every NFS-e and cancellation against the database, then write them all, or
    raise ``InvalidInput`` with every error and write nothing."""
    errors = duplicates(nfses, cancellations)
    if errors:
        raise invalid(errors, filename)
    with transaction.atomic():
        known = Known.read(nfses, cancellations)
        subjects = [s for s in (plan(n, known, errors) for n in nfses) if s is not None]
        repeated = _cancellations(
            cancellations + _implied(nfses, cancellations), subjects, known, errors
        )
        _substitutes(subjects, known, errors)
        if not errors:
            errors = _coverage_errors(subjects)
        if errors:
            raise invalid(errors, filename)
        return _write(by, subjects, repeated, ignored)


def _implied(
    nfses: list[IncomingNfse], cancellations: list[IncomingCancellation]
) -> list[IncomingCancellation]:
    """A substitute NFS-e names the one it replaces (DPS ``subst/chSubstda``), which the
    national system cancels as the substitute is generated: the same as its e105102 event, at
    the substitute's issue time. An event in the same upload says it better and wins."""
    explicit = {c.access_key for c in cancellations}
    return [
        IncomingCancellation(
            origin=n.origin,
            event="e105102",
            access_key=n.substitutes_key,
            cancelled_at=n.issued_at,
            replaced=True,
            substitute_key=n.access_key,
            implied=True,
        )
        for n in nfses
        if n.substitutes_key and n.substitutes_key not in explicit
    ]


def _cancellations(
    cancellations: list[IncomingCancellation],
    subjects: list[Subject],
    known: Known,
    errors: list[RowError],
) -> int:
    """Attach each cancellation event to its NFS-e, found by access key in this upload or in
    the database (the order of the files does not matter). Returns how many were already
    recorded as they say."""
    by_key = {_key(s): s for s in subjects if _key(s)}
    repeated = 0
    for cancellation in cancellations:
        origin, key = cancellation.origin, cancellation.access_key
        subject = by_key.get(key)
        if subject is None:
            nfse = known.by_key.get(key)
            if nfse is None and cancellation.implied:
                continue  # replaces an NFS-e never imported here: nothing to cancel
            if nfse is None:
                errors.append(
                    origin.error(
                        "access_key",
                        f"NFS-e com chave {key} não encontrada (nem cadastrada, nem neste envio).",
                    )
                )
                continue
            orders = [order for order, _ in known.covered[nfse.pk]]
            subject = Subject(nfse=nfse, orders=orders, new=False, origin=origin)
            subjects.append(subject)
            by_key[key] = subject
        wanted = REPLACED if cancellation.replaced else CANCELLED
        current = subject.nfse.status
        if subject.cancel is not None and not subject.cancel.recorded:
            current = subject.cancel.status
        if cancellation.implied and (
            current != ISSUED or cancellation.cancelled_at < subject.nfse.issued_at
        ):
            continue  # already cancelled here (or inconsistent): the substitute says no more
        if cancellation.cancelled_at < subject.nfse.issued_at:
            errors.append(
                origin.error("access_key", f"Cancelamento anterior à emissão da NFS-e {key}.")
            )
        elif current == ISSUED:
            subject.cancel = Cancel(
                status=wanted,
                at=cancellation.cancelled_at,
                origin=origin,
                substitute_key=cancellation.substitute_key,
            )
        elif current == wanted:
            repeated += 1
        else:
            errors.append(
                origin.error(
                    "access_key",
                    f"A NFS-e {subject.nfse.number} já está {status_label(current)}; o evento "
                    f"{cancellation.event} a deixaria {status_label(wanted)}.",
                )
            )
    return repeated


def _key(subject: Subject) -> str | None:
    incoming = subject.incoming
    return (incoming.access_key if incoming else None) or subject.nfse.access_key


def _substitutes(subjects: list[Subject], known: Known, errors: list[RowError]) -> None:
    """The substitute of each replaced NFS-e: by number (CSV ``replaced_by``, which must
    exist) or by key (event ``chSubstituta``, left empty when not known here)."""
    numbers = {s.nfse.number: s.nfse for s in subjects}
    keys = {k: s.nfse for s in subjects if (k := _key(s))}
    for subject in subjects:
        cancel = subject.cancel
        if cancel is None:
            continue
        if cancel.substitute_number:
            number = cancel.substitute_number
            cancel.substitute = numbers.get(number) or known.by_number.get(number)
            if cancel.substitute is None:
                errors.append(
                    cancel.origin.error("replaced_by", f"NFS-e substituta {number} não encontrada.")
                )
        elif cancel.substitute_key:
            key = cancel.substitute_key
            cancel.substitute = keys.get(key) or known.by_key.get(key)
        if cancel.substitute is not None and cancel.substitute.number == subject.nfse.number:
            errors.append(cancel.origin.error("replaced_by", "Uma NFS-e não substitui a si mesma."))


def _coverage_errors(subjects: list[Subject]) -> list[RowError]:
    """An order may be covered by several NFS-e, but what the issued ones (neither cancelled
    nor replaced, after this upload) cover must not exceed the order's value."""
    issuing = [s for s in subjects if s.new and s.cancel is None]
    if not issuing:
        return []
    leaving = {s.nfse.pk for s in subjects if not s.new and s.cancel and not s.cancel.recorded}
    totals: dict[int, Decimal] = defaultdict(Decimal)
    numbers: dict[int, list[str]] = defaultdict(list)
    for part in chunked({order.pk for s in issuing for order in s.orders}):
        for order_id, nfse_id, number, value in NfseCoverage.objects.filter(
            service_order_id__in=part, nfse__status=NfseStatus.ISSUED
        ).values_list("service_order_id", "nfse_id", "nfse__number", "value"):
            if nfse_id not in leaving:
                totals[order_id] += value
                numbers[order_id].append(number)
    errors, reported = [], set()
    for subject in issuing:
        for order, share in zip(subject.orders, subject.shares, strict=True):
            totals[order.pk] += share
            numbers[order.pk].append(subject.nfse.number)
            if totals[order.pk] > order.value and order.pk not in reported:
                reported.add(order.pk)
                errors.append(
                    subject.origin.error(
                        "service_order_numbers",
                        f"A OS {order.number} vale {brl(order.value)}, mas as NFS-e emitidas "
                        f"a cobririam em {brl(totals[order.pk])} "
                        f"(NFS-e {', '.join(numbers[order.pk])}).",
                    )
                )
    return errors


def _write(by: User, subjects: list[Subject], repeated: int, ignored: int) -> ImportResult:
    new = [s for s in subjects if s.new]
    for subject in new:
        if subject.cancel is not None:
            subject.nfse.status = subject.cancel.status
            subject.nfse.cancelled_at = subject.cancel.at
    try:
        with transaction.atomic():  # a concurrent upload of the same NFS-e: 409, not 500
            Nfse.objects.bulk_create([s.nfse for s in new], batch_size=500)
    except IntegrityError:
        raise RuleViolation(
            "Outra importação gravou as mesmas NFS-e ao mesmo tempo; importe o arquivo de novo."
        ) from None
    NfseCoverage.objects.bulk_create(
        [
            NfseCoverage(nfse=s.nfse, service_order=order, value=share)
            for s in new
            for order, share in zip(s.orders, s.shares, strict=True)
        ],
        batch_size=2000,
    )
    changed: dict[str, list[Nfse]] = defaultdict(list)
    updated = unchanged = cancelled = 0
    for subject in subjects:
        fields = _apply(subject)
        for name in fields:
            changed[name].append(subject.nfse)
        if subject.cancel is not None and not subject.cancel.recorded:
            cancelled += 1
        if not subject.new and subject.incoming is not None:
            updated, unchanged = (updated + 1, unchanged) if fields else (updated, unchanged + 1)
    for name, rows in changed.items():
        Nfse.objects.bulk_update(rows, [name], batch_size=500)
    events_record_many(
        chain(
            chain.from_iterable(events.nfse_issued(s.nfse, s.orders, by=by) for s in new),
            chain.from_iterable(
                events.nfse_cancelled(s.nfse, s.orders, by=by)
                for s in subjects
                if s.cancel is not None and not s.cancel.recorded
            ),
        )
    )
    return ImportResult(
        created=len(new),
        updated=updated,
        unchanged=unchanged + repeated,
        cancelled=cancelled,
        ignored=ignored,
    )


def _apply(subject: Subject) -> list[str]:
    """Set what changes on the NFS-e; returns the fields to update (a new NFS-e: only its
    substitute, which needed the substitute saved first)."""
    nfse, cancel, fields = subject.nfse, subject.cancel, []
    if not subject.new and subject.incoming is not None:
        for name in sorted(subject.fills):
            setattr(nfse, name, getattr(subject.incoming, name))
            fields.append(name)
    if cancel is None:
        return fields
    if not subject.new and not cancel.recorded:
        nfse.status, nfse.cancelled_at = cancel.status, cancel.at
        fields += ["status", "cancelled_at"]
    if cancel.substitute is not None and nfse.replaced_by_id is None:
        nfse.replaced_by = cancel.substitute
        fields.append("replaced_by")
    return fields
