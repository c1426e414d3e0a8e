"""What an invoice shows and sends of its NFS-e (decision 0039): the DANFSe of an NFS-e by its
number (or by the issuance number, DPS-…), the NFS-e part of the invoice's page, and the
DANFSe attached to the invoice's e-mail (registered at start-up in receivables' port,
:mod:`fatura.receivables.mail_attachments`: receivables sits below fiscal)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import BooleanField, Case, QuerySet, Value, When

from fatura.core.errors import InvalidInput, NotFound, RuleViolation
from fatura.fiscal.danfse import Watermark, danfse_pdf
from fatura.fiscal.models import (
    IssuanceStatus,
    Nfse,
    NfseIssuance,
    NfseStatus,
    ServiceOrder,
    ServiceOrderStatus,
)
from fatura.fiscal.nfse_issuing import NOT_ISSUABLE, issuance_get, latest_issuance_of
from fatura.receivables.mail_attachments import Attachment
from fatura.receivables.models import Invoice, InvoiceKind

log = logging.getLogger(__name__)
_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")
WATERMARKS: dict[str, Watermark] = {
    NfseStatus.CANCELLED: Watermark.CANCELLED,
    NfseStatus.REPLACED: Watermark.REPLACED,
}


def _xml_bytes(text: str) -> bytes:
    """The stored XML (text) as UTF-8 bytes under a declaration that says so."""
    return _DECLARATION.sub("", text, count=1).lstrip().encode("utf-8")


def danfse_filename(nfse: Nfse) -> str:
    return f"danfse-{nfse.number}.pdf"


def _document_nfse(number: str) -> Nfse:
    if number.startswith("DPS-"):
        issuance = issuance_get(number)
        if issuance.nfse is None:
            raise RuleViolation(
                f"A emissão {number} está {issuance.get_status_display().lower()}: o DANFSe "
                "existe só depois que a Sefin Nacional autoriza a NFS-e."
            )
        return issuance.nfse
    found = Nfse.objects.filter(number=number).first()
    if found is None:
        raise NotFound(f"NFS-e {number} não encontrada.")
    return found


def nfse_danfse(number: str) -> tuple[str, bytes]:
    """The DANFSe of NFS-e ``number`` (its national number, or the issuance's DPS-…): the file
    name and the PDF, drawn from the authorized XML; cancelled or replaced, with the watermark.
    404 when there is no such NFS-e, 409 when it has no XML (imported from a CSV)."""
    nfse = _document_nfse(number)
    if not nfse.xml:
        raise RuleViolation(
            f"A NFS-e {nfse.number} foi importada sem o XML autorizado: o DANFSe é gerado a "
            "partir dele. Importe o XML da NFS-e para obter o DANFSe."
        )
    pdf = danfse_pdf(_xml_bytes(nfse.xml), watermark=WATERMARKS.get(nfse.status, Watermark.NONE))
    return danfse_filename(nfse), pdf


# --- the invoice's page -------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceNfse:
    """The NFS-e part of an invoice's page: its latest issuance through Fatura (if any), the
    NFS-e linked to it (issued here or imported; ``has_xml`` says whether a DANFSe exists) and
    whether the invoice's state lets Financeiro issue one now."""

    issuance: NfseIssuance | None
    notes: Sequence[Nfse]
    billed_orders: int

    @property
    def can_issue(self) -> bool:
        busy = self.issuance is not None and self.issuance.status in (
            IssuanceStatus.PENDING,
            IssuanceStatus.ISSUED,
        )
        return self.billed_orders > 0 and not busy

    @property
    def pending(self) -> bool:
        return self.issuance is not None and self.issuance.status == IssuanceStatus.PENDING


def with_has_xml(notes: QuerySet[Nfse]) -> QuerySet[Nfse]:
    """``has_xml`` on each NFS-e: whether it has a DANFSe (its authorized XML), in the query."""
    return notes.annotate(
        has_xml=Case(
            When(xml="", then=Value(False)), default=Value(True), output_field=BooleanField()
        )
    )


def invoice_nfse(invoice: Invoice) -> InvoiceNfse:
    """Three queries, whatever the invoice holds."""
    issuable = invoice.kind != InvoiceKind.PROFORMA and invoice.status not in NOT_ISSUABLE
    notes = list(
        with_has_xml(Nfse.objects.filter(invoice=invoice).defer("xml")).order_by(
            "issued_at", "number"
        )
    )
    billed = (
        ServiceOrder.objects.filter(invoice=invoice, status=ServiceOrderStatus.BILLED).count()
        if issuable
        else 0
    )
    return InvoiceNfse(latest_issuance_of(invoice), notes, billed)


# --- the invoice's e-mail -----------------------------------------------------------------


def invoice_danfse_attachments(invoice: Invoice) -> list[Attachment]:
    """The DANFSe of each issued NFS-e of the invoice that has its authorized XML (one query;
    a stored XML the DANFSe refuses is left out and logged, the e-mail still goes)."""
    found = []
    notes = Nfse.objects.filter(invoice=invoice, status=NfseStatus.ISSUED).exclude(xml="")
    for nfse in notes.order_by("issued_at", "number"):
        try:
            pdf = danfse_pdf(_xml_bytes(nfse.xml))
        except InvalidInput as exc:
            log.warning("DANFSe of NFS-e %s not attached: %s", nfse.number, exc.message)
            continue
        found.append(Attachment(danfse_filename(nfse), pdf, "application/pdf"))
    return found
