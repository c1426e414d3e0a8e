from __future__ import annotations

from fatura.core.documents import cnpj_with_check_digits
from fatura.customers.models import Customer
from fatura.eventlog.models import Event
from tests.factories import CustomerFactory
from tests.web.conftest import text

VALID_CNPJ = cnpj_with_check_digits("123456780001")


def test_list_search_by_name_and_document(fin_client):
    CustomerFactory(name="Padaria Central")
    other = CustomerFactory(name="Oficina do Zé")
    page = text(fin_client.get("/clientes/", {"q": "padaria"}))
    assert "Padaria Central" in page and "Oficina do Zé" not in page
    page = text(fin_client.get("/clientes/", {"q": other.document[:8]}))
    assert "Oficina do Zé" in page


def test_empty_search_explains(fin_client):
    page = text(fin_client.get("/clientes/", {"q": "ninguém"}))
    assert "Nenhum cliente encontrado" in page


def test_create_customer_redirects_with_message(fin_client):
    response = fin_client.post(
        "/clientes/",
        {"name": "Nova Empresa", "document": VALID_CNPJ, "payment_terms": "NET30", "country": "BR"},
    )
    assert response.status_code == 302 and response["Location"] == "/clientes/"
    customer = Customer.objects.get(name="Nova Empresa")
    assert customer.document == VALID_CNPJ
    assert "Cliente Nova Empresa cadastrado." in text(fin_client.get("/clientes/"))


def test_invalid_cnpj_is_shown_on_the_field(fin_client):
    response = fin_client.post(
        "/clientes/", {"name": "X", "document": "11.222.333/0001-00", "country": "BR"}
    )
    assert response.status_code == 422
    page = text(response)
    assert 'id="id_document_error">CNPJ inválido: 11.222.333/0001-00</p>' in page
    assert 'aria-invalid="true"' in page
    assert not Customer.objects.exists()


def test_several_errors_each_on_its_field(fin_client):
    response = fin_client.post(
        "/clientes/", {"name": "", "document": "123", "email": "nope", "country": "BRA"}
    )
    page = text(response)
    assert response.status_code == 422
    assert 'id="id_name_error">Informe o nome do cliente.' in page
    assert 'id="id_document_error">CPF/CNPJ deve ter 11 ou 14 dígitos' in page
    assert 'id="id_email_error">E-mail inválido: nope' in page
    assert "Corrija os campos destacados abaixo." in page


def test_duplicate_document_shows_409(fin_client):
    CustomerFactory(document=VALID_CNPJ)
    response = fin_client.post("/clientes/", {"name": "Outra", "document": VALID_CNPJ})
    assert response.status_code == 409
    assert "Já existe um cliente com o CPF/CNPJ" in text(response)


def test_operacao_sees_why_it_cannot_create_and_post_is_refused(ops_client):
    page = text(ops_client.get("/clientes/"))
    assert 'id="customer-form"' not in page
    assert "Somente o perfil Financeiro cadastra ou altera clientes." in page
    response = ops_client.post("/clientes/", {"name": "Y", "document": VALID_CNPJ})
    assert response.status_code == 403
    assert "Somente o perfil Financeiro cadastra ou altera clientes." in text(response)
    assert not Customer.objects.exists()
    assert not Event.objects.exists()


def test_csv_export(fin_client):
    CustomerFactory(name="=HYPERLINK(1)", document=VALID_CNPJ, segment="Saúde")
    response = fin_client.get("/clientes/exportar.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="clientes.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Nome;CPF/CNPJ;Tipo;E-mail;Segmento")
    assert lines[1].startswith("'=HYPERLINK(1);12.345.678/0001-")  # no formula for Excel
    assert ";Saúde;" in lines[1] and ";Líquido 30;" in lines[1]
    assert lines[0].endswith(";Condição de pagamento;Envio da fatura;Cadastrado em")
    assert ";Líquido 30;Manual;" in lines[1]  # the factory's customer: no automatic e-mail


def test_list_query_count_does_not_grow(fin_client, django_assert_max_num_queries):
    CustomerFactory.create_batch(40)
    # + the payment terms (data since docs/decisions/0023): one read for the select and labels
    with django_assert_max_num_queries(6):
        assert fin_client.get("/clientes/").status_code == 200
