from __future__ import annotations

from fatura.catalog.models import BillingItem, ItemSource, PriceVersion
from tests.factories import BillingItemFactory
from tests.web.conftest import text


def test_list_shows_source_and_price_in_force(fin_client, monkeypatch):
    import datetime as dt

    from fatura.core import clock

    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 4, 10))
    BillingItemFactory(name="Armazenamento", unit="GB", price=("0.3333", "2026-01"))
    BillingItemFactory(name="Futuro", price=("5.00", "2026-09"))
    BillingItemFactory(name="Importado", source=ItemSource.VOLUMETRIA, price=("2.50", "2026-01"))
    page = text(fin_client.get("/itens/"))
    assert "Preço em abril/2026" in page
    assert "R$ 0,3333" in page
    assert "a partir de setembro/2026" in page
    assert ">Volumetria</span>" in page and ">Manual</span>" in page


def test_create_item_with_brazilian_decimal(fin_client):
    response = fin_client.post(
        "/itens/",
        {
            "name": "Consultoria",
            "product": "Serviços",
            "unit": "hora",
            "unit_price": "1.234,56",
            "valid_from": "2026-04",
        },
    )
    item = BillingItem.objects.get(name="Consultoria")
    assert response.status_code == 302 and response["Location"] == f"/itens/{item.pk}/"
    [version] = item.prices.all()
    assert str(version.unit_price) == "1234.5600"
    page = text(fin_client.get(response["Location"]))
    assert "Item de cobrança Consultoria criado." in page
    assert "R$ 1.234,56" in page


def test_create_item_errors_on_fields(fin_client):
    response = fin_client.post(
        "/itens/",
        {"name": "", "product": "P", "unit": "un", "unit_price": "1", "valid_from": "abril"},
    )
    assert response.status_code == 422
    assert "Informe o mês no formato AAAA-MM" in text(response)
    response = fin_client.post(
        "/itens/",
        {"name": "", "product": "P", "unit": "un", "unit_price": "1", "valid_from": "2026-04"},
    )
    assert response.status_code == 422
    assert 'id="id_name_error">Informe o nome do item.' in text(response)
    response = fin_client.post(
        "/itens/",
        {"name": "N", "product": "P", "unit": "un", "unit_price": "abc", "valid_from": "2026-04"},
    )
    page = text(response)
    assert "Preço unitário inválido" in page
    assert 'id="id_unit_price_error">informe um número' in page
    assert not BillingItem.objects.exists()


def test_add_price_version(fin_client):
    item = BillingItemFactory(price=("10.00", "2026-01"))
    response = fin_client.post(
        f"/itens/{item.pk}/", {"unit_price": "12,50", "valid_from": "2026-06"}
    )
    assert response.status_code == 302
    assert [str(v.unit_price) for v in item.prices.order_by("valid_from")] == [
        "10.0000",
        "12.5000",
    ]
    page = text(fin_client.get(f"/itens/{item.pk}/"))
    assert "Preço de junho/2026 cadastrado." in page
    assert "R$ 12,50" in page and "junho/2026" in page


def test_add_price_for_a_billed_month_shows_409(fin_client, billing_data, invoice):
    response = fin_client.post(
        f"/itens/{billing_data.storage.pk}/", {"unit_price": "1", "valid_from": "2026-03"}
    )
    assert response.status_code == 409
    assert "já foi cobrado em abril/2026" in text(response)


def test_remove_price_asks_then_removes(fin_client):
    item = BillingItemFactory(price=("10.00", "2026-01"))
    second = PriceVersion.objects.create(item=item, unit_price="11", valid_from="2026-05-01")
    url = f"/itens/{item.pk}/precos/{second.pk}/remover/"
    page = text(fin_client.get(url))
    assert "Remover preço?" in page and 'id="last-price-warning"' not in page
    response = fin_client.post(url)
    assert response.status_code == 302 and response["Location"] == f"/itens/{item.pk}/"
    assert list(item.prices.values_list("pk", flat=True)) != [second.pk]
    assert item.prices.count() == 1


def test_removing_the_last_price_deletes_the_item(fin_client):
    item = BillingItemFactory(name="Temporário", price=("10.00", "2026-01"))
    version = item.prices.get()
    url = f"/itens/{item.pk}/precos/{version.pk}/remover/"
    page = text(fin_client.get(url))
    assert "removê-lo exclui o item de cobrança" in page
    assert "Remover preço e excluir item" in page
    response = fin_client.post(url)
    assert response.status_code == 302 and response["Location"] == "/itens/"
    assert not BillingItem.objects.filter(pk=item.pk).exists()
    assert "o item Temporário foi excluído" in text(fin_client.get("/itens/"))


def test_removing_a_price_of_a_billed_item_shows_409(fin_client, billing_data, invoice):
    item = billing_data.storage
    version = item.prices.get()
    response = fin_client.post(f"/itens/{item.pk}/precos/{version.pk}/remover/")
    assert response.status_code == 409
    assert "aparece em uma cobrança finalizada" in text(response)
    assert item.prices.filter(pk=version.pk).exists()


def test_operacao_sees_no_catalog_actions_and_is_refused(ops_client):
    item = BillingItemFactory(price=("10.00", "2026-01"))
    page = text(ops_client.get(f"/itens/{item.pk}/"))
    assert 'id="price-form"' not in page and 'id="remove-price-' not in page
    assert "Somente o perfil Financeiro cria ou altera itens" in page
    response = ops_client.post(f"/itens/{item.pk}/", {"unit_price": "9", "valid_from": "2026-07"})
    assert response.status_code == 403
    assert item.prices.count() == 1
    version = item.prices.get()
    response = ops_client.post(f"/itens/{item.pk}/precos/{version.pk}/remover/")
    assert response.status_code == 403
    assert BillingItem.objects.filter(pk=item.pk).exists()


def test_unknown_item_is_a_friendly_404(fin_client):
    response = fin_client.get("/itens/999/")
    assert response.status_code == 404
    assert "Item de cobrança 999 não encontrado." in text(response)


def test_items_csv(fin_client, monkeypatch):
    import datetime as dt

    from fatura.core import clock

    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 4, 10))
    BillingItemFactory(
        name="Armazenamento", product="Cloud", unit="GB", price=("0.3333", "2026-01")
    )
    body = text(fin_client.get("/itens/exportar.csv"))
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0] == (
        "Nome;Produto;Unidade;Origem;Preço vigente (R$);Vigente desde;Versões de preço"
    )
    assert lines[1] == "Armazenamento;Cloud;GB;Manual;0,3333;01/2026;1"


def test_items_list_query_count(fin_client, django_assert_max_num_queries):
    for _ in range(25):
        BillingItemFactory(price=("1.00", "2026-01"))
    with django_assert_max_num_queries(6):
        assert fin_client.get("/itens/").status_code == 200
