"""Issuing an invoice's NFS-e through the Sefin Nacional, and cancelling it (issue 15,
docs/decisions/0038-nfse-issuing.md).

:func:`nfse_issue_prepare` (called by ``fiscal.nfse_queue.nfse_issue_request``) checks the
invoice and takes the DPS number; the worker's :func:`nfse_issue_execute` signs the DPS, sends
it and records the outcome: the authorized NFS-e (an :class:`Nfse` linked to the invoice,
with the coverages of its service orders split as the import splits them, and "NFS-e Issued"),
or the rejection (code and message, "NFS-e Rejected", no NFS-e), each in one transaction with
its event. A transport failure raises :class:`TransportError` for the task to retry; a DPS
already sent once is looked up (GET /dps/{id}) before it is sent again, so a lost answer never
issues twice. :func:`nfse_cancel` registers the e101101 event and records the cancellation.
"""

from __future__ import annotations

import datetime as dt
import functools
from importlib.resources import as_file, files

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from lxml import etree

from fatura.core import clock
from fatura.core.documents import only_digits
from fatura.core.errors import DomainError, InvalidInput, NotFound, RuleViolation
from fatura.core.numbering import NumberSeries
from fatura.core.roles import Capability, require
from fatura.core.users import User
from fatura.eventlog.services import events_record_many
from fatura.fiscal import events
from fatura.fiscal.domain import split_value
from fatura.fiscal.dps import APP_VERSION, render_dps
from fatura.fiscal.dps_source import dps_from_invoice
from fatura.fiscal.models import (
    IssuanceStatus,
    Nfse,
    NfseCoverage,
    NfseIssuance,
    NfseStatus,
    ServiceOrder,
    ServiceOrderStatus,
    Source,
)
from fatura.fiscal.nfse_client import ApiError, Issued, Rejected, SefinClient, TransportError
from fatura.fiscal.nfse_rows import IncomingNfse
from fatura.fiscal.nfse_sign import NFSE_NS, XML_DECLARATION, A1Certificate, A1Signer
from fatura.fiscal.nfse_xml import read_xml
from fatura.receivables.models import Invoice, InvoiceKind, InvoiceStatus

ISSUANCES = NumberSeries("nfse_dps", "DPS")  # the DPS numbers (nDPS) Fatura sends
NOT_ISSUABLE = (InvoiceStatus.DRAFT, InvoiceStatus.CONVERTED)
CANCEL_MOTIVES = {1: "Erro na emissão", 2: "Serviço não prestado", 9: "Outros"}
REASON_MIN, REASON_MAX = 15, 255  # TSMotivo
GAVE_UP = "SEM-RESPOSTA"  # the rejection code when every attempt failed in transport
STALE_AFTER = dt.timedelta(hours=2)  # well past the longest wait between attempts (30 min)


class SefinUnavailable(DomainError):  # noqa: N818
    """The Sefin Nacional did not answer (a cancellation asked in the request): try again."""

    status = 503


def max_attempts() -> int:
    return max(1, int(settings.FATURA_NFSE.get("max_attempts", 6)))


def retry_delay(attempts: int) -> dt.timedelta:
    """Backoff after the ``attempts``-th failed attempt: 30 s, 1 min, 2 min ... up to 30 min."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 1800))


# --- reads ----------------------------------------------------------------------------------


def issuance_get(number: str) -> NfseIssuance:
    found = (
        NfseIssuance.objects.select_related("invoice__customer", "nfse")
        .filter(number=number)
        .first()
    )
    if found is None:
        raise NotFound(f"Emissão de NFS-e {number} não encontrada.")
    return found


def latest_issuance_of(invoice: Invoice) -> NfseIssuance | None:
    return (
        NfseIssuance.objects.select_related("nfse")
        .filter(invoice=invoice)
        .order_by("-requested_at", "-id")
        .first()
    )


# --- issuing --------------------------------------------------------------------------------


def _billed_orders(invoice: Invoice) -> list[ServiceOrder]:
    return list(
        ServiceOrder.objects.select_related("customer", "invoice")
        .filter(invoice=invoice, status=ServiceOrderStatus.BILLED)
        .order_by("number")
    )


def check_configured() -> A1Certificate:
    """The A1 certificate, valid today, and the API's URL; else :class:`RuleViolation`."""
    try:
        certificate = A1Certificate.from_settings()
        certificate.check_validity()
    except ImproperlyConfigured as exc:
        raise RuleViolation(f"Emissão de NFS-e não configurada: {exc}") from None
    if not settings.FATURA_NFSE.get("api_url", "").strip():
        raise RuleViolation(
            "Emissão de NFS-e não configurada: defina FATURA_NFSE_API_URL (produção ou "
            "produção restrita da Sefin Nacional)."
        )
    return certificate


