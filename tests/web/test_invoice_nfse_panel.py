"""The NFS-e panel of the invoice's page (decision 0039): "Emitir NFS-e" with htmx and
without, the status, access key and DANFSe once issued, the rejection's code and message, the
cancellation with its reason, who may do what, and the page's query count."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fatura.fiscal.contract_server import ContractServer
from fatura.fiscal.models import IssuanceStatus, Nfse, NfseIssuance
from fatura.fiscal.nfse_issuing import nfse_issue_prepare
from tests.fiscal.nfse_contract import billed_invoice, certs, sefin
from tests.web.conftest import text

__all__ = ["certs", "sefin"]
HX = {"HTTP_HX_REQUEST": "true"}
REASON = "Serviço faturado em duplicidade nesta fatura"
# The invoice's page, pinned: 14 before the NFS-e panel, + its latest issuance, its NFS-e and
# the count of its billed service orders.
INVOICE_PAGE_QUERIES = 17


def panel(html: str) -> str:
    return html.split('id="invoice-nfse"')[1].split("</section>")[0]


def test_issue_from_the_page_with_htmx(
    fin_user: Any, fin_client: Client, sefin: ContractServer
) -> None:
    bill = billed_invoice(fin_user)
    page = panel(text(fin_client.get(f"/faturas/{bill.number}/")))
    assert 'id="nfse-issue"' in page and "Emitir NFS-e" in page
    assert f'hx-post="/faturas/{bill.number}/nfse/emitir/"' in page
    assert 'id="invoice-nfse-empty"' in page
    response = fin_client.post(f"/faturas/{bill.number}/nfse/emitir/", **HX)
    assert response.status_code == 200
    html = text(response)
    issuance = NfseIssuance.objects.get(invoice=bill)
    assert issuance.status == IssuanceStatus.ISSUED  # the immediate task backend ran it
    assert f"NFS-e {issuance.number} enviada para emissão" in html
    assert '<span class="badge badge-success" id="nfse-status">Emitida</span>' in html
    assert issuance.access_key in html
    assert issuance.nfse is not None
    danfse = f'href="/fiscal/nfse/{issuance.nfse.number}/danfse.pdf"'
    assert danfse in html
    assert 'id="nfse-issue"' not in html  # issued: no second one
    assert 'id="nfse-cancel"' in html
    assert "hx-trigger" not in html.split("<h2")[0]  # nothing left to poll
    pdf = fin_client.get(f"/fiscal/nfse/{issuance.nfse.number}/danfse.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    listed = text(fin_client.get("/fiscal/nfse/"))  # the NFS-e list links it too
    assert f'id="danfse-{issuance.nfse.pk}" {danfse}' in listed


def test_issue_without_htmx_redirects_with_the_message(
    fin_user: Any, fin_client: Client, sefin: ContractServer
) -> None:
    bill = billed_invoice(fin_user)
    response = fin_client.post(f"/faturas/{bill.number}/nfse/emitir/", follow=True)
    assert response.redirect_chain[-1][0] == f"/faturas/{bill.number}/"
    assert "enviada para emissão" in text(response)
    again = fin_client.post(f"/faturas/{bill.number}/nfse/emitir/")
    assert again.status_code == 409 and "já tem a NFS-e" in text(again)


def test_a_rejection_shows_its_code_and_message_and_can_be_sent_again(
    fin_user: Any, fin_client: Client, sefin: ContractServer
) -> None:
    bill = billed_invoice(fin_user)
    sefin.fail_next("reject:E0116:Inscrição municipal obrigatória para o prestador")
    html = text(fin_client.post(f"/faturas/{bill.number}/nfse/emitir/", **HX))
    assert '<span class="badge badge-danger" id="nfse-status">Rejeitada</span>' in html
    rejection = html.split('id="nfse-rejection"')[1].split("</div>")[0]
    assert "<strong>E0116</strong>" in rejection
    assert "Inscrição municipal obrigatória para o prestador" in rejection
    assert "Emitir NFS-e de novo" in html
    assert not Nfse.objects.exists()
    again = text(fin_client.post(f"/faturas/{bill.number}/nfse/emitir/", **HX))
    assert 'id="nfse-status">Emitida<' in again


def test_a_pending_issuance_polls_and_shows_no_actions(
    fin_user: Any, fin_client: Client, sefin: ContractServer
) -> None:
    bill = billed_invoice(fin_user)
    nfse_issue_prepare(by=fin_user, invoice=bill)  # queued, the worker has not run
    html = text(fin_client.get(f"/faturas/{bill.number}/nfse/", **HX))
    assert f'hx-get="/faturas/{bill.number}/nfse/" hx-trigger="every 3s"' in html
    assert 'id="nfse-status">Em emissão<' in html
    assert "Enviando a DPS à Sefin Nacional" in html
    assert 'id="nfse-issue"' not in html and 'id="nfse-cancel"' not in html
    plain = fin_client.get(f"/faturas/{bill.number}/nfse/")
    assert plain.status_code == 302 and plain["Location"] == f"/faturas/{bill.number}/"


def test_cancel_needs_a_reason_then_cancels(
    fin_user: Any, fin_client: Client, sefin: ContractServer
) -> None:
    bill = billed_invoice(fin_user)
    fin_client.post(f"/faturas/{bill.number}/nfse/emitir/", **HX)
    url = f"/faturas/{bill.number}/nfse/cancelar/"
    short = fin_client.post(url, {"motive": "1", "reason": "curto"}, **HX)
    assert short.status_code == 422
    html = text(short)
    assert '<details id="nfse-cancel" open>' in html and "15 caracteres (ele possui 5)" in html
    assert NfseIssuance.objects.get(invoice=bill).status == IssuanceStatus.ISSUED
    done = fin_client.post(url, {"motive": "1", "reason": REASON}, **HX)
    assert done.status_code == 200
    html = text(done)
    assert 'id="nfse-status">Cancelada<' in html and REASON in html
    assert "cancelada." in html
    assert 'id="nfse-cancel"' not in html and 'id="nfse-issue"' in html
    twice = fin_client.post(url, {"motive": "1", "reason": REASON}, **HX)
    assert twice.status_code == 409 and "só uma NFS-e emitida" in text(twice)


def test_operacao_sees_the_status_but_cannot_issue(
    fin_user: Any, ops_client: Client, sefin: ContractServer
) -> None:
    bill = billed_invoice(fin_user)
    page = panel(text(ops_client.get(f"/faturas/{bill.number}/")))
    assert "NFS-e" in page and 'id="nfse-issue"' not in page
    refused = ops_client.post(f"/faturas/{bill.number}/nfse/emitir/", **HX)
    assert refused.status_code == 403
    assert not NfseIssuance.objects.exists()


def test_the_invoice_page_reads_its_nfse_in_constant_queries(
    fin_user: Any, fin_client: Client, sefin: ContractServer
) -> None:
    bill = billed_invoice(fin_user)
    fin_client.post(f"/faturas/{bill.number}/nfse/emitir/", **HX)
    url = f"/faturas/{bill.number}/"
    fin_client.get(url)  # warm the caches

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert fin_client.get(url).status_code == 200
        return len(queries)

    one = count()
    nfse = Nfse.objects.get(invoice=bill)
    for n in range(2):  # two more imported NFS-e on the same invoice
        Nfse.objects.create(
            number=f"9{n}", issued_at=nfse.issued_at, value="1.00", customer=bill.customer,
            invoice=bill,
        )  # fmt: skip
    three = count()
    assert one == three <= INVOICE_PAGE_QUERIES, (one, three)
    html = text(fin_client.get(url))
    assert 'id="invoice-nfse-90"' in html and "sem XML" in html
