from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from fatura.catalog.models import BillingItem
from fatura.usage.models import Consumption
from tests.factories import CustomerFactory
from tests.web.conftest import text

HEADER = "customer_document,month,item,product,unit,unit_price,quantity\n"
HTMX = {"HX-Request": "true"}


def _upload(client, content: str, headers=None):
    upload = SimpleUploadedFile("volumetria.csv", content.encode(), content_type="text/csv")
    return client.post(
        "/consumo/importar/", {"file": upload}, headers=HTMX if headers is None else headers
    )


def test_import_page_explains_the_format(ops_client):
    page = text(ops_client.get("/consumo/importar/"))
    assert "customer_document,month,item,product,unit,unit_price,quantity" in page
    assert 'href="/consumo/exemplo-volumetria.csv"' in page
    assert 'hx-encoding="multipart/form-data"' in page
    assert 'id="upload-progress"' in page


def test_import_success_shows_counts(fin_client):
    customer = CustomerFactory()
    response = _upload(
        fin_client,
        HEADER
        + f"{customer.document},2026-04,Armazenamento,Cloud,GB,0.35,100\n"
        + f'{customer.document},2026-04,Suporte,Serviços,hora,"180,00",2\n',
    )
    assert response.status_code == 201
    page = text(response)
    assert "<html" not in page  # a fragment for htmx
    assert 'id="import-success"' in page
    assert "2 lançamentos de consumo criados" in page
    assert "2 itens de cobrança novos" in page
    assert Consumption.objects.count() == 2


def test_import_with_bad_rows_lists_every_row_and_imports_nothing(fin_client):
    customer = CustomerFactory()
    response = _upload(
        fin_client,
        HEADER
        + f"{customer.document},2026-04,Armazenamento,Cloud,GB,0.35,100\n"
        + "123,2026-13,,Cloud,GB,abc,-1\n"
        + f"{customer.document},2026-04,Suporte,Serviços,hora,10,xx\n",
    )
    assert response.status_code == 422
    page = text(response)
    assert "tem 6 erro(s) nas linhas 3, 4; nada foi importado." in page
    table = page.split('id="import-errors"')[1]
    for row in (
        '<td class="num">3</td><td>CPF/CNPJ do cliente</td><td>CPF/CNPJ deve ter 11 ou 14',
        '<td class="num">3</td><td>mês</td>',
        '<td class="num">3</td><td>item</td><td>Informe o item.</td>',
        '<td class="num">3</td><td>preço unitário</td>',
        '<td class="num">3</td><td>quantidade</td><td>Quantidade negativa.</td>',
        '<td class="num">4</td><td>quantidade</td>',
    ):
        assert row in table
    assert not Consumption.objects.exists() and not BillingItem.objects.exists()


def test_import_without_file_is_422(fin_client):
    response = fin_client.post("/consumo/importar/", {}, headers=HTMX)
    assert response.status_code == 422
    assert 'id="import-error"' in text(response)


def test_operacao_cannot_import_a_file_that_creates_items(ops_client):
    customer = CustomerFactory()
    response = _upload(ops_client, HEADER + f"{customer.document},2026-04,Novo,P,un,1,1\n")
    assert response.status_code == 403
    assert "somente o perfil Financeiro pode importá-lo" in text(response)
    assert not Consumption.objects.exists()


def test_import_without_htmx_renders_the_whole_page(fin_client):
    response = _upload(fin_client, HEADER + "1,2,3\n", headers={})
    assert response.status_code == 422
    page = text(response)
    assert "<html" in page and 'id="import-errors"' in page


def test_example_file_can_be_imported_as_is(fin_client, monkeypatch):
    import datetime as dt

    from fatura.core import clock

    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 5, 10))
    CustomerFactory.create_batch(2)
    response = fin_client.get("/consumo/exemplo-volumetria.csv")
    assert response["Content-Disposition"] == 'attachment; filename="exemplo-volumetria.csv"'
    content = response.content.decode()
    assert content.startswith("customer_document,month,item,product,unit,unit_price,quantity\r\n")
    assert ",2026-04," in content
    assert _upload(fin_client, content).status_code == 201
    assert Consumption.objects.count() == 3
