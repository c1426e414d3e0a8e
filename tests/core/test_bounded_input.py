"""Bounded input (issue 10): each kind of out-of-range input that used to answer 500 (or store a
row that broke every later read) is a 422 naming the field, and the row for files."""

from __future__ import annotations

import json
import typing

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fatura.customers.models import Customer
from fatura.receivables import models as receivables_models
from fatura.receivables import schemas as receivables_schemas
from fatura.usage.models import Consumption
from tests.factories import CustomerFactory
from tests.scenarios import VOLUME_HEADER, billing_item


def fields(response):
    return [error["field"] for error in response.json()["errors"]]


def raw_post(api, path, text):
    """A JSON body as written (``1e309``, ``"\\ud800"`` cannot be built from Python objects)."""
    return api.client.post(
        f"/api/v1{path}", data=text, content_type="application/json", headers=api.headers
    )


def payment_json(customer, amount_literal):
    return (
        f'{{"customer_id": {customer.pk}, "amount": {amount_literal}, '
        '"received_at": "2026-05-04", "method": "pix"}'
    )


# --- amounts beyond the column --------------------------------------------------------------


@pytest.mark.parametrize("literal", ["1e309", "9.6e117", '"1e20"', '"9.6e117"'])
def test_an_amount_beyond_its_column_is_422_on_the_field(fin_api, literal):
    customer = CustomerFactory()
    response = raw_post(fin_api, "/payments", payment_json(customer, literal))
    assert response.status_code == 422, response.content
    assert fields(response) == ["amount"]


def test_a_service_order_value_beyond_its_column_is_422(ops_api):
    customer = CustomerFactory()
    body = {
        "number": "OS-1",
        "customer_id": customer.pk,
        "service_type": "Suporte",
        "team": "Sul",
        "value": "1e20",
    }
    response = ops_api.post("/service-orders", body)
    assert (response.status_code, fields(response)) == (422, ["value"])


def test_an_invoice_line_whose_amount_overflows_is_422_with_its_line(fin_api):
    customer = CustomerFactory()
    body = {
        "customer_id": customer.pk,
        "kind": "simple",
        "issue_date": "2026-05-04",
        "lines": [
            {"description": "ok", "quantity": "1", "unit_price": "10"},
            {"description": "grande", "quantity": "999999999", "unit_price": "99999999.9999"},
        ],
    }
    response = fin_api.post("/invoices", body)
    assert response.status_code == 422
    assert [(e["line"], e["field"]) for e in response.json()["errors"]] == [(2, "amount")]
    assert not receivables_models.Invoice.objects.exists()


# --- volume files: row and field; nothing stored, the list still answers --------------------


@pytest.mark.parametrize(
    "quantity", ["99999999999999999999.123456", "1e20", "1000000000000", "1e400"]
)
def test_a_volume_file_quantity_beyond_the_column_is_422_with_row_and_field(fin_api, quantity):
    customer = CustomerFactory()
    billing_item()
    text = (
        VOLUME_HEADER
        + f"{customer.document},2026-04,Armazenamento,Cloud,GB,,1\n"
        + f"{customer.document},2026-04,Armazenamento,Cloud,GB,,{quantity}\n"
    )
    upload = {"file": SimpleUploadedFile("v.csv", text.encode(), content_type="text/csv")}
    response = fin_api.upload("/consumptions/import", upload)
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(3, "quantity")]
    assert not Consumption.objects.exists()
    assert fin_api.get("/consumptions").status_code == 200


def test_a_volume_file_text_with_nul_or_too_long_is_422_with_row_and_field(fin_api):
    customer = CustomerFactory()
    text = (
        VOLUME_HEADER
        + f"{customer.document},2026-04,Arma\x00zenamento,Cloud,GB,1.00,1\n"
        + f"{customer.document},2026-04,{'x' * 121},Cloud,GB,1.00,1\n"
        + f"{customer.document},9999-04,Armazenamento,Cloud,GB,1.00,1\n"
        + f"{customer.document},2026-04,Armazenamento,Cloud,GB,1e20,1\n"
    )
    upload = {"file": SimpleUploadedFile("v.csv", text.encode(), content_type="text/csv")}
    response = fin_api.upload("/consumptions/import", upload)
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [
        (2, "item"),
        (3, "item"),
        (4, "month"),
        (5, "unit_price"),
    ]


# --- dates outside 1900..2200 ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/reports/aging?as_of=9999-12-31", "as_of"),
        ("/reports/dso?end=9999-12-31", "end"),
        ("/reports/dso?start=1899-12-31", "start"),
        ("/customers/{customer}/statement?as_of=9999-12-31", "as_of"),
        ("/kpis/nfse-after-billing?to=9999-12-31", "to"),
        ("/nfse/backlog?as_of=9999-12-31T00:00:00", "as_of"),
        ("/service-orders?completed_from=9999-12-31", "completed_from"),
    ],
)
def test_a_date_outside_1900_2200_is_422_on_the_field(fin_api, path, field):
    customer = CustomerFactory()
    response = fin_api.get(path.format(customer=customer.pk))
    assert response.status_code == 422, response.content
    assert fields(response) == [field]