def nfse_issue_prepare(*, by: User, invoice: Invoice) -> NfseIssuance:
    """Check the invoice and take (or reuse, after a rejection) its issuance, pending; the
    caller queues the worker once this commits. The DPS must pass the 1.01 schema now (422),
    so a request that cannot succeed takes no number."""
    actor = require(by, Capability.MANAGE_FISCAL)
    check_configured()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("customer").get(pk=invoice.pk)
        if invoice.kind == InvoiceKind.PROFORMA or invoice.status in NOT_ISSUABLE:
            raise RuleViolation(
                f"A fatura {invoice.number} está {invoice.get_status_display().lower()}: "
                "só uma fatura concluída tem NFS-e."
            )
        if not _billed_orders(invoice):
            raise RuleViolation(
                f"A fatura {invoice.number} não tem ordens de serviço faturadas: a NFS-e "
                "emitida pelo Fatura cobre as ordens da fatura."
            )
        current = latest_issuance_of(invoice)
        now = clock.now()
        if current is not None and _stale(current, now):
            # pending, but no worker touched it for long: queue it again, once (touched now,
            # so another request within STALE_AFTER is refused instead of queueing a second
            # task that would send the same DPS concurrently)
            current.save(update_fields=["updated_at"])
            return current
        if current is not None and current.status in (
            IssuanceStatus.PENDING,
            IssuanceStatus.ISSUED,
        ):
            raise RuleViolation(
                f"A fatura {invoice.number} já tem a NFS-e {current.number} "
                f"({current.get_status_display().lower()})."
            )
        if current is not None and current.status == IssuanceStatus.REJECTED:
            issuance = current  # same DPS number: the Sefin Nacional generated nothing from it
            issuance.status = IssuanceStatus.PENDING
            issuance.dps_xml = ""
            issuance.rejection_code = issuance.rejection_message = issuance.last_error = ""
            issuance.rejection_errors = []
            issuance.attempts = 0
            issuance.requested_by, issuance.requested_at = actor, now
            issuance.save()
        else:
            sequence = ISSUANCES.take()
            issuance = NfseIssuance.objects.create(
                number=ISSUANCES.format(sequence),
                invoice=invoice,
                dps_series=settings.FATURA_NFSE["series"].strip(),
                dps_number=sequence,
                requested_by=actor,
                requested_at=now,
            )
        data = dps_from_invoice(
            invoice, series=issuance.dps_series, number=issuance.dps_number, issued_at=now
        )
        render_dps(data)  # InvalidInput (422) with the schema's messages: nothing kept
        issuance.dps_id = data.id
        issuance.save(update_fields=["dps_id", "updated_at"])
    return issuance


def _stale(issuance: NfseIssuance, now: dt.datetime) -> bool:
    """Pending and untouched for longer than any retry waits (the worker stopped, or its task
    failed on something else than the network): asking again queues it again."""
    return issuance.status == IssuanceStatus.PENDING and issuance.updated_at < now - STALE_AFTER


def _sign_dps(issuance: NfseIssuance, certificate: A1Certificate) -> bytes:
    data = dps_from_invoice(
        issuance.invoice,
        series=issuance.dps_series,
        number=issuance.dps_number,
        issued_at=clock.now(),
    )
    return render_dps(data, signer=A1Signer(certificate))


