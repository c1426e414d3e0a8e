"""Issuing NFS-e through the Sefin Nacional, against the local contract server (mutual TLS,
the national API's paths, payloads and error shape): issue, reject, retry, cancel; the DPS and
the cancellation request signed with the A1 certificate and checked by xmlsec1."""

from __future__ import annotations

import datetime as dt
import ssl
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from fatura.core.errors import InvalidInput, RuleViolation
from fatura.eventlog.models import Event
from fatura.fiscal.contract_server import SIGNATURE_INVALID, ContractServer
from fatura.fiscal.models import IssuanceStatus, Nfse, NfseCoverage, NfseStatus, Source
from fatura.fiscal.nfse_client import Rejected, SefinClient, TransportError
from fatura.fiscal.nfse_issuing import GAVE_UP, nfse_cancel, nfse_issue_execute
from fatura.fiscal.nfse_queue import nfse_issue_request
from fatura.fiscal.nfse_sign import A1Signer
from fatura.fiscal.xmldsig_check import SignatureInvalid, verify
from tests.fiscal.nfse_contract import NFSE_NS, billed_invoice, certs, sefin, xmlsec1_verifies

__all__ = ["certs", "sefin"]
REASON = "Serviço faturado em duplicidade nesta fatura"


def _activities(case: str) -> list[str]:
    return list(Event.objects.filter(case_id=case).values_list("activity", flat=True))


def test_issue_signs_sends_and_records_the_authorized_nfse(
    fin_user: Any, sefin: ContractServer, certs: Any, tmp_path: Path
) -> None:
    bill = billed_invoice(fin_user, values=("600.00", "400.01"))
    issuance = nfse_issue_request(by=fin_user, invoice=bill)
    issuance.refresh_from_db()
    assert issuance.status == IssuanceStatus.ISSUED
    assert issuance.number == "DPS-00000001" and issuance.dps_number == 1
    assert issuance.task_id and issuance.attempts == 1
    assert len(issuance.access_key) == 50 and issuance.access_key.isdigit()
    # the DPS went signed with the A1 certificate; xmlsec1 (not signxml) verifies it
    dps = issuance.dps_xml.encode()
    assert xmlsec1_verifies(dps, "infDPS", certs.ca, tmp_path)
    signer = verify(dps)
    assert "11222333000181" in signer.subject.rfc4514_string()
    root = etree.fromstring(dps)
    assert root[-1].tag == "{http://www.w3.org/2000/09/xmldsig#}Signature"
    methods = [e.get("Algorithm") for e in root.iter() if e.get("Algorithm")]
    assert "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" in methods
    assert "http://www.w3.org/TR/2001/REC-xml-c14n-20010315" in methods
    # the authorized NFS-e: linked to the invoice, orders covered with split shares
    nfse = Nfse.objects.get(access_key=issuance.access_key)
    assert issuance.nfse == nfse and nfse.invoice == bill and nfse.source == Source.FATURA
    assert nfse.status == NfseStatus.ISSUED and nfse.value == Decimal("1000.01")
    assert xmlsec1_verifies(nfse.xml.encode(), "infNFSe", certs.ca, tmp_path)
    assert issuance.authorized_xml == nfse.xml
    shares = dict(
        NfseCoverage.objects.filter(nfse=nfse).values_list("service_order__number", "value")
    )
    assert sum(shares.values()) == nfse.value
    assert sorted(shares.values()) == [Decimal("400.01"), Decimal("600.00")]
    assert "NFS-e Issued" in _activities(bill.number)
    assert [m for m, p in sefin.state.requests if p.endswith("/nfse")] == ["POST"]


def test_rejection_keeps_code_and_message_and_leaves_no_nfse(
    fin_user: Any, sefin: ContractServer
) -> None:
    bill = billed_invoice(fin_user)
    sefin.fail_next("reject:E0116:Inscrição municipal obrigatória para o prestador")
    issuance = nfse_issue_request(by=fin_user, invoice=bill)
    issuance.refresh_from_db()
    assert issuance.status == IssuanceStatus.REJECTED
    assert issuance.rejection_code == "E0116"
    assert "Inscrição municipal" in issuance.rejection_message
    assert issuance.rejection_errors[0]["code"] == "E0116"
    assert not Nfse.objects.exists() and not NfseCoverage.objects.exists()
    assert "NFS-e Rejected" in _activities(bill.number)
    assert "NFS-e Issued" not in _activities(bill.number)
    # asked again: the same issuance and DPS number, now issued
    again = nfse_issue_request(by=fin_user, invoice=bill)
    again.refresh_from_db()
    assert again.pk == issuance.pk and again.number == issuance.number
    assert again.status == IssuanceStatus.ISSUED and again.rejection_code == ""
    assert Nfse.objects.count() == 1