def test_a_payment_dated_9999_is_422(fin_api):
    customer = CustomerFactory()
    body = {"customer_id": customer.pk, "amount": "1.00", "method": "pix"}
    response = fin_api.post("/payments", {**body, "received_at": "9999-12-31"})
    assert (response.status_code, fields(response)) == (422, ["received_at"])


# --- text: max length, NUL bytes, lone surrogates -------------------------------------------


def customer_json(name_literal):
    return f'{{"name": {name_literal}, "document": "11.222.333/0001-81"}}'


@pytest.mark.parametrize(
    "name_literal",
    [
        json.dumps("x" * 201),  # the column holds 200
        '"ACME\\u0000 Ltda"',  # a NUL byte
        '"ACME \\ud800 Ltda"',  # a lone surrogate
    ],
    ids=["too-long", "nul", "lone-surrogate"],
)
def test_bad_text_is_422_on_the_field(fin_api, name_literal):
    response = raw_post(fin_api, "/customers", customer_json(name_literal))
    assert response.status_code == 422, response.content
    assert fields(response) == ["name"]
    assert not Customer.objects.exists()


def test_a_long_reference_or_item_name_is_422(fin_api):
    customer = CustomerFactory()
    body = {"customer_id": customer.pk, "amount": "1.00", "method": "pix"}
    payment = fin_api.post(
        "/payments", {**body, "received_at": "2026-05-04", "reference": "r" * 81}
    )
    assert (payment.status_code, fields(payment)) == (422, ["reference"])
    item = {
        "name": "n" * 121,
        "product": "p",
        "unit": "u",
        "unit_price": "1",
        "valid_from": "2026-04",
    }
    created = fin_api.post("/billing-items", item)
    assert (created.status_code, fields(created)) == (422, ["name"])


def test_a_nul_in_a_query_filter_is_422(fin_api):
    response = fin_api.get("/events", {"case_id": "FAT\x00"})
    assert (response.status_code, fields(response)) == (422, ["case_id"])


def test_ids_beyond_64_bits_are_422_not_500(fin_api):
    for path in ("/invoices", "/payments", "/consumptions"):
        response = fin_api.get(path, {"customer_id": "-56793895471978419419634204672"})
        assert (response.status_code, fields(response)) == (422, ["customer_id"]), path


# --- codes: the schema's enums are the models' choices ---------------------------------------


@pytest.mark.parametrize(
    ("literal", "choices"),
    [
        (receivables_schemas.PaymentMethodCode, receivables_models.PaymentMethod.values),
        (receivables_schemas.DisputeReasonCode, receivables_models.DisputeReason.values),
        (receivables_schemas.ResolutionCode, receivables_models.DisputeResolution.values),
        (receivables_schemas.CallOutcomeCode, receivables_models.CallOutcome.values),
        (
            receivables_schemas.DirectInvoiceKind,
            [k for k in receivables_models.InvoiceKind.values if k != "usage"],
        ),
    ],
)
def test_the_schema_enums_are_the_model_choices(literal, choices):
    assert set(typing.get_args(literal)) == set(choices)


def test_openapi_lists_the_codes_and_the_patterns(fin_api):
    schema = fin_api.client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    method = components["PaymentIn"]["properties"]["method"]
    assert set(method["enum"]) == {"pix", "boleto", "transferencia", "cartao", "cheque"}
    amount = components["PaymentIn"]["properties"]["amount"]["anyOf"][0]
    assert amount["pattern"] == "^[0-9]{1,12}([.][0-9]{1,2})?$"
    assert components["CustomerIn"]["properties"]["name"]["maxLength"] == 200
    finalize = components["FinalizeIn"]["properties"]["month"]
    assert finalize["pattern"].startswith("^(19")


# --- the pages: the same bounds on their forms ----------------------------------------------


@pytest.fixture
def fin_client(fin_user):
    client = Client()
    client.force_login(fin_user)
    return client


@pytest.mark.parametrize(
    ("url", "field_text"),
    [
        ("/relatorios/aging/?as_of=31/12/9999&group_by=customer", "2200-12-31"),
        ("/relatorios/aging/?as_of=31/12/1899&group_by=customer", "1900-01-01"),
        ("/relatorios/dso/?start=01/01/2024&end=31/12/9999", "2200-12-31"),
        ("/fiscal/?fim=31/12/9999", "2200-12-31"),
    ],
)
def test_a_page_refuses_a_date_outside_1900_2200(fin_client, url, field_text):
    response = fin_client.get(url)
    assert response.status_code == 422
    assert field_text in response.content.decode()
