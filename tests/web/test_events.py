from __future__ import annotations

from tests.web.conftest import text


def test_events_newest_first_with_labels(ops_client, invoice):
    page = text(ops_client.get("/eventos/"))
    table = page.split('id="events-table"')[1]
    assert table.index("Fatura criada") < table.index("Consumo lançado")
    assert f'href="/eventos/caso/{invoice.number}/"' in table
    assert "total cobrado: R$ 2.250,00" in table


def test_events_filter_by_activity_and_case(fin_client, invoice):
    page = text(fin_client.get("/eventos/", {"atividade": "Invoice Created"}))
    table = page.split('id="events-table"')[1]
    assert "Fatura criada" in table and "Consumo lançado" not in table
    page = text(fin_client.get("/eventos/", {"caso": invoice.number}))
    table = page.split('id="events-table"')[1]
    assert table.count("<tr>") == 1 + 2  # header row + the invoice's two events
    page = text(fin_client.get("/eventos/", {"caso": "nada"}))
    assert "Nenhum evento com esses filtros." in page


def test_events_are_paginated(fin_client, billing_data, invoice):
    page = text(fin_client.get("/eventos/", {"page": 1}))
    assert "registros" in page
    assert fin_client.get("/eventos/", {"page": 99}).status_code == 200


def test_case_timeline(fin_client, billing_data, invoice):
    case = f"charge:{billing_data.acme.document}:2026-04"
    response = fin_client.get(f"/eventos/caso/{case}/")
    page = text(response)
    assert response.status_code == 200
    assert f"Linha do tempo de {case}" in page
    assert "3 eventos, do mais antigo ao mais recente." in page
    timeline = page.split('id="timeline"')[1]
    assert timeline.index("Consumo lançado") < timeline.index("Cobrança finalizada")
    assert "<dt>quantity</dt><dd>1.500,5</dd>" in timeline
    assert "<dt>invoice_number</dt><dd>FAT-00000001</dd>" in timeline


def test_unknown_case_has_an_empty_state(fin_client, db):
    assert "Nenhum evento neste caso." in text(fin_client.get("/eventos/caso/xyz/"))


def test_events_csv(fin_client, invoice):
    response = fin_client.get("/eventos/exportar.csv", {"caso": invoice.number})
    lines = text(response).lstrip("\ufeff").splitlines()
    assert lines[0] == (
        "Data e hora;Caso;Atividade;Atividade (descrição);Usuário;Automático;"
        "Sistema de origem;Atributos"
    )
    assert len(lines) == 3  # header, then newest first: Invoice Completed, Invoice Created
    assert lines[1].split(";")[2] == "Invoice Completed"
    fields = lines[2].split(";")
    assert fields[0] == "05/05/2026 11:30:00"  # 14:30 UTC in São Paulo
    assert fields[1:7] == [
        invoice.number,
        "Invoice Created",
        "Fatura criada",
        "fin",
        "não",
        "Fatura",
    ]
    assert '""total_charged"": ""2250.00""' in lines[2]


def test_events_list_query_count(fin_client, billing_data, invoice, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        assert fin_client.get("/eventos/").status_code == 200
