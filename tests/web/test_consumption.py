from __future__ import annotations

from fatura.core.months import Month
from fatura.usage.models import Consumption, ConsumptionSource, VolumeImport
from tests.factories import BillingItemFactory, CustomerFactory
from tests.web.conftest import MONTH, text


def _post(client, customer, item, month="2026-04", quantity="12,5"):
    return client.post(
        "/consumo/",
        {"customer": customer.pk, "month": month, "billing_item": item.pk, "quantity": quantity},
    )


def test_record_consumption_redirects_to_the_filtered_list(ops_client):
    customer = CustomerFactory(name="Cliente A")
    item = BillingItemFactory(name="Horas", price=("100", "2026-01"))
    response = _post(ops_client, customer, item, quantity="1.234,5")
    assert response.status_code == 302
    assert response["Location"] == f"/consumo/?cliente={customer.pk}&mes=2026-04"
    entry = Consumption.objects.get()
    assert str(entry.quantity) == "1234.500000" and entry.period == MONTH
    page = text(ops_client.get(response["Location"]))
    assert "Consumo lançado: Cliente A, Horas, abril/2026." in page
    assert "1.234,5" in page


def test_record_without_price_in_force_is_explained(fin_client):
    customer = CustomerFactory()
    item = BillingItemFactory(name="Novo", price=("1", "2026-06"))
    response = _post(fin_client, customer, item)
    assert response.status_code == 422
    page = text(response)
    assert "O item Novo não tem preço vigente em abril/2026." in page
    assert 'id="id_month_error"' in page
    assert not Consumption.objects.exists()


def test_record_in_a_finalized_month_is_refused(fin_client, billing_data, invoice):
    response = _post(fin_client, billing_data.acme, billing_data.storage)
    assert response.status_code == 409
    assert f"já foi finalizada (fatura {invoice.number})" in text(response)


def test_record_requires_the_fields(fin_client):
    response = fin_client.post("/consumo/", {"month": "", "quantity": ""})
    assert response.status_code == 422
    assert 'id="id_customer_error"' in text(response)


def test_list_filters_and_explains_volumetria_entries(fin_client, billing_data, fin_user):
    batch = VolumeImport.objects.create(
        filename="v.csv", rows=1, imported_by=fin_user, imported_at="2026-05-01T10:00:00Z"
    )
    imported = Consumption.objects.create(
        customer=billing_data.beta,
        month=MONTH.first_day,
        billing_item=billing_data.support,
        quantity=3,
        source=ConsumptionSource.VOLUMETRIA,
        volume_import=batch,
        recorded_by=fin_user,
        recorded_at="2026-05-01T10:00:00Z",
    )
    page = text(fin_client.get("/consumo/", {"cliente": billing_data.beta.pk, "mes": "2026-04"}))
    assert "ACME" not in page.split('id="consumption-table"')[1]
    assert f'id="delete-consumption-{imported.pk}"' not in page
    assert "não excluível" in page
    assert "não podem ser excluídos aqui" in page
    manual = Consumption.objects.get(customer=billing_data.beta, source="manual")
    assert f'id="delete-consumption-{manual.pk}"' in page
    empty = text(fin_client.get("/consumo/", {"mes": "2025-01"}))
    assert "Nenhum lançamento com esses filtros." in empty


def test_delete_entry_goes_back_to_the_list(ops_client, billing_data):
    entry = Consumption.objects.get(customer=billing_data.beta)
    back = f"/consumo/?cliente={billing_data.beta.pk}"
    response = ops_client.post(f"/consumo/{entry.pk}/excluir/", {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert not Consumption.objects.filter(pk=entry.pk).exists()
    assert "Lançamento excluído: Beta Comércio SA" in text(ops_client.get(back))


def test_delete_in_a_finalized_month_shows_the_rule(fin_client, billing_data, invoice):
    entry = Consumption.objects.filter(customer=billing_data.acme).first()
    response = fin_client.post(f"/consumo/{entry.pk}/excluir/", {"next": "https://evil.example/"})
    assert response["Location"] == "/consumo/"  # no open redirect
    page = text(fin_client.get("/consumo/"))
    assert "o mês não aceita mais lançamentos" in page
    assert Consumption.objects.filter(pk=entry.pk).exists()


def test_delete_needs_post(fin_client, billing_data):
    entry = Consumption.objects.first()
    assert fin_client.get(f"/consumo/{entry.pk}/excluir/").status_code == 405


def test_consumption_csv(fin_client, billing_data):
    body = text(fin_client.get("/consumo/exportar.csv", {"cliente": billing_data.acme.pk}))
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0].split(";")[:6] == [
        "Mês",
        "Cliente",
        "CPF/CNPJ",
        "Item de cobrança",
        "Unidade",
        "Quantidade",
    ]
    assert len(lines) == 3
    assert any(
        line.startswith("04/2026;ACME Serviços Ltda;") and ";1500,5;" in line for line in lines
    )


def test_consumption_list_query_count(fin_client, fin_user, django_assert_max_num_queries):
    from fatura.usage.services import consumption_record

    item = BillingItemFactory(price=("1", "2026-01"))
    for customer in CustomerFactory.create_batch(30):
        consumption_record(
            by=fin_user, customer=customer, month=Month(2026, 4), billing_item=item, quantity=1
        )
    with django_assert_max_num_queries(8):
        assert fin_client.get("/consumo/").status_code == 200
