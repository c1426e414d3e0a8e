from __future__ import annotations

import plotly

from fatura.billing.services import charge_finalize
from fatura.core.months import Month
from fatura.usage.services import consumption_record
from tests.factories import BillingItemFactory
from tests.web.conftest import NOW, text


def _billed_months(fin_user, billing_data):
    """ACME billed in April (fixture data) and May (storage only)."""
    consumption_record(
        by=fin_user,
        customer=billing_data.acme,
        month=Month(2026, 5),
        billing_item=billing_data.storage,
        quantity="200",
    )
    for month in (Month(2026, 4), Month(2026, 5)):
        charge_finalize(
            by=fin_user,
            customer=billing_data.acme,
            month=month,
            result_center="C",
            ticket="T",
            total_charged="0",
            now=NOW,
        )


def test_usage_charts_and_table(fin_client, fin_user, billing_data):
    _billed_months(fin_user, billing_data)
    response = fin_client.get(
        "/uso/",
        {
            "cliente": billing_data.acme.pk,
            "itens": [billing_data.storage.pk, billing_data.support.pk],
        },
    )
    page = text(response)
    assert response.status_code == 200
    assert f'src="/assets/plotly.min.js?v={plotly.__version__}"' in page
    assert 'id="usage-quantity-chart"' in page and 'id="usage-amount-chart"' in page
    assert "data-plotly=" in page and "cdn.plot.ly" not in page
    table = page.split('id="usage-table"')[1]
    assert "abril/2026" in table and "maio/2026" in table
    assert "1.500,5 GB" in table and "R$ 500,12" in table
    assert "200 GB" in table and "R$ 66,66" in table
    assert "10 hora" in table and "R$ 1.800,00" in table
    assert "checked" in page.split('id="usage-items"')[1].split("</fieldset>")[0]


def test_usage_counts_only_finalized_charges(fin_client, billing_data):
    page = text(
        fin_client.get("/uso/", {"cliente": billing_data.beta.pk, "itens": billing_data.storage.pk})
    )
    assert "Nenhuma cobrança finalizada com esses itens" in page
    assert "data-plotly=" not in page


def test_more_than_ten_items_shows_the_422_message(fin_client, billing_data):
    items = [BillingItemFactory(price=("1", "2026-01")) for _ in range(11)]
    response = fin_client.get(
        "/uso/", {"cliente": billing_data.acme.pk, "itens": [i.pk for i in items]}
    )
    assert response.status_code == 422
    page = text(response)
    assert "Escolha no máximo 10 itens de cobrança (foram 11)." in page
    assert 'id="id_itens_error"' in page


def test_no_item_chosen_says_so(fin_client, billing_data):
    response = fin_client.get("/uso/", {"cliente": billing_data.acme.pk})
    assert response.status_code == 422
    assert "Escolha ao menos um item de cobrança." in text(response)


def test_first_visit_explains_what_to_do(ops_client, billing_data):
    response = ops_client.get("/uso/")
    assert response.status_code == 200
    assert "Escolha um cliente e marque até 10 itens" in text(response)


def test_usage_csv(fin_client, fin_user, billing_data):
    _billed_months(fin_user, billing_data)
    body = text(
        fin_client.get(
            "/uso/exportar.csv", {"cliente": billing_data.acme.pk, "itens": billing_data.storage.pk}
        )
    )
    lines = body.lstrip("\ufeff").splitlines()
    assert lines == [
        "Mês;Item de cobrança;Unidade;Quantidade;Valor (R$)",
        "04/2026;Armazenamento;GB;1500,5;500,12",
        "05/2026;Armazenamento;GB;200;66,66",
    ]


def test_plotly_js_is_served_from_the_python_package(client, db):
    response = client.get("/assets/plotly.min.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "max-age=31536000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
    assert len(response.content) > 1_000_000
    assert plotly.__version__.encode() in response.content[:2000] or b"plotly" in response.content