def test_transport_error_is_retried_then_issued(fin_user: Any, sefin: ContractServer) -> None:
    bill = billed_invoice(fin_user)
    sefin.fail_next("drop", "500")
    issuance = nfse_issue_request(by=fin_user, invoice=bill)
    issuance.refresh_from_db()
    assert issuance.status == IssuanceStatus.ISSUED
    assert issuance.attempts == 3 and issuance.last_error == ""
    assert Nfse.objects.count() == 1


def test_a_lost_answer_is_looked_up_not_issued_twice(fin_user: Any, sefin: ContractServer) -> None:
    bill = billed_invoice(fin_user)
    sefin.fail_next("drop-after")  # the Sefin issues it, the answer is lost
    issuance = nfse_issue_request(by=fin_user, invoice=bill)
    issuance.refresh_from_db()
    assert issuance.status == IssuanceStatus.ISSUED and issuance.attempts == 2
    assert len(sefin.state.by_key) == 1  # one NFS-e at the Sefin
    assert issuance.access_key in sefin.state.by_key
    assert ("GET", f"/SefinNacional/dps/{issuance.dps_id}") in sefin.state.requests


def test_gives_up_after_the_last_attempt(fin_user: Any, sefin: ContractServer) -> None:
    bill = billed_invoice(fin_user)
    sefin.fail_next("500", "500", "500")  # max_attempts is 3 in the fixture
    issuance = nfse_issue_request(by=fin_user, invoice=bill)
    issuance.refresh_from_db()
    assert issuance.status == IssuanceStatus.REJECTED and issuance.rejection_code == GAVE_UP
    assert "HTTP 500" in issuance.rejection_message
    assert not Nfse.objects.exists()


def test_one_attempt_raises_transport_error_for_the_task(
    fin_user: Any, sefin: ContractServer, settings: Any
) -> None:
    from fatura.fiscal.nfse_issuing import nfse_issue_prepare

    bill = billed_invoice(fin_user)
    issuance = nfse_issue_prepare(by=fin_user, invoice=bill)
    sefin.fail_next("drop")
    with pytest.raises(TransportError):
        nfse_issue_execute(issuance.pk)
    issuance.refresh_from_db()
    assert issuance.status == IssuanceStatus.PENDING and issuance.last_error
    assert nfse_issue_execute(issuance.pk).status == IssuanceStatus.ISSUED


def test_cancel_registers_e101101_and_records_it(
    fin_user: Any, sefin: ContractServer, certs: Any, tmp_path: Path
) -> None:
    bill = billed_invoice(fin_user)
    issuance = nfse_issue_request(by=fin_user, invoice=bill)
    with pytest.raises(InvalidInput):
        nfse_cancel(by=fin_user, issuance=issuance, reason="curto")
    issuance = nfse_cancel(by=fin_user, issuance=issuance, reason=REASON, motive=1)
    assert issuance.status == IssuanceStatus.CANCELLED and issuance.cancel_reason == REASON
    nfse = Nfse.objects.get(pk=issuance.nfse_id)
    assert nfse.status == NfseStatus.CANCELLED and nfse.cancelled_at is not None
    assert sefin.state.by_key[issuance.access_key].cancelled
    event = etree.fromstring(issuance.cancel_event_xml.encode())
    request = event.find(f"{{{NFSE_NS}}}infEvento/{{{NFSE_NS}}}pedRegEvento")
    standalone = etree.tostring(request)
    assert xmlsec1_verifies(standalone, "infPedReg", certs.ca, tmp_path)
    reason = request.find(f".//{{{NFSE_NS}}}xMotivo").text
    assert reason == REASON
    assert "NFS-e Cancelled" in _activities(bill.number)
    with pytest.raises(RuleViolation):
        nfse_cancel(by=fin_user, issuance=issuance, reason=REASON)


def test_a_refused_cancellation_changes_nothing(fin_user: Any, sefin: ContractServer) -> None:
    bill = billed_invoice(fin_user)
    issuance = nfse_issue_request(by=fin_user, invoice=bill)
    issuance.refresh_from_db()
    sefin.fail_next("reject:E0840:Prazo de cancelamento encerrado")
    with pytest.raises(RuleViolation, match="E0840"):
        nfse_cancel(by=fin_user, issuance=issuance, reason=REASON)
    issuance.refresh_from_db()
    assert issuance.status == IssuanceStatus.ISSUED
    assert Nfse.objects.get().status == NfseStatus.ISSUED
    assert "NFS-e Cancelled" not in _activities(bill.number)


