"""Withholdings on service invoices through the API (issue 13, docs/decisions/0029): the
customer says which taxes it withholds, the invoice shows gross, each withholding and the net,
the receivable is the net, and the DPS states the retention."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, get_args

from lxml import etree

from fatura.core.withholdings import WithholdingTax
from fatura.customers.schemas import WithholdingCode
from fatura.fiscal.dps_source import invoice_dps_xml
from fatura.receivables.models import Invoice
from tests.factories import CustomerFactory

NS = {"n": "http://www.sped.fazenda.gov.br/nfse"}
ISSUE = "2026-05-05"


def _invoice(fin_api: Any, customer_id: int, amount: str = "10000.00") -> dict[str, Any]:
    body = {
        "customer_id": customer_id,
        "kind": "simple",
        "issue_date": ISSUE,
        "payment_terms": "NET30",
        "lines": [{"description": "Consultoria", "quantity": "1", "unit_price": amount}],
    }
    response = fin_api.post("/invoices", body)
    assert response.status_code == 201, response.json()
    return dict(response.json())


def test_worked_check_10000_to_a_customer_withholding_irrf_pis_cofins_csll(fin_api, books):
    customer = fin_api.post(
        "/customers",
        {
            "name": "Órgão Tomador SA",
            "document": "11.222.333/0001-81",
            "email": "contas@tomador.example",
            "withholdings": ["csll", "irrf", "pis", "cofins"],
        },
    )
    assert customer.status_code == 201, customer.json()
    assert customer.json()["withholdings"] == ["irrf", "pis", "cofins", "csll"]
    invoice = _invoice(fin_api, customer.json()["id"])
    assert invoice["total_charged"] == "10000.00"
    assert invoice["withholdings"] == [
        {"tax": "irrf", "rate": "1.50", "amount": "150.00"},
        {"tax": "pis", "rate": "0.65", "amount": "65.00"},
        {"tax": "cofins", "rate": "3.00", "amount": "300.00"},
        {"tax": "csll", "rate": "1.00", "amount": "100.00"},
    ]
    assert invoice["net_total"] == "9385.00" and invoice["balance"] == "9385.00"
    number = invoice["number"]
    for action in ("complete", "send"):
        assert fin_api.post(f"/invoices/{number}/{action}").status_code == 200
    payment = fin_api.post(
        "/payments",
        {
            "customer_id": customer.json()["id"],
            "amount": "9385.00",
            "received_at": ISSUE,
            "method": "pix",
            "reference": "E2E-9385",
            "allocations": [{"invoice_number": number, "amount": "9385.00"}],
        },
    )
    assert payment.status_code == 201, payment.json()
    settled = fin_api.get(f"/invoices/{number}").json()
    assert (settled["balance"], settled["payment_status"], settled["status"]) == (
        "0.00",
        "paid",
        "closed",
    )
    assert settled["amount_applied"] == "9385.00"


def test_a_customer_without_withholdings_owes_the_gross(fin_api, books):
    invoice = _invoice(fin_api, books.customer().pk, "1234.56")
    assert invoice["withholdings"] == [] and invoice["net_total"] == "1234.56"
    assert invoice["balance"] == "1234.56"


def test_small_amounts_are_dispensed(fin_api, books):
    customer = books.customer(withholdings=["irrf", "pis", "cofins", "csll", "inss"])
    invoice = _invoice(fin_api, customer.pk, "200.00")  # IRRF 3.00, PCC 9.30, INSS 22.00
    assert invoice["withholdings"] == [{"tax": "inss", "rate": "11.00", "amount": "22.00"}]
    assert invoice["net_total"] == "178.00"


def test_patch_and_bad_withholdings(fin_api, ops_api, books):
    customer = books.customer()
    url = f"/customers/{customer.pk}"
    response = fin_api.patch(url, {"withholdings": ["iss", "inss"]})
    assert response.status_code == 200 and response.json()["withholdings"] == ["iss", "inss"]
    assert fin_api.patch(url, {"withholdings": []}).json()["withholdings"] == []
    for bad in (["ir"], "irrf", ["irrf"] * 7):
        answer = fin_api.patch(url, {"withholdings": bad})
        assert answer.status_code == 422, bad
    assert ops_api.patch(url, {"withholdings": ["irrf"]}).status_code == 403
    bad_post = fin_api.post(
        "/customers", {"name": "X", "document": "11.222.333/0001-81", "withholdings": ["vat"]}
    )
    assert bad_post.status_code == 422
    assert "withholdings" in str(bad_post.json()["errors"])


def test_the_enums_are_the_vocabulary_and_in_the_openapi_schema():
    from fatura.api import api

    assert list(get_args(WithholdingCode)) == WithholdingTax.values
    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert "net_total" in schemas["InvoiceOut"]["properties"]
    assert "withholdings" in schemas["CustomerIn"]["properties"]


def test_the_dps_states_the_retention_and_stays_schema_valid(fin_api, books):
    customer = books.customer(withholdings=["iss", "irrf", "pis", "cofins", "csll", "inss"])
    number = _invoice(fin_api, customer.pk)["number"]
    xml = invoice_dps_xml(Invoice.objects.get(number=number), number=7)  # validated inside
    root = etree.fromstring(xml)
    trib = root.find(".//n:valores/n:trib", NS)
    assert trib.findtext("n:tribMun/n:tpRetISSQN", namespaces=NS) == "2"
    fed = trib.find("n:tribFed", NS)
    assert [child.tag.split("}")[1] for child in fed] == [
        "piscofins",
        "vRetCP",
        "vRetIRRF",
        "vRetCSLL",
    ]
    group = fed.find("n:piscofins", NS)
    assert [(c.tag.split("}")[1], c.text) for c in group] == [
        ("CST", "01"),
        ("vBCPisCofins", "10000.00"),
        ("pAliqPis", "0.65"),
        ("pAliqCofins", "3.00"),
        ("vPis", "65.00"),
        ("vCofins", "300.00"),
        ("tpRetPisCofins", "3"),
    ]
    assert fed.findtext("n:vRetCP", namespaces=NS) == "1100.00"
    assert fed.findtext("n:vRetIRRF", namespaces=NS) == "150.00"
    assert fed.findtext("n:vRetCSLL", namespaces=NS) == "100.00"


def test_the_dps_without_withholdings_is_unchanged(fin_api, books):
    number = _invoice(fin_api, books.customer().pk)["number"]
    root = etree.fromstring(invoice_dps_xml(Invoice.objects.get(number=number), number=8))
    assert root.findtext(".//n:tpRetISSQN", namespaces=NS) == "1"
    assert root.find(".//n:tribFed", NS) is None


def test_only_csll_and_cofins_map_to_their_retention_code(fin_api, books):
    customer = books.customer(withholdings=["cofins", "csll"])
    number = _invoice(fin_api, customer.pk)["number"]
    root = etree.fromstring(invoice_dps_xml(Invoice.objects.get(number=number), number=9))
    assert root.findtext(".//n:tpRetPisCofins", namespaces=NS) == "7"
    assert root.find(".//n:pAliqPis", NS) is None
    assert root.findtext(".//n:tpRetISSQN", namespaces=NS) == "1"


def test_customer_factory_default_has_none():
    assert CustomerFactory.build().withholdings == []


def test_aging_as_of_a_day_counts_the_net(fin_api, books):
    import datetime as dt

    from fatura.receivables.ledger import aging

    customer = books.customer(withholdings=["irrf", "pis", "cofins", "csll"])
    number = _invoice(fin_api, customer.pk)["number"]
    assert fin_api.post(f"/invoices/{number}/complete").status_code == 200
    report = aging(as_of=dt.date(2026, 5, 20))
    assert [row.total for row in report.rows] == [Decimal("9385.00")]
