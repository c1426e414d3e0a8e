"""The DANFSe of an NFS-e issued through the contract server (by its number and by the
issuance's DPS-…), GET /nfse/{number}/danfse.pdf with its 4xx, and the DANFSe attached to the
invoice's e-mail through receivables' port (decision 0039)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from pypdf import PdfReader

from fatura.core.errors import NotFound, RuleViolation
from fatura.fiscal.contract_server import ContractServer
from fatura.fiscal.models import Nfse, NfseIssuance, NfseStatus
from fatura.fiscal.nfse_documents import invoice_danfse_attachments, invoice_nfse, nfse_danfse
from fatura.fiscal.nfse_issuing import nfse_cancel, nfse_issue_prepare
from fatura.fiscal.nfse_queue import nfse_issue_request
from fatura.receivables.mail import send_invoice_email
from fatura.receivables.mail_attachments import mail_attachments
from tests.fiscal.nfse_contract import billed_invoice, certs, sefin

__all__ = ["certs", "sefin"]
REASON = "Serviço faturado em duplicidade nesta fatura"


def text_of(pdf: bytes) -> str:
    return " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())


def issued(by: Any) -> NfseIssuance:
    issuance = nfse_issue_request(by=by, invoice=billed_invoice(by))
    issuance.refresh_from_db()
    assert issuance.status == "issued"
    return issuance


def test_the_danfse_of_an_issued_nfse_by_either_number(
    fin_user: Any, sefin: ContractServer, tmp_path: Path
) -> None:
    issuance = issued(fin_user)
    assert issuance.nfse is not None
    name, pdf = nfse_danfse(issuance.nfse.number)
    assert name == f"danfse-{issuance.nfse.number}.pdf" and pdf.startswith(b"%PDF")
    assert nfse_danfse(issuance.number)[0] == name
    if shutil.which("pdftotext"):
        (tmp_path / "d.pdf").write_bytes(pdf)
        out = subprocess.run(
            ["pdftotext", "-layout", str(tmp_path / "d.pdf"), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        text = " ".join(out.split())
    else:
        text = text_of(pdf)
    assert issuance.access_key in text
    assert "PADARIA CENTRAL LTDA" in text.upper()
    assert "R$ 1.000,00" in text
    assert "SEM VALIDADE JURÍDICA" in text  # produção restrita (tpAmb 2)


def test_a_cancelled_nfse_has_the_watermark(fin_user: Any, sefin: ContractServer) -> None:
    issuance = issued(fin_user)
    nfse_cancel(by=fin_user, issuance=issuance, reason=REASON)
    assert "CANCELADA" in text_of(nfse_danfse(issuance.number)[1])


def test_no_danfse_before_authorization_nor_without_xml(
    fin_user: Any, sefin: ContractServer
) -> None:
    bill = billed_invoice(fin_user)
    pending = nfse_issue_prepare(by=fin_user, invoice=bill)  # the worker has not run
    with pytest.raises(RuleViolation, match="autoriza"):
        nfse_danfse(pending.number)
    imported = Nfse.objects.create(
        number="77", issued_at=pending.requested_at, value="10.00", customer=bill.customer
    )
    with pytest.raises(RuleViolation, match="sem o XML"):
        nfse_danfse(imported.number)
    with pytest.raises(NotFound):
        nfse_danfse("404")
    with pytest.raises(NotFound):
        nfse_danfse("DPS-00009999")


def test_the_api_answers_the_pdf_and_its_errors(
    fin_user: Any, fin_api: Any, sefin: ContractServer
) -> None:
    issuance = issued(fin_user)
    assert issuance.nfse is not None
    response = fin_api.get(f"/nfse/{issuance.nfse.number}/danfse.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="danfse-{issuance.nfse.number}.pdf"'
    )
    assert fin_api.get(f"/nfse/{issuance.number}/danfse.pdf").status_code == 200
    missing = fin_api.get("/nfse/404/danfse.pdf")
    assert missing.status_code == 404 and "não encontrada" in missing.json()["detail"]
    Nfse.objects.create(
        number="78",
        issued_at=issuance.requested_at,
        value="1.00",
        customer=issuance.invoice.customer,
    )
    conflict = fin_api.get("/nfse/78/danfse.pdf")
    assert conflict.status_code == 409 and "sem o XML" in conflict.json()["detail"]
    too_long = fin_api.get(f"/nfse/{'9' * 21}/danfse.pdf")
    assert too_long.status_code == 422
    anonymous = Client().get(f"/api/v1/nfse/{issuance.nfse.number}/danfse.pdf")
    assert anonymous.status_code == 401


def test_the_invoice_email_carries_the_danfse_once_issued(
    fin_user: Any, sefin: ContractServer
) -> None:
    bill = billed_invoice(fin_user)
    assert invoice_danfse_attachments(bill) == []
    send_invoice_email(bill)
    [before] = mail.outbox
    assert [name for name, _content, _type in before.attachments] == [f"fatura-{bill.number}.pdf"]
    issuance = nfse_issue_request(by=fin_user, invoice=bill)
    issuance.refresh_from_db()
    assert issuance.nfse is not None
    mail.outbox.clear()
    send_invoice_email(bill)
    [message] = mail.outbox
    names = [name for name, _content, _type in message.attachments]
    assert names == [f"fatura-{bill.number}.pdf", f"danfse-{issuance.nfse.number}.pdf"]
    danfse = message.attachments[1]
    assert danfse[2] == "application/pdf" and danfse[1].startswith(b"%PDF")
    assert [a.filename for a in mail_attachments(bill)] == [names[1]]  # through the port
    # a cancelled NFS-e is no longer sent
    Nfse.objects.filter(pk=issuance.nfse.pk).update(status=NfseStatus.CANCELLED)
    assert invoice_danfse_attachments(bill) == []


def test_the_invoice_state_in_three_queries(
    fin_user: Any, sefin: ContractServer, django_assert_num_queries: Any
) -> None:
    issuance = issued(fin_user)
    bill = issuance.invoice
    with django_assert_num_queries(3):
        state = invoice_nfse(bill)
    assert state.issuance == issuance and not state.can_issue and not state.pending
    assert [n.number for n in state.notes] == [issuance.nfse.number if issuance.nfse else ""]
    assert state.notes[0].has_xml  # type: ignore[attr-defined]
