"""/customers: register, list and read customers."""

from __future__ import annotations

from tests.factories import CustomerFactory

BODY = {
    "name": "ACME Serviços Ltda",
    "document": "11.222.333/0001-81",
    "email": "financeiro@acme.example",
    "segment": "Varejo",
    "region": "Sudeste",
    "country": "BR",
    "business_unit": "Cloud",
    "payment_terms": "2_10_NET30",
}


def test_post_creates_and_answers_201(fin_api):
    response = fin_api.post("/customers", BODY)
    assert response.status_code == 201
    body = response.json()
    assert body == {
        **BODY,
        "id": body["id"],
        "document": "11222333000181",
        "document_type": "CNPJ",
        "delivery": "email",
        "withholdings": [],
        "late_fine_percent": None,
        "late_interest_monthly_percent": None,
    }
    assert fin_api.get(f"/customers/{body['id']}").json() == body


def test_invalid_document_is_422_with_the_field(fin_api):
    response = fin_api.post("/customers", {**BODY, "document": "11.222.333/0001-80"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "CNPJ inválido: 11.222.333/0001-80",
        "errors": [{"field": "document", "message": "CNPJ inválido: 11.222.333/0001-80"}],
    }


def test_missing_required_fields_are_422(fin_api):
    response = fin_api.post("/customers", {"name": "ACME"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["document"]


def test_duplicate_document_is_409(fin_api):
    assert fin_api.post("/customers", BODY).status_code == 201
    response = fin_api.post("/customers", {**BODY, "name": "Outro"})
    assert response.status_code == 409
    assert "Já existe um cliente" in response.json()["detail"]


def test_operacao_reads_but_cannot_register(ops_api):
    CustomerFactory(name="ACME")
    assert [c["name"] for c in ops_api.get("/customers").json()] == ["ACME"]
    response = ops_api.post("/customers", BODY)
    assert response.status_code == 403
    assert response.json() == {"detail": "Somente o perfil Financeiro cadastra ou altera clientes."}


def test_list_search(fin_api):
    CustomerFactory(name="ACME")
    CustomerFactory(name="Beta")
    assert [c["name"] for c in fin_api.get("/customers", {"search": "bet"}).json()] == ["Beta"]