def test_contract_server_refuses_a_tampered_signature(
    fin_user: Any, sefin: ContractServer, certs: Any
) -> None:
    bill = billed_invoice(fin_user)
    from fatura.fiscal.dps_source import invoice_dps_xml

    signed = invoice_dps_xml(bill, number=77, signer=A1Signer(certs.client()))
    tampered = signed.replace(b"<vServ>1000.00</vServ>", b"<vServ>1.00</vServ>")
    assert tampered != signed
    with pytest.raises(SignatureInvalid):
        verify(tampered)
    client = SefinClient(base_url=sefin.url, certificate=certs.client(), ca_file=str(certs.ca))
    with pytest.raises(Rejected) as refused:
        client.issue(tampered)
    assert refused.value.status == 400
    assert refused.value.errors[0].code == SIGNATURE_INVALID
    with pytest.raises(Rejected) as malformed:
        client._call("POST", "/nfse", {"dpsXmlGZipB64": "não é base64"})
    assert malformed.value.errors[0].code == "E1225"
    assert client.issue(signed).access_key  # the untouched one passes


def test_mutual_tls_refuses_a_client_without_certificate(sefin: ContractServer, certs: Any) -> None:
    context = ssl.create_default_context(cafile=str(certs.ca))
    request = urllib.request.Request(sefin.url + "/nfse", data=b"{}", method="POST")
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        urllib.request.urlopen(request, context=context, timeout=5).read()


def test_not_configured_is_a_409(fin_user: Any, sefin: ContractServer, settings: Any) -> None:
    bill = billed_invoice(fin_user)
    settings.FATURA_NFSE = {**settings.FATURA_NFSE, "cert": ""}
    with pytest.raises(RuleViolation, match="FATURA_NFSE_CERT"):
        nfse_issue_request(by=fin_user, invoice=bill)


def test_the_worker_queues_the_next_attempt_with_backoff(
    fin_user: Any, sefin: ContractServer, settings: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from fatura.core import clock
    from fatura.fiscal.nfse_issuing import nfse_issue_prepare, retry_delay
    from fatura.fiscal.tasks import nfse_issue_task

    bill = billed_invoice(fin_user)
    issuance = nfse_issue_prepare(by=fin_user, invoice=bill)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sefin.fail_next("500")
    assert nfse_issue_task.call(issuance.pk).startswith("retrying")
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("nfse_issue_task")
    assert queued.args_kwargs["args"] == [issuance.pk]
    wait = queued.run_after - clock.now()
    assert dt.timedelta(seconds=20) < wait <= retry_delay(1) == dt.timedelta(seconds=30)
    assert retry_delay(2) == dt.timedelta(minutes=1)
    assert retry_delay(20) == dt.timedelta(minutes=30)
    assert nfse_issue_task.call(issuance.pk) == "issued"  # the next attempt, run by hand


def test_a_number_already_taken_keeps_the_issuance_pending_with_the_reason(
    fin_user: Any, sefin: ContractServer
) -> None:
    from tests.fiscal.dps_builders import nfse as imported_nfse

    bill = billed_invoice(fin_user)
    order = bill.service_orders.first()
    imported_nfse("1", bill.customer, {order: "1.00"})  # the contract server's first nNFSe
    issuance = nfse_issue_request(by=fin_user, invoice=bill)
    issuance.refresh_from_db()
    assert issuance.status == IssuanceStatus.PENDING
    assert "já existe outra NFS-e" in issuance.last_error and issuance.access_key
    assert Nfse.objects.count() == 1


def test_a_stale_pending_issuance_is_queued_again(fin_user: Any, sefin: ContractServer) -> None:
    from fatura.core import clock
    from fatura.fiscal.models import NfseIssuance
    from fatura.fiscal.nfse_issuing import nfse_issue_prepare

    bill = billed_invoice(fin_user)
    issuance = nfse_issue_prepare(by=fin_user, invoice=bill)  # queued, but no worker ran it
    with pytest.raises(RuleViolation, match="já tem a NFS-e"):
        nfse_issue_request(by=fin_user, invoice=bill)
    NfseIssuance.objects.filter(pk=issuance.pk).update(
        updated_at=clock.now() - dt.timedelta(hours=3)
    )
    again = nfse_issue_request(by=fin_user, invoice=bill)
    again.refresh_from_db()
    assert again.pk == issuance.pk and again.status == IssuanceStatus.ISSUED


def test_a_stale_issuance_is_queued_again_only_once(fin_user: Any, sefin: ContractServer) -> None:
    from fatura.core import clock
    from fatura.fiscal.models import NfseIssuance
    from fatura.fiscal.nfse_issuing import nfse_issue_prepare

    bill = billed_invoice(fin_user)
    issuance = nfse_issue_prepare(by=fin_user, invoice=bill)
    NfseIssuance.objects.filter(pk=issuance.pk).update(
        updated_at=clock.now() - dt.timedelta(hours=3)
    )
    assert nfse_issue_prepare(by=fin_user, invoice=bill).pk == issuance.pk
    with pytest.raises(RuleViolation, match="já tem a NFS-e"):  # a second click: no 2nd task
        nfse_issue_prepare(by=fin_user, invoice=bill)