def nfse_issue_execute(issuance_id: int, *, client: SefinClient | None = None) -> NfseIssuance:
    """One attempt (the worker's). Returns the issuance issued, rejected or, when it was no
    longer pending, as it was; raises :class:`TransportError` when the attempt got no answer
    (the task retries with backoff, :func:`retry_delay`)."""
    with transaction.atomic():
        issuance = (
            NfseIssuance.objects.select_for_update()
            .select_related("invoice__customer")
            .get(pk=issuance_id)
        )
        if issuance.status != IssuanceStatus.PENDING:
            return issuance
        try:
            certificate = A1Certificate.from_settings()
            certificate.check_validity()
            if not issuance.dps_xml:
                issuance.dps_xml = _sign_dps(issuance, certificate).decode()
            client = client or SefinClient.from_settings(certificate)
        except (ImproperlyConfigured, InvalidInput, RuleViolation) as exc:
            message = getattr(exc, "message", str(exc))
            return _reject(issuance, [ApiError("FATURA", str(message))])
        issuance.attempts += 1
        resend = issuance.sent_at is not None
        issuance.sent_at = issuance.sent_at or clock.now()
        issuance.save(update_fields=["dps_xml", "attempts", "sent_at", "updated_at"])
    try:
        key = client.dps_access_key(issuance.dps_id) if resend else None
        if key:  # an earlier attempt reached the Sefin Nacional; its answer was lost
            result = Issued(access_key=key, nfse_xml=client.nfse_xml(key), dps_id=issuance.dps_id)
        else:
            result = client.issue(issuance.dps_xml.encode())
    except Rejected as exc:
        with transaction.atomic():
            return _reject(_locked(issuance), exc.errors)
    except TransportError as exc:
        with transaction.atomic():
            locked = _locked(issuance)
            locked.last_error = str(exc)
            if locked.attempts >= max_attempts():
                return _reject(
                    locked,
                    [
                        ApiError(
                            GAVE_UP, f"Sem resposta após {locked.attempts} tentativas.", str(exc)
                        )
                    ],
                )
            locked.save(update_fields=["last_error", "updated_at"])
        raise
    with transaction.atomic():
        return _record_issued(_locked(issuance), result)


def _locked(issuance: NfseIssuance) -> NfseIssuance:
    return (
        NfseIssuance.objects.select_for_update()
        .select_related("invoice__customer", "requested_by")
        .get(pk=issuance.pk)
    )


def _reject(issuance: NfseIssuance, errors: list[ApiError]) -> NfseIssuance:
    first = errors[0]
    issuance.status = IssuanceStatus.REJECTED
    issuance.rejection_code = first.code[:20]
    issuance.rejection_message = f"{first.message} {first.detail}".strip()
    issuance.rejection_errors = [error.as_dict() for error in errors]
    issuance.save()
    events_record_many([events.nfse_rejected(issuance, by=issuance.requested_by)])
    return issuance


def _record_issued(issuance: NfseIssuance, result: Issued) -> NfseIssuance:
    if issuance.status != IssuanceStatus.PENDING:
        return issuance
    document, errors = read_xml(f"{result.access_key}.xml", result.nfse_xml)
    if errors or not isinstance(document, IncomingNfse):
        detail = "; ".join(error.message for error in errors) or "não é uma NFS-e"
        raise TransportError(f"NFS-e autorizada ilegível ({detail}).")
    invoice = issuance.invoice
    orders = _billed_orders(invoice)
    nfse = Nfse.objects.filter(access_key=result.access_key).first()
    if nfse is None and Nfse.objects.filter(number=document.number).exists():
        # another NFS-e (imported) holds the number: keep the issuance pending and say why
        issuance.last_error = (
            f"A Sefin Nacional emitiu a NFS-e {document.number} (chave {result.access_key}), "
            "mas já existe outra NFS-e com esse número no Fatura."
        )
        issuance.access_key = result.access_key
        issuance.save(update_fields=["last_error", "access_key", "updated_at"])
        return issuance
    if nfse is None:
        nfse = Nfse.objects.create(
            number=document.number,
            access_key=result.access_key,
            verification_code=document.verification_code,
            issued_at=document.issued_at,
            value=document.value,
            iss_rate=document.iss_rate,
            iss_amount=document.iss_amount,
            net_value=document.net_value,
            service_code=document.service_code,
            customer=invoice.customer,
            status=NfseStatus.ISSUED,
            invoice=invoice,
            source=Source.FATURA,
            xml=document.xml,
        )
        shares = split_value(nfse.value, [order.value for order in orders]) if orders else []
        NfseCoverage.objects.bulk_create(
            NfseCoverage(nfse=nfse, service_order=order, value=share)
            for order, share in zip(orders, shares, strict=True)
        )
        events_record_many(events.nfse_issued(nfse, orders, by=issuance.requested_by))
    issuance.status = IssuanceStatus.ISSUED
    issuance.nfse = nfse
    issuance.access_key = result.access_key
    issuance.issued_at = nfse.issued_at
    issuance.last_error = ""
    issuance.save()
    return issuance


# --- cancelling -----------------------------------------------------------------------------


