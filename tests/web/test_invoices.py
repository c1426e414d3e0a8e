from __future__ import annotations

from fatura.billing.services import charge_finalize
from tests.web.conftest import MONTH, NOW, text


def test_list_filters_by_customer_and_month(fin_client, billing_data, invoice):
    page = text(fin_client.get("/faturas/"))
    row = page.split('id="invoices-table"')[1]
    assert invoice.number in row and "ACME Serviços Ltda" in row
    assert "abril/2026" in row and "05/05/2026" in row
    assert "R$ 2.300,12" in row and "R$ 2.250,00" in row and ">ajuste</span>" in row
    assert f'href="/faturas/{invoice.number}/pdf/"' in row and "Emitir fatura" in row
    page = text(fin_client.get("/faturas/", {"cliente": billing_data.beta.pk}))
    assert "Nenhuma fatura com esses filtros." in page
    page = text(fin_client.get("/faturas/", {"mes": "2026-03"}))
    assert "Nenhuma fatura com esses filtros." in page
    page = text(fin_client.get("/faturas/", {"cliente": billing_data.acme.pk, "mes": "2026-04"}))
    assert invoice.number in page


def test_detail_shows_lines_price_used_charge_data_and_timeline(ops_client, invoice):
    page = text(ops_client.get(f"/faturas/{invoice.number}/"))
    assert f"Fatura {invoice.number}" in page
    assert 'id="invoice-result-center">CR-100<' in page
    assert 'id="invoice-ticket">CHG-42<' in page
    lines = page.split('id="invoice-lines"')[1].split("</table>")[0]
    assert "Armazenamento" in lines and "1.500,5" in lines and "R$ 0,3333" in lines
    assert "versão de janeiro/2026" in lines and "R$ 500,12" in lines
    assert "Total cobrado (com ajuste)" in lines
    timeline = page.split('id="timeline"')[1]
    assert timeline.index("Consumo lançado") < timeline.index("Cobrança finalizada")
    assert "Fatura criada" in timeline
    assert f'href="/eventos/caso/{invoice.number}/"' in timeline


def test_pdf_is_the_invoice_document(ops_client, invoice):
    response = ops_client.get(f"/faturas/{invoice.number}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="fatura-{invoice.number}.pdf"'
    assert response.content.startswith(b"%PDF")


def test_unknown_invoice_is_a_friendly_404(fin_client, db):
    for url in ("/faturas/FAT-99999999/", "/faturas/FAT-99999999/pdf/"):
        response = fin_client.get(url)
        assert response.status_code == 404
        assert "Fatura FAT-99999999 não encontrada." in text(response)


def test_invoices_csv(fin_client, invoice):
    response = fin_client.get("/faturas/exportar.csv")
    assert 'filename="faturas.csv"' in response["Content-Disposition"]
    lines = text(response).lstrip("\ufeff").splitlines()
    assert lines[0] == (
        "Número;Cliente;CPF/CNPJ;Mês de referência;Data de emissão;Total devido (R$);"
        "Total cobrado (R$);Centro de resultado;Chamado;Tipo;Situação;Pagamento;"
        "Envio por e-mail;Erro do envio"
    )
    number, name, _, month, issued, due, charged, center, ticket, *labels = lines[1].split(";")
    assert labels == ["Uso (cobrança mensal)", "Concluída", "Em aberto", "", ""]
    assert (number, name, month, issued) == (
        invoice.number,
        "ACME Serviços Ltda",
        "04/2026",
        "05/05/2026",
    )
    assert (due, charged, center, ticket) == ("2300,12", "2250,00", "CR-100", "CHG-42")


def test_invoice_list_query_count(
    fin_client, billing_data, fin_user, django_assert_max_num_queries
):
    charge_finalize(
        by=fin_user,
        customer=billing_data.acme,
        month=MONTH,
        result_center="C",
        ticket="T",
        total_charged="1",
        now=NOW,
    )
    charge_finalize(
        by=fin_user,
        customer=billing_data.beta,
        month=MONTH,
        result_center="C",
        ticket="T",
        total_charged="1",
        now=NOW,
    )
    with django_assert_max_num_queries(6):
        assert fin_client.get("/faturas/").status_code == 200
