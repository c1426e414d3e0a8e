"""The fiscal pages: the dashboard on the hand-computed month (tests/fiscal/kpi_builders.py,
worked through in docs/nfse-kpi.md), filters, the chart CSVs, both reports and the backlog as
page / CSV / PDF, the imports with their per-row errors, service orders, NFS-e and the
expected-lag settings, for both roles."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from fatura.core import clock
from fatura.customers.models import Customer
from fatura.fiscal.models import ExpectedLag, Nfse, ServiceOrder, ServiceOrderStatus
from fatura.web.views.fiscal import reports as fiscal_reports
from tests.factories import CustomerFactory
from tests.fiscal.kpi_builders import SP, March, march, nfse, order
from tests.web.conftest import text

NOW = dt.datetime(2026, 3, 31, 23, 0, tzinfo=SP)  # the default period is March 2026
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def month(db: Any) -> March:
    return march()


def section(page: str, ident: str) -> str:
    return page.split(f'id="{ident}"', 1)[1]


def value_of(page: str, ident: str) -> str:
    match = re.search(rf'id="{ident}"[^>]*>(.*?)</', page, re.S)
    assert match, ident
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def pdf_text(response: Any) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def csv_text(response: Any) -> str:
    assert response["Content-Type"].startswith("text/csv")
    return text(response).lstrip("\ufeff")


# --- the dashboard --------------------------------------------------------------------------


def test_navigation_has_fiscal_and_the_tabs(fin_client: Client, month: March) -> None:
    page = text(fin_client.get("/fiscal/"))
    assert 'id="nav-fiscal" href="/fiscal/" aria-current="page"' in page
    for ident in ("dashboard", "post-service", "efficiency", "backlog", "orders", "nfse", "lags"):
        assert f'id="tab-fiscal-{ident}"' in page
    assert 'id="tab-fiscal-dashboard" href="/fiscal/" aria-current="page"' in page
    other = text(fin_client.get("/fiscal/prazos/"))
    assert 'id="nav-fiscal" href="/fiscal/" aria-current="page"' in other


def test_dashboard_shows_the_month_by_hand(fin_client: Client, month: March) -> None:
    response = fin_client.get("/fiscal/")
    assert response.status_code == 200
    page = text(response)
    assert 'value="01/03/2026"' in page and 'value="31/03/2026"' in page  # month to today
    assert value_of(page, "kpi-total-value") == "R$ 1.800,00"
    assert value_of(page, "kpi-count-value") == "3"
    assert value_of(page, "kpi-avg-value") == "4,8 dias"
    assert value_of(page, "kpi-median-value") == "3,0 dias"
    assert value_of(page, "kpi-p90-value") == "9,6 dias"
    assert value_of(page, "kpi-within-value") == "55,6%"
    assert value_of(page, "kpi-recognized-value") == "63,8%"
    variation = section(page, "kpi-variation-value").split("</p>", 1)[0]
    assert "▲" in variation and "+1.700,0%" in variation
    assert "R$ 100,00 de 01/02/2026 a 28/02/2026" in page  # February, a whole month
    assert "R$ 200,00 emitidos antes da conclusão ou do faturamento" in page  # N-4
    assert "das ordens concluídas no período (R$ 2.350,00)" in page
    assert value_of(page, "kpi-backlog-value") == "R$ 400,00"  # OS-5, 1,5 day late
    assert "1 ordem sem NFS-e após o prazo" in page
    teams = section(page, "table-por-equipe")
    assert teams.index(">Norte") < teams.index(">Sul")
    assert "R$ 1.000,00" in teams and "R$ 800,00" in teams
    customers = section(page, "table-por-cliente")
    assert "Alfa Serviços" in customers and "Beta Indústria" not in customers.split("</table>")[0]
    # three charts drawn by plotly.js served locally, each with PNG and CSV downloads
    assert "/assets/plotly.min.js?v=" in page
    for chart, slug in (("accumulated", "acumulado"), ("months", "por-mes"), ("lags", "prazos")):
        assert f'id="chart-{chart}"' in page
        assert f'id="png-{slug}"' in page
        assert f'href="/fiscal/grafico/{slug}.csv?' in page
    assert '"filename": "fiscal-acumulado-2026-03-01-a-2026-03-31"' in page
    pick = 'id="pick-month" href="?inicio=01%2F03%2F2026&amp;fim=31%2F03%2F2026" aria-current'
    assert pick in page
    help_text = section(page, "fiscal-help")
    assert "<details" in page.split('id="fiscal-help"')[0][-80:]
    assert "Receita reconhecida" in help_text and "cliente e tipo, depois cliente" in help_text


def test_filter_by_team_and_customer_changes_the_numbers(fin_client: Client, month: March) -> None:
    page = text(fin_client.get("/fiscal/", {"equipe": "Sul"}))
    assert value_of(page, "kpi-total-value") == "R$ 800,00"
    assert value_of(page, "kpi-count-value") == "3"
    assert value_of(page, "kpi-within-value") == "0,0%"
    assert '<input type="checkbox" name="equipe" value="Sul" checked>' in page
    assert 'id="filter-equipe"' in page and "is-active" in section(page, "label-equipe")[:300]
    page = text(fin_client.get("/fiscal/", {"cliente": [month.b.pk]}))
    assert value_of(page, "kpi-total-value") == "R$ 0,00"
    assert value_of(page, "kpi-avg-value") == "—"  # nothing to measure, never 0
    assert value_of(page, "kpi-within-value") == "—"
    assert 'id="fiscal-period-empty"' in page
    both = text(fin_client.get("/fiscal/", {"equipe": ["Sul", "Norte"], "tipo": "Manutenção"}))
    assert value_of(both, "kpi-total-value") == "R$ 1.300,00"  # OS-1 + OS-3
    assert ">2 selecionados<" in both


def test_a_period_that_ends_before_it_starts_is_refused(fin_client: Client, month: March) -> None:
    response = fin_client.get("/fiscal/", {"inicio": "10/03/2026", "fim": "01/03/2026"})
    assert response.status_code == 422
    assert "O fim não pode ser antes do início." in text(response)


def test_other_period_and_quick_picks(fin_client: Client, month: March) -> None:
    page = text(fin_client.get("/fiscal/", {"inicio": "01/02/2026", "fim": "28/02/2026"}))
    assert value_of(page, "kpi-total-value") == "R$ 100,00"
    assert "aria-current" in section(page, "pick-last-month")[:90]
    quarter = text(fin_client.get("/fiscal/", {"inicio": "01/01/2026", "fim": "31/03/2026"}))
    assert value_of(quarter, "kpi-total-value") == "R$ 1.900,00"  # N-5 + March
    assert "aria-current" in section(quarter, "pick-quarter")[:90]


def test_empty_dashboard_explains_how_to_import(fin_client: Client, db: Any) -> None:
    page = text(fin_client.get("/fiscal/"))
    empty = section(page, "fiscal-empty")
    assert "Nenhuma NFS-e importada ainda." in empty
    assert 'href="/fiscal/nfse/#nfse-import"' in empty
    assert 'href="/fiscal/ordens/"' in empty
    assert "plotly.min.js" not in page


def test_chart_csvs(fin_client: Client, month: March) -> None:
    body = csv_text(fin_client.get("/fiscal/grafico/acumulado.csv"))
    assert "04/03/2026;1300,00;1300,00" in body and "31/03/2026;0,00;1800,00" in body
    bins = csv_text(fin_client.get("/fiscal/grafico/prazos.csv"))
    assert "10;15;1;300,00" in bins
    teams = csv_text(fin_client.get("/fiscal/grafico/por-equipe.csv", {"equipe": "Sul"}))
    assert "Sul;Sul;3;800,00" in teams and "Norte" not in teams
    months = fin_client.get("/fiscal/grafico/por-mes.csv")
    assert 'filename="fiscal-por-mes-2026-03-01-a-2026-03-31.csv"' in months["Content-Disposition"]
    assert "03/2026;3;1800,00" in csv_text(months)
    assert fin_client.get("/fiscal/grafico/outro.csv").status_code == 404


# --- reports --------------------------------------------------------------------------------


def test_post_service_page_csv_and_pdf(fin_client: Client, month: March) -> None:
    page = text(fin_client.get("/fiscal/pos-servico/"))
    first = section(page, "nfse-N-1").split("</tbody>")[0]
    assert "04/03/2026 10:00" in first and "Alfa Serviços" in first
    assert "OS-1" in first and "OS-3" in first and "12,04" in first
    assert "badge-success" in first and "badge-warning" in first  # OS-1 within, OS-3 late
    assert 'id="nfse-N-4"' not in page  # issued before the billing
    assert value_of(page, "summary-total") == "R$ 1.800,00"
    assert 'href="/fiscal/pos-servico/exportar.csv?equipe=Sul"' in text(
        fin_client.get("/fiscal/pos-servico/", {"equipe": "Sul"})
    )
    csv = csv_text(fin_client.get("/fiscal/pos-servico/exportar.csv", {"equipe": "Norte"}))
    assert len(csv.strip().split("\r\n")) == 2 and "OS-1" in csv  # header + OS-1
    pdf = pdf_text(fin_client.get("/fiscal/pos-servico/exportar.pdf"))
    assert "Relatório de Faturamento Pós-Serviço" in pdf and "Página 1" in pdf


def test_post_service_paginates_on_the_page_and_exports_everything(
    fin_client: Client, month: March, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fiscal_reports, "NFSE_PER_PAGE", 2)
    first = text(fin_client.get("/fiscal/pos-servico/"))
    assert 'id="nfse-N-1"' in first and 'id="nfse-N-3"' not in first
    assert "Página 1 de 2" in first
    second = text(fin_client.get("/fiscal/pos-servico/", {"page": 2}))
    assert 'id="nfse-N-3"' in second and 'id="nfse-N-1"' not in second
    csv = csv_text(fin_client.get("/fiscal/pos-servico/exportar.csv", {"page": 2}))
    assert all(n in csv for n in ("N-1;", "N-2;", "N-3;"))


def test_efficiency_page_csv_and_pdf(fin_client: Client, month: March) -> None:
    page = text(fin_client.get("/fiscal/eficiencia/"))
    for key in ("customer", "service_type", "team", "month"):
        assert f'id="efficiency-{key}"' in page
    teams = section(page, "efficiency-team").split("</table>")[0]
    sul = teams.split(">Sul")[1].split("</tr>")[0]
    assert "R$ 800,00" in sul and "5,7" in sul and "4,0" in sul and "10,4" in sul and "0,0%" in sul
    assert ">03/2026" in section(page, "efficiency-month")
    assert "R$ 1.800,00" in section(page, "efficiency-team").split("<tfoot")[1]
    csv = csv_text(fin_client.get("/fiscal/eficiencia/exportar.csv"))
    assert "Equipe;Sul;Sul;3;800,00;5,6806;4;10,4333;0" in csv
    assert csv.strip().split("\r\n")[-1].startswith("Total;;;3;1800,00;4,7604;3;9,6292;55,56")
    pdf = pdf_text(fin_client.get("/fiscal/eficiencia/exportar.pdf"))
    assert "Relatório de Eficiência de Faturamento" in pdf and "Por equipe" in pdf


def test_backlog_page_csv_and_pdf(fin_client: Client, ops_client: Client, month: March) -> None:
    page = text(fin_client.get("/fiscal/pendencias/"))
    assert value_of(page, "backlog-total") == "R$ 400,00"
    table = section(page, "backlog-table")
    assert "OS-5" in table and "20/03/2026 10:00" in table and ">1,5<" in table
    assert "OS-7" not in table  # 6,5 days of 10: not late yet
    assert 'name="inicio"' not in page  # as of now: no period
    csv = csv_text(ops_client.get("/fiscal/pendencias/exportar.csv"))
    assert "OS-5;Alfa Serviços;" in csv and ";400,00;0,00;400,00;10;11,5417;1,5417" in csv
    pdf = pdf_text(fin_client.get("/fiscal/pendencias/exportar.pdf"))
    assert "Posição em 31/03/2026 23:00" in pdf
    filtered = text(fin_client.get("/fiscal/pendencias/", {"equipe": "Sul"}))
    assert 'id="backlog-empty"' in filtered and value_of(filtered, "backlog-total") == "R$ 0,00"


def test_reports_without_nfse_point_to_the_import(fin_client: Client, db: Any) -> None:
    for url in ("/fiscal/pos-servico/", "/fiscal/eficiencia/"):
        page = text(fin_client.get(url))
        assert 'id="fiscal-empty"' in page and "/fiscal/nfse/#nfse-import" in page


# --- service orders -------------------------------------------------------------------------

ORDERS_HEADER = "number,customer_document,service_type,team,completed_at,billed_at,value\n"


def upload(client: Client, url: str, name: str, content: str, htmx: bool = True) -> Any:
    file = io.BytesIO(content.encode("utf-8"))
    file.name = name
    return client.post(url, {"file": file}, headers=HTMX if htmx else {})


def test_orders_import_with_a_bad_row_shows_it_and_imports_nothing(
    ops_client: Client, db: Any
) -> None:
    customer = CustomerFactory(name="Gama")
    bad = (
        ORDERS_HEADER
        + f"OS-10,{customer.document},Manutenção,Norte,10/03/2026 10:00,,100.00\n"
        + f"OS-11,{customer.document},Manutenção,Norte,,11/03/2026 10:00,abc\n"
    )
    response = upload(ops_client, "/fiscal/ordens/importar/", "os.csv", bad)
    assert response.status_code == 422
    page = text(response)
    assert "nada foi importado" in page
    rows = [
        tuple(html.unescape(cell) for cell in row)
        for row in re.findall(
            r"<tr><td class=\"num\">(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>",
            section(page, "import-errors"),
        )
    ]
    assert ("3", "valor", "Valor inválido 'abc'; use 1234,56 ou 1234.56.") in rows
    assert ("3", "faturamento", "OS faturada sem data de conclusão.") in rows
    assert ServiceOrder.objects.count() == 0


def test_orders_import_good_file_then_the_list(ops_client: Client, db: Any) -> None:
    customer = CustomerFactory(name="Gama")
    good = (
        ORDERS_HEADER
        + f'OS-10,{customer.document},Manutenção,Norte,10/03/2026 10:00,,"1.250,00"\n'
        + f"OS-11,{customer.document},Instalação,Sul,,,300\n"
    )
    response = upload(ops_client, "/fiscal/ordens/importar/", "os.csv", good)
    assert response.status_code == 201
    assert "2 ordens de serviço novas" in value_of(text(response), "import-counts")
    page = text(ops_client.get("/fiscal/ordens/"))
    table = section(page, "orders-table")
    assert "OS-10" in table and "R$ 1.250,00" in table and "10/03/2026 10:00" in table
    assert "Concluída" in table and "Aberta" in table
    # without htmx the whole page comes back with the result
    again = upload(ops_client, "/fiscal/ordens/importar/", "os.csv", good, htmx=False)
    assert again.status_code == 201
    assert "2 já iguais" in text(again) and 'id="orders-table"' in text(again)


def test_order_create_complete_bill_and_cancel(fin_client: Client, db: Any) -> None:
    customer = CustomerFactory(name="Gama")
    response = fin_client.post(
        "/fiscal/ordens/",
        {"number": "OS-20", "customer": customer.pk, "service_type": "Manutenção",
         "team": "Norte", "value": "1.234,56", "completed_at": ""},
    )  # fmt: skip
    assert response.status_code == 302
    created = ServiceOrder.objects.get(number="OS-20")
    assert created.value == Decimal("1234.56") and created.status == ServiceOrderStatus.OPEN
    url = f"/fiscal/ordens/{created.pk}"
    fin_client.post(f"{url}/concluir/", {"completed_at": "30/03/2026 09:15"})
    created.refresh_from_db()
    assert created.completed_at == dt.datetime(2026, 3, 30, 9, 15, tzinfo=SP)
    response = fin_client.post(f"{url}/faturar/", {"billed_at": "29/03/2026 09:00"}, follow=True)
    assert "O faturamento não pode ser anterior à conclusão." in text(response)
    fin_client.post(f"{url}/faturar/", {"billed_at": ""})
    created.refresh_from_db()
    assert created.status == ServiceOrderStatus.BILLED and created.billed_at == NOW
    page = text(fin_client.post(f"{url}/cancelar/", follow=True))
    assert "não pode ser cancelada" in page
    duplicate = fin_client.post(
        "/fiscal/ordens/",
        {"number": "OS-20", "customer": customer.pk, "service_type": "X", "team": "Y",
         "value": "1"},
    )  # fmt: skip
    assert duplicate.status_code == 409 and "A ordem de serviço OS-20 já existe." in text(duplicate)
    missing = fin_client.post("/fiscal/ordens/", {"customer": customer.pk, "value": "-1"})
    assert missing.status_code == 422


def test_orders_page_filters_and_empty_state(fin_client: Client, month: March) -> None:
    page = text(fin_client.get("/fiscal/ordens/", {"situacao": "open"}))
    table = section(page, "orders-table").split("</table>")[0]
    assert "OS-8" in table and "OS-1<" not in table
    assert 'id="complete-' in table  # an open order can be completed from the list
    found = text(fin_client.get("/fiscal/ordens/", {"busca": "OS-5"}))
    assert "OS-5" in section(found, "orders-table")


def test_orders_page_empty(fin_client: Client, db: Any) -> None:
    page = text(fin_client.get("/fiscal/ordens/"))
    assert 'id="orders-empty"' in page
    assert 'id="orders-import-form"' in page and 'hx-post="/fiscal/ordens/importar/"' in page
    assert '<progress id="orders-import-form-progress"' in page
    example = fin_client.get("/fiscal/ordens/exemplo.csv")
    assert text(example).startswith(ORDERS_HEADER.strip())


# --- NFS-e ----------------------------------------------------------------------------------

NFSE_HEADER = "number,issued_at,value,customer_document,service_order_numbers,status\n"


def test_nfse_import_bad_then_good(fin_client: Client, month: March) -> None:
    document = month.a.document
    bad = NFSE_HEADER + f"7001,30/03/2026 10:00,400.00,{document},OS-5;OS-99,emitida\n"
    response = upload(fin_client, "/fiscal/nfse/importar/", "nfse.csv", bad)
    assert response.status_code == 422
    errors = section(text(response), "import-errors")
    assert "OS-99" in errors and "OS cobertas" in errors
    assert not Nfse.objects.filter(number="7001").exists()
    good = NFSE_HEADER + f"7001,30/03/2026 10:00,400.00,{document},OS-5,emitida\n"
    response = upload(fin_client, "/fiscal/nfse/importar/", "nfse.csv", good)
    assert response.status_code == 201, text(response)
    assert "1 NFS-e nova" in text(response)
    page = text(fin_client.get("/fiscal/nfse/"))
    row = section(page, "nfse-row-7001").split("</tr>")[0]
    assert "OS-5" in row and "R$ 400,00" in row and "30/03/2026 10:00" in row
    assert 'href="/fiscal/nfse/7001/dps.xml"' in row
    # the order is no longer in the backlog
    assert value_of(text(fin_client.get("/fiscal/pendencias/")), "backlog-total") == "R$ 0,00"


def test_nfse_import_and_dps_are_financeiro_only(
    ops_client: Client, fin_client: Client, month: March
) -> None:
    page = text(ops_client.get("/fiscal/nfse/"))
    assert 'id="nfse-import-form"' not in page and "/dps.xml" not in page
    response = upload(ops_client, "/fiscal/nfse/importar/", "nfse.csv", NFSE_HEADER)
    assert response.status_code == 403
    note = nfse("8001", "2026-03-30 10:00", {month.orders["OS-5"]: "400.00"})
    assert ops_client.get(f"/fiscal/nfse/{note.number}/dps.xml").status_code == 403
    response = fin_client.get(f"/fiscal/nfse/{note.number}/dps.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert b"<DPS" in response.content and b"OS-5" in response.content


def test_nfse_empty_state_and_list_filters(fin_client: Client, db: Any) -> None:
    page = text(fin_client.get("/fiscal/nfse/"))
    assert 'id="nfse-empty"' in page and 'id="nfse-import-form"' in page
    customer: Customer = CustomerFactory(name="Gama")
    covered = order("OS-1", customer, "Manutenção", "Norte", "10.00", "2026-03-01 10:00",
                    "2026-03-01 11:00")  # fmt: skip
    nfse("9001", "2026-03-02 10:00", {covered: "10.00"}, status="cancelled")
    listed = text(fin_client.get("/fiscal/nfse/", {"situacao": "cancelled"}))
    assert "9001" in section(listed, "nfse-table") and "Cancelada" in listed
    none = text(fin_client.get("/fiscal/nfse/", {"situacao": "issued"}))
    assert 'id="nfse-table"' not in none and "Nenhuma NFS-e com esses filtros." in none


# --- expected lags --------------------------------------------------------------------------


def test_expected_lags_list_set_and_delete(fin_client: Client, month: March) -> None:
    page = text(fin_client.get("/fiscal/prazos/"))
    table = section(page, "lags-table")
    assert table.index("Global (todas as ordens)") < table.index("Tipo de serviço Manutenção")
    assert "Cliente Alfa Serviços, tipo Instalação" in table and ">0,5<" in table
    response = fin_client.post(
        "/fiscal/prazos/", {"customer": month.b.pk, "service_type": "", "days": "2,5"}
    )
    assert response.status_code == 302
    lag = ExpectedLag.objects.get(customer=month.b, service_type="")
    assert lag.days == Decimal("2.50")
    bad = fin_client.post("/fiscal/prazos/", {"customer": "", "service_type": "", "days": "-1"})
    assert bad.status_code == 422 and "Os dias devem estar entre 0 e 3650" in text(bad)
    page = text(fin_client.post(f"/fiscal/prazos/{lag.pk}/excluir/", follow=True))
    assert "Prazo esperado excluído: Cliente Beta Indústria." in page
    assert not ExpectedLag.objects.filter(pk=lag.pk).exists()


def test_expected_lags_are_read_only_for_operacao(ops_client: Client, month: March) -> None:
    page = text(ops_client.get("/fiscal/prazos/"))
    assert 'id="lag-form"' not in page and 'id="delete-lag-' not in page
    response = ops_client.post("/fiscal/prazos/", {"days": "3"})
    assert response.status_code == 403
    lag = ExpectedLag.objects.first()
    assert lag is not None
    assert ops_client.post(f"/fiscal/prazos/{lag.pk}/excluir/", follow=True).status_code == 200
    assert ExpectedLag.objects.filter(pk=lag.pk).exists()


@pytest.mark.parametrize(
    "url",
    ["/fiscal/", "/fiscal/pos-servico/", "/fiscal/eficiencia/", "/fiscal/pendencias/",
     "/fiscal/ordens/", "/fiscal/nfse/", "/fiscal/prazos/"],
)  # fmt: skip
def test_pages_need_login_and_render_for_both_roles(
    client: Client, fin_client: Client, ops_client: Client, month: March, url: str
) -> None:
    assert client.get(url).status_code == 302
    for who in (fin_client, ops_client):
        response = who.get(url)
        assert response.status_code == 200
        assert "Pular para o conteúdo" in text(response)


def test_lists_do_not_query_per_row(fin_client: Client, month: March) -> None:
    """The NFS-e list (with each one's orders) and the orders list: the same number of
    queries for 6 NFS-e as for 16."""

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert fin_client.get(url).status_code == 200
        return len(captured)

    before = (queries("/fiscal/nfse/"), queries("/fiscal/ordens/"))
    for n in range(10):
        covered = order(f"OS-X{n}", month.b, "Instalação", "Sul", "10.00", "2026-03-01 10:00",
                        "2026-03-01 11:00")  # fmt: skip
        nfse(f"X-{n}", "2026-03-02 10:00", {covered: "10.00", month.orders["OS-8"]: "1.00"})
    assert (queries("/fiscal/nfse/"), queries("/fiscal/ordens/")) == before
