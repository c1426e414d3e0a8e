"""Condições de pagamento (/clientes/condicoes-de-pagamento/): the terms with their
installments, creating one (even parts when the percents are blank), changing one, the
service's errors next to their fields, the empty state and Operação's read-only view."""

from __future__ import annotations

from fatura.customers.models import PaymentTerm
from tests.web.conftest import text

URL = "/clientes/condicoes-de-pagamento/"


def test_the_page_lists_the_terms_and_is_linked_from_customers(fin_client):
    page = text(fin_client.get(URL))
    assert "30/60/90" in page and "NET30" in page and "Líquido 30" in page
    assert "2% 10, Líquido 30" in page
    assert URL in fin_client.get("/clientes/").content.decode()


def test_create_with_even_parts(fin_client):
    response = fin_client.post(
        URL, {"code": "4X", "label": "Quatro vezes", "days": "30/60/90/120", "active": "on"}
    )
    assert response.status_code == 302, text(response)
    term = PaymentTerm.objects.get(code="4X")
    assert [i["percent"] for i in term.installments] == ["25.00", "25.00", "25.00", "25.00"]
    assert "Condição de pagamento 4X salva." in text(fin_client.get(URL))


def test_change_a_term_keeps_its_code(fin_client):
    page = text(fin_client.get(URL, {"codigo": "30/60/90"}))
    assert "Alterar 30/60/90" in page
    response = fin_client.post(
        f"{URL}?codigo=30/60/90",
        {
            "code": "IGNORADO",
            "label": "Três vezes",
            "days": "30/60/90",
            "percents": "50/30/20",
            "discount_percent": "1,5",
            "discount_days": "5",
            "active": "on",
        },
    )
    assert response.status_code == 302, text(response)
    term = PaymentTerm.objects.get(code="30/60/90")
    assert term.label == "Três vezes"
    assert [i["percent"] for i in term.installments] == ["50.00", "30.00", "20.00"]
    assert str(term.discount_percent) == "1.50"
    assert not PaymentTerm.objects.filter(code="IGNORADO").exists()


def test_errors_are_shown_on_their_fields(fin_client):
    response = fin_client.post(
        URL, {"code": "X1", "label": "X", "days": "60/30", "percents": "50/40"}
    )
    assert response.status_code == 422
    page = text(response)
    assert "deve crescer" in page
    assert not PaymentTerm.objects.filter(code="X1").exists()
    response = fin_client.post(URL, {"code": "X2", "label": "X", "days": "trinta"})
    assert response.status_code == 422
    assert "números inteiros" in text(response)


def test_empty_state(fin_client):
    PaymentTerm.objects.all().delete()
    assert "Nenhuma condição de pagamento cadastrada." in text(fin_client.get(URL))


def test_operacao_reads_but_cannot_change(ops_client):
    page = text(ops_client.get(URL))
    assert "NET30" in page
    assert "Somente o perfil Financeiro" in page
    response = ops_client.post(URL, {"code": "X3", "label": "X", "days": "30"})
    assert response.status_code == 403
    assert not PaymentTerm.objects.filter(code="X3").exists()
