"""The NFS-e issuing API against the contract server: POST /invoices/{number}/nfse (202),
GET /nfse/{number} following the issuance, POST /nfse/{number}/cancel, and every 4xx."""

from __future__ import annotations

from typing import Any

from fatura.fiscal.contract_server import ContractServer
from tests.fiscal.dps_builders import invoice
from tests.fiscal.nfse_contract import billed_invoice, certs, sefin

__all__ = ["certs", "sefin"]
REASON = "Serviço faturado em duplicidade nesta fatura"


def test_issue_follow_and_cancel(fin_api: Any, fin_user: Any, sefin: ContractServer) -> None:
    bill = billed_invoice(fin_user)
    response = fin_api.post(f"/invoices/{bill.number}/nfse")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["nfse_number"] == "DPS-00000001" and body["task"]
    shown = fin_api.get(f"/nfse/{body['nfse_number']}").json()
    assert shown["status"] == "issued" and shown["rejection"] is None
    assert len(shown["access_key"]) == 50 and shown["invoice_number"] == bill.number
    assert shown["nfse"] and shown["attempts"] == 1
    national = fin_api.get(f"/nfse/{shown['nfse']}").json()  # the NFS-e under its own number
    assert national["access_key"] == shown["access_key"] and national["source"] == "fatura"
    assert fin_api.post(f"/invoices/{bill.number}/nfse").status_code == 409  # already issued
    cancelled = fin_api.post(f"/nfse/{body['nfse_number']}/cancel", {"reason": REASON})
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == REASON
    again = fin_api.post(f"/nfse/{shown['nfse']}/cancel", {"reason": REASON})
    assert again.status_code == 409  # the NFS-e's own number finds it too; not issued now


def test_rejection_is_shown(fin_api: Any, fin_user: Any, sefin: ContractServer) -> None:
    bill = billed_invoice(fin_user)
    sefin.fail_next("reject:E0160:Opção pelo Simples Nacional diverge do cadastro")
    number = fin_api.post(f"/invoices/{bill.number}/nfse").json()["nfse_number"]
    shown = fin_api.get(f"/nfse/{number}").json()
    assert shown["status"] == "rejected" and shown["access_key"] is None
    assert shown["rejection"]["code"] == "E0160"
    assert "Simples Nacional" in shown["rejection"]["message"]
    assert shown["rejection"]["errors"][0]["code"] == "E0160"


def test_errors(
    fin_api: Any, ops_api: Any, fin_user: Any, sefin: ContractServer, settings: Any
) -> None:
    bill = billed_invoice(fin_user)
    assert ops_api.post(f"/invoices/{bill.number}/nfse").status_code == 403
    assert fin_api.post("/invoices/FAT-99999999/nfse").status_code == 404
    assert fin_api.get("/nfse/DPS-00000099").status_code == 404
    lonely = invoice(fin_user, bill.customer, amount="10.00")  # a draft without orders
    refused = fin_api.post(f"/invoices/{lonely.number}/nfse")
    assert refused.status_code == 409 and "detail" in refused.json()
    number = fin_api.post(f"/invoices/{bill.number}/nfse").json()["nfse_number"]
    assert ops_api.post(f"/nfse/{number}/cancel", {"reason": REASON}).status_code == 403
    short = fin_api.post(f"/nfse/{number}/cancel", {"reason": "curto"})
    assert short.status_code == 422
    assert [e["field"] for e in short.json()["errors"]] == ["reason"]
    assert (
        fin_api.post(f"/nfse/{number}/cancel", {"reason": REASON, "motive": 5}).status_code == 422
    )
    assert fin_api.post("/nfse/DPS-00000042/cancel", {"reason": REASON}).status_code == 404
    assert fin_api.post("/nfse/123/cancel", {"reason": REASON}).status_code == 404
    sefin.stop()  # the Sefin does not answer: a cancellation asked now is a 503
    assert fin_api.post(f"/nfse/{number}/cancel", {"reason": REASON}).status_code == 503
    settings.FATURA_NFSE = {**settings.FATURA_NFSE, "api_url": ""}
    other = billed_invoice(fin_user, values=("50.00",))
    assert fin_api.post(f"/invoices/{other.number}/nfse").status_code == 409


def test_openapi_states_the_enums_and_patterns(fin_api: Any) -> None:
    schema = fin_api.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    issuance = components["NfseIssuanceOut"]["properties"]
    assert issuance["status"]["enum"] == ["pending", "issued", "rejected", "cancelled"]
    assert issuance["number"]["pattern"] == "^DPS-[0-9]{8,15}$"
    cancel = components["CancelIn"]["properties"]
    assert cancel["reason"]["minLength"] == 15 and cancel["reason"]["maxLength"] == 255
    assert cancel["motive"]["enum"] == [1, 2, 9]
    paths = schema["paths"]
    assert "202" in paths["/api/v1/invoices/{number}/nfse"]["post"]["responses"]
    assert "post" in paths["/api/v1/nfse/{number}/cancel"]