@functools.cache
def _event_schema() -> etree.XMLSchema:
    with as_file(files("nfelib.nfse.schemas.v1_0") / "pedRegEvento_v1.01.xsd") as path:
        return etree.XMLSchema(etree.parse(str(path)))


def cancellation_request_xml(*, access_key: str, motive: int, reason: str) -> bytes:
    """The unsigned pedRegEvento with e101101 (layout 1.01), valid against its XSD."""
    company = only_digits(settings.FATURA_COMPANY["document"])
    root = etree.Element(f"{{{NFSE_NS}}}pedRegEvento", nsmap={None: NFSE_NS}, versao="1.01")
    inf = etree.SubElement(root, f"{{{NFSE_NS}}}infPedReg", Id=f"PRE{access_key}101101")

    def add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, f"{{{NFSE_NS}}}{tag}")
        element.text = text
        return element

    add(inf, "tpAmb", str(int(settings.FATURA_NFSE["environment"])))
    add(inf, "verAplic", APP_VERSION)
    add(inf, "dhEvento", timezone.localtime(clock.now()).replace(microsecond=0).isoformat())
    add(inf, "CPFAutor" if len(company) == 11 else "CNPJAutor", company)
    add(inf, "chNFSe", access_key)
    event = add(inf, "e101101")
    add(event, "xDesc", "Cancelamento de NFS-e")
    add(event, "cMotivo", str(motive))
    add(event, "xMotivo", reason)
    schema = _event_schema()
    if not schema.validate(root):
        message = str(schema.error_log.last_error)
        raise InvalidInput(
            f"Pedido de cancelamento fora do leiaute: {message}",
            errors=[{"field": "reason", "message": message}],
        )
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8")


def nfse_cancel(
    *,
    by: User,
    issuance: NfseIssuance,
    reason: str,
    motive: int = 9,
    client: SefinClient | None = None,
) -> NfseIssuance:
    """Cancel an issued NFS-e (event e101101 with ``motive`` 1, 2 or 9 and ``reason``,
    15 to 255 characters), asked of the Sefin Nacional now; recorded only once registered."""
    require(by, Capability.MANAGE_FISCAL)
    reason = " ".join(reason.split())
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise InvalidInput(
            "O motivo do cancelamento deve ter de 15 a 255 caracteres.",
            errors=[{"field": "reason", "message": "de 15 a 255 caracteres"}],
        )
    if motive not in CANCEL_MOTIVES:
        raise InvalidInput(
            "Código do motivo: 1 (erro na emissão), 2 (serviço não prestado) ou 9 (outros).",
            errors=[{"field": "motive", "message": "1, 2 ou 9"}],
        )
    if issuance.status != IssuanceStatus.ISSUED:
        raise RuleViolation(
            f"A NFS-e {issuance.number} está {issuance.get_status_display().lower()}: "
            "só uma NFS-e emitida pode ser cancelada."
        )
    certificate = check_configured()
    request = cancellation_request_xml(access_key=issuance.access_key, motive=motive, reason=reason)
    signed = A1Signer(certificate, element="infPedReg").sign(request)
    try:
        event_xml = (client or SefinClient.from_settings(certificate)).register_event(
            issuance.access_key, signed
        )
    except Rejected as exc:
        raise RuleViolation(
            f"A Sefin Nacional recusou o cancelamento: {exc.errors[0].code} "
            f"{exc.errors[0].message}".strip(),
            errors=[error.as_dict() for error in exc.errors],
        ) from None
    except TransportError as exc:
        raise SefinUnavailable(f"{exc} Tente cancelar de novo em instantes.") from None
    with transaction.atomic():
        issuance = _locked(issuance)
        if issuance.status != IssuanceStatus.ISSUED:
            return issuance
        now = clock.now()
        nfse = (
            Nfse.objects.select_for_update()
            .select_related("customer")
            .get(pk=issuance.nfse_id or 0)
        )
        nfse.status, nfse.cancelled_at = NfseStatus.CANCELLED, now
        nfse.save(update_fields=["status", "cancelled_at"])
        issuance.status, issuance.cancelled_at = IssuanceStatus.CANCELLED, now
        issuance.cancel_reason = reason
        issuance.cancel_event_xml = event_xml.decode()
        issuance.save()
        orders = [c.service_order for c in nfse.coverages.select_related("service_order__invoice")]
        events_record_many(events.nfse_cancelled(nfse, orders, by=by))
    return issuance
