"""Mineração pages: the log index and import, the process map (SVG, sliders, frequency/time,
cases behind a box or an arrow), the variants and the KPI dashboard; CSV/SVG exports; empty
logs; both roles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from fatura.eventlog.activities import label
from fatura.eventlog.services import NewEvent, events_record_many
from fatura.mining.models import MinedLog
from fatura.mining.services import log_import, log_import_execute
from tests.web.conftest import text

T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
HAPPY = (
    "Invoice Created",
    "Invoice Completed",
    "Invoice Sent to Customer",
    "Payment Received",
    "Invoice Closed",
)
APPROVAL = (
    "Invoice Created",
    "Invoice Completed",
    "Invoice Sent for Approval",
    "Invoice Approved",
    "Invoice Sent to Customer",
    "Payment Reminder Issued",
    "Payment Received",
)
CSV_LOG = (
    "case_id,activity,timestamp\n"
    "o1,Receive order,2026-01-01T10:00:00Z\n"
    "o1,Ship,2026-01-02T10:00:00Z\n"
    "o2,Receive order,2026-01-01T11:00:00Z\n"
    "o2,Cancel,2026-01-01T12:00:00Z\n"
)


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> None:
    """A cache and a data folder of the test's own: cached pages never leak between tests."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "m"}
    }
    from django.core.cache import cache

    cache.clear()
    settings.DATA_DIR = tmp_path


def _case(user: Any, number: str, steps: tuple[str, ...], segment: str, day: int) -> list[Any]:
    start = T0 + dt.timedelta(days=day)
    attributes = {
        "segment": segment,
        "customer": f"Cliente {segment}",
        "amount": 1000.0,
        "invoice_date": start.date(),
        "due_date": (start + dt.timedelta(days=30)).date(),
    }
    return [
        NewEvent(
            case_id=number,
            activity=activity,
            user=user,
            timestamp=start + dt.timedelta(days=3 * k),
            attributes=attributes,
        )
        for k, activity in enumerate(steps)
    ]


@pytest.fixture
def own_log(fin_user: Any) -> None:
    """Three invoices: two follow the happy path (corp), one goes through approval and a
    reminder (pme)."""
    events = [
        *_case(fin_user, "FAT-00000001", HAPPY, "corp", 0),
        *_case(fin_user, "FAT-00000002", HAPPY, "corp", 1),
        *_case(fin_user, "FAT-00000003", APPROVAL, "pme", 2),
    ]
    with transaction.atomic():
        events_record_many(events)


@pytest.fixture
def imported(fin_user: Any, tmp_path: Path) -> MinedLog:
    path = tmp_path / "pedidos.csv"
    path.write_text(CSV_LOG, encoding="utf-8")
    return log_import(path, name="Pedidos", by=fin_user, zone="UTC")


def _get(client: Client, url: str, status: int = 200, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == status, text(response)[:2000]
    return text(response)


# --- index and import ----------------------------------------------------------------------


def test_index_lists_the_own_log_and_imported_ones(fin_client, own_log, imported):
    page = _get(fin_client, "/mineracao/")
    assert 'id="nav-mining"' in page
    assert "Fatura (ao vivo)" in page
    assert 'id="log-fatura"' in page and ">3<" in page  # three invoice cases
    row = page.split(f'id="log-{imported.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Pedidos" in row and "CSV file" in row and "pedidos.csv" in row
    assert f"/mineracao/{imported.pk}/mapa/" in row
    assert 'id="mining-import-form"' in page


def test_index_without_logs_says_so(fin_client):
    page = _get(fin_client, "/mineracao/")
    assert 'id="no-imported-logs"' in page


IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_upload_is_imported_by_the_worker_and_the_page_follows_it(fin_client, settings):
    settings.TASKS = QUEUE
    upload = SimpleUploadedFile("pedidos.csv", CSV_LOG.encode(), content_type="text/csv")
    response = fin_client.post(
        "/mineracao/importar/", {"arquivo": upload, "nome": "Pedidos web", "formato": "auto"}
    )
    mined = MinedLog.objects.get(name="Pedidos web")
    assert response.status_code == 302
    assert response["Location"] == f"/mineracao/importacoes/{mined.pk}/"
    page = _get(fin_client, response["Location"])
    assert 'data-status="queued"' in page and 'hx-trigger="every 1s"' in page
    index = _get(fin_client, "/mineracao/")
    assert f'id="log-{mined.pk}"' not in index  # not minable yet, but followed from the index
    assert f'id="import-{mined.pk}"' in index and response["Location"] in index
    log_import_execute(mined.pk)  # what the worker does
    partial = fin_client.get(response["Location"], headers={"HX-Request": "true"})
    body = text(partial)
    assert 'data-status="ready"' in body and "hx-trigger" not in body
    assert "<html" not in body and f"/mineracao/{mined.pk}/mapa/" in body
    mined.refresh_from_db()
    assert (mined.rows, mined.cases, mined.original_filename) == (4, 2, "pedidos.csv")
    page = _get(fin_client, f"/mineracao/{mined.pk}/mapa/")
    assert "Receive order" in page


def test_upload_errors_are_shown_and_nothing_is_left(fin_client, imported, settings):
    settings.TASKS = IMMEDIATE
    bad = SimpleUploadedFile("pedidos.csv", b"case_id,activity\no1,Ship\n")
    response = fin_client.post(
        "/mineracao/importar/", {"arquivo": bad, "nome": "Ruim", "formato": "auto"}
    )
    page = _get(fin_client, response["Location"])
    assert 'data-status="failed"' in page and 'id="log-import-error"' in page
    assert "timestamp" in page and "pedidos.csv" in page
    MinedLog.objects.filter(name="Ruim").delete()
    taken = SimpleUploadedFile("p.csv", CSV_LOG.encode())
    page = _post_error(fin_client, {"arquivo": taken, "nome": "Pedidos", "formato": "auto"}, 409)
    assert "already exists" in page
    ocel = SimpleUploadedFile("log.jsonocel", b"{}")
    page = _post_error(fin_client, {"arquivo": ocel, "nome": "Obj", "formato": "ocel"}, 422)
    field = page.split('id="id_tipo_objeto"', 1)[1]
    assert "required for OCEL" in field
    missing = _post_error(fin_client, {"nome": "Sem arquivo", "formato": "auto"}, 422)
    assert 'id="id_arquivo_error"' in missing
    assert list(MinedLog.objects.values_list("name", flat=True)) == ["Pedidos"]


def _post_error(client: Client, data: dict[str, Any], status: int) -> str:
    response = client.post("/mineracao/importar/", data)
    assert response.status_code == status, text(response)[:1500]
    return text(response)


# --- process map ---------------------------------------------------------------------------


def test_map_draws_every_activity_as_a_focusable_link(fin_client, own_log):
    page = _get(fin_client, "/mineracao/fatura/mapa/", caminhos=100)
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    for activity in set(HAPPY + APPROVAL):
        assert label(activity) in svg
    assert svg.count('class="pm-node"') == len(set(HAPPY + APPROVAL))
    assert 'class="pm-edge"' in svg and "Início" in svg and "Fim" in svg
    # Created -> Completed in all three cases: the thickest arrow, labelled 3
    assert ">3</text>" in svg
    assert 'id="export-svg"' in page and 'id="export-csv"' in page


def test_sliders_hide_rare_activities_and_paths(fin_client, own_log):
    everything = _get(fin_client, "/mineracao/fatura/mapa/", atividades=100, caminhos=100)
    few = _get(fin_client, "/mineracao/fatura/mapa/", atividades=50, caminhos=100)
    assert label("Invoice Approved") in everything
    assert label("Invoice Approved") not in few.split("<svg", 1)[1]  # seen in 1 case of 3
    assert label("Invoice Created") in few.split("<svg", 1)[1]
    assert 'value="50"' in few and "4 de 8 atividades" in few
    assert "12 de 12 caminhos" in everything
    # 1%: the most frequent arrow, plus each box's most frequent way in and out (11 arrows);
    # "Pagamento recebido -> Fim" (1 case) is the one left out
    thin = _get(fin_client, "/mineracao/fatura/mapa/", atividades=100, caminhos=1)
    assert "11 de 12 caminhos" in thin


def test_time_view_labels_arrows_with_mean_time(fin_client, own_log):
    page = _get(fin_client, "/mineracao/fatura/mapa/", vista="tempo", caminhos=100)
    assert ">3,0 d</text>" in page  # every step is three days after the one before
    assert 'value="tempo" checked' in page


def test_a_box_lists_its_cases_linking_to_the_invoice(fin_client, own_log):
    page = _get(fin_client, "/mineracao/fatura/mapa/", atividade="Invoice Approved")
    cases = page.split('id="casos"', 1)[1]
    assert "1 caso em" in cases and label("Invoice Approved") in cases
    assert 'href="/faturas/FAT-00000003/"' in cases
    assert "FAT-00000001" not in cases


def test_an_arrow_lists_the_cases_where_it_happens(fin_client, own_log):
    page = _get(
        fin_client,
        "/mineracao/fatura/mapa/",
        de="Invoice Sent to Customer",
        para="Payment Received",
    )
    cases = page.split('id="casos"', 1)[1]
    assert "2 casos em" in cases
    assert "FAT-00000001" in cases and "FAT-00000002" in cases and "FAT-00000003" not in cases
    _get(fin_client, "/mineracao/fatura/mapa/", 404, atividade="Nope")


def test_map_csv_and_svg_downloads(fin_client, own_log):
    csv = _get(fin_client, "/mineracao/fatura/mapa/arestas.csv", caminhos=100)
    lines = csv.lstrip("\ufeff").splitlines()
    assert lines[0] == "De;Para;Vezes;Tempo médio (dias)"
    assert "Invoice Created;Invoice Completed;3;3" in lines
    response = fin_client.get("/mineracao/fatura/mapa/mapa.svg")
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert body.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and "<a " not in body


def test_empty_own_log_shows_empty_states(fin_client):
    for url in ("mapa", "variantes", "indicadores"):
        page = _get(fin_client, f"/mineracao/fatura/{url}/")
        assert 'id="mining-empty"' in page and "<svg" not in page
    _get(fin_client, "/mineracao/fatura/mapa/mapa.svg", 404)
    csv = _get(fin_client, "/mineracao/fatura/mapa/arestas.csv")
    assert len(csv.strip().splitlines()) == 1


def test_imported_log_map_and_unknown_log(fin_client, imported):
    page = _get(fin_client, f"/mineracao/{imported.pk}/mapa/", atividade="Ship")
    assert "Receive order" in page and "Cancel" in page
    cases = page.split('id="casos"', 1)[1]
    assert 'href="/eventos/caso/o1/"' in cases  # not an invoice: the case's events
    _get(fin_client, "/mineracao/999999/mapa/", 404)
    _get(fin_client, "/mineracao/abc/variantes/", 404)


# --- variants ------------------------------------------------------------------------------


def test_variants_with_share_duration_and_cases(fin_client, own_log):
    page = _get(fin_client, "/mineracao/fatura/variantes/")
    table = page.split('id="variants-table"', 1)[1]
    first, second = table.split("<tr", 3)[2:4]
    assert ">2<" in first and "66,7%" in first and "12,0 d" in first
    assert ">1<" in second and "33,3%" in second and "18,0 d" in second
    assert label("Invoice Approved") in second
    chosen = _get(fin_client, "/mineracao/fatura/variantes/", variante=2)
    cases = chosen.split('id="casos"', 1)[1].split("</section>", 1)[0]
    assert "FAT-00000003" in cases and "FAT-00000001" not in cases
    _get(fin_client, "/mineracao/fatura/variantes/", 404, variante=9)


def test_variants_csv(fin_client, own_log):
    lines = _get(fin_client, "/mineracao/fatura/variantes/exportar.csv").splitlines()
    assert lines[0].lstrip("\ufeff").startswith("Variante;Casos;Participação (%)")
    assert lines[1].startswith("1;2;66,67;12;5;Invoice Created → Invoice Completed")
    assert len(lines) == 3


# --- KPI dashboard -------------------------------------------------------------------------


def test_kpi_dashboard_cards_charts_and_policies(fin_client, own_log):
    page = _get(fin_client, "/mineracao/fatura/indicadores/")
    assert 'id="kpi-dso"' in page and 'id="kpi-on_time_payment_rate"' in page
    dso = page.split('id="kpi-dso"', 1)[1].split("</article>", 1)[0]
    # paid 9 and 18 days after the invoice date, which is a date read at São Paulo's midnight
    # (03:00 UTC) while the events are at 12:00 UTC: (9.375 * 2 + 18.375) / 3
    assert "12,4 d" in dso and "3 faturas pagas" in dso
    assert 'id="kpi-dso-chart"' in page and 'id="kpi-dunning-chart"' in page
    assert "/assets/plotly.min.js" in page
    assert 'id="policy-paid_within_terms"' in page
    assert "Pago até o vencimento" in page


def test_kpi_filters_narrow_the_cases(fin_client, own_log):
    page = _get(fin_client, "/mineracao/fatura/indicadores/", segmento="pme")
    assert "1 fatura<" in page
    approval = page.split('id="kpi-approval_time"', 1)[1].split("</article>", 1)[0]
    assert "3,0 d" in approval
    before = _get(fin_client, "/mineracao/fatura/indicadores/", fim="02/03/2026")
    assert "1 fatura<" in before  # only the first invoice started by 02/03/2026
    bad = _get(fin_client, "/mineracao/fatura/indicadores/", 422, segmento="nope")
    assert 'id="id_segmento_error"' in bad


def test_kpi_csv(fin_client, own_log):
    lines = _get(fin_client, "/mineracao/fatura/indicadores/exportar.csv").splitlines()
    assert lines[0].lstrip("\ufeff") == "Indicador;Valor;Unidade;Base"
    assert "DSO (prazo médio de recebimento);12,375;dias;3 faturas pagas" in lines
    assert any(line.startswith("Pagamentos em dia;100;%;") for line in lines)
    pme = _get(fin_client, "/mineracao/fatura/indicadores/exportar.csv", segmento="corp")
    assert "2 faturas pagas" in pme


def test_kpis_of_a_log_without_invoices_say_so(fin_client, imported):
    page = _get(fin_client, f"/mineracao/{imported.pk}/indicadores/")
    assert 'id="kpis-not-applicable"' in page


# --- KPI dashboard: open cases, cash-in, cycle time, dunning by segment, exports -------------

# FAT-4 is still open: sent and reminded, no payment. Due 01/04/2026; the log's last event (its
# as-of time) is FAT-3's payment on 22/03/2026, a Sunday: week 0 starts on 16/03.
OPEN = (
    "Invoice Created",
    "Invoice Completed",
    "Invoice Sent to Customer",
    "Payment Reminder Issued",
)
CHARTS = (
    "dso", "taxas", "regua", "regua-segmento", "aging", "situacao", "ciclo", "caixa", "contatos",
    "contestacoes",
)  # fmt: skip
ERP_LOG = (
    "case_id,activity,timestamp,customer,due_date\n"
    "i1,Invoice Created,2026-01-01T10:00:00Z,Acme,2026-01-31\n"
    "i1,Payment Reminder Issued,2026-02-05T10:00:00Z,Acme,2026-01-31\n"
    "i2,Invoice Created,2026-01-02T10:00:00Z,Beta,2026-02-01\n"
    "i2,Payment Received,2026-01-20T10:00:00Z,Beta,2026-02-01\n"
)


@pytest.fixture
def open_invoice(own_log: None, fin_user: Any) -> None:
    with transaction.atomic():
        events_record_many(_case(fin_user, "FAT-00000004", OPEN, "gov", 0))


def _csv(client: Client, chart: str, **params: Any) -> list[str]:
    response = client.get(f"/mineracao/fatura/indicadores/graficos/{chart}.csv", params)
    assert response.status_code == 200, chart
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return text(response).lstrip("\ufeff").splitlines()


def test_kpi_dashboard_shows_open_cases_cash_in_and_cycle_time(fin_client, open_invoice):
    page = _get(fin_client, "/mineracao/fatura/indicadores/")
    for div in ("aging", "status", "cash-in", "cycle", "dunning-segment", "dso", "dunning"):
        assert f'id="kpi-{div}-chart"' in page, div
    assert "1 fatura em aberto em 22/03/2026 09:00" in page  # São Paulo time
    aging = page.split('id="aging-current"', 1)[1].split("</tr>", 1)[0]
    assert ">1<" in aging and "R$ 1.000,00" in aging
    # FAT-1 and FAT-2 took 12 days from first to last event, FAT-3 18 days
    assert "3 faturas encerradas" in page and "mediana 12,0 dias, 90% em até 18,0 dias" in page
    assert 'href="/relatorios/caixa/" id="cash-in-own"' in page  # Fatura's own receivables
    dunning = page.split('id="dunning-segment-table"', 1)[1].split("</table>", 1)[0]
    assert "100,0%" in dunning and "0,0%" in dunning and "gov" in dunning and "pme" in dunning
    # no calls, no disputes: the sections say so
    assert "Nenhuma ligação de cobrança no filtro." in page
    assert "Nenhuma contestação no filtro." in page


def test_every_chart_exports_png_and_csv(fin_client, open_invoice):
    page = _get(fin_client, "/mineracao/fatura/indicadores/", segmento="gov")
    assert "/static/web/mining-export.js" in page
    for slug in CHARTS:
        # a real link (keyboard and no JavaScript) with the page's filters, and a PNG button
        # that the script shows
        assert f'href="/mineracao/fatura/indicadores/graficos/{slug}.csv?segmento=gov"' in page
        assert (
            f'<button type="button" class="button button-secondary button-small" id="png-{slug}"'
            in page
        )
    png = page.split('id="png-aging"', 1)[1].split(">", 1)[0]
    assert 'data-plotly-png="kpi-aging-chart"' in png and "em-aberto-por-atraso-fatura" in png
    assert "hidden" in png
    assert "sendChartToCloud" in page  # no "Share chart..." button: nothing leaves Fatura
    # the modebar's camera: the same name, twice the size
    camera = '"filename": "em-aberto-por-atraso-fatura", "scale": 2}'
    assert '"toImageButtonOptions": {"format": "png", ' + camera in page


def test_chart_csvs_hold_the_chart_data(fin_client, open_invoice):
    assert _csv(fin_client, "aging") == [
        "Atraso;Faturas em aberto;Valor em aberto;Faturas com valor",
        "A vencer;1;1000,00;1",
        "1–30 dias;0;0,00;0",
        "31–60 dias;0;0,00;0",
        "61–90 dias;0;0,00;0",
        "Mais de 90 dias;0;0,00;0",
        "Sem vencimento;0;0,00;0",
    ]
    assert _csv(fin_client, "situacao")[1:] == [
        "Lembrete de pagamento enviado;Payment Reminder Issued;1;1000,00"
    ]
    # no payment history for the customer: expected on its due date, in the week of 30/03
    cash = _csv(fin_client, "caixa")
    assert cash[0] == "Semana (segunda-feira);Faturas;Valor previsto"
    assert cash[1] == "16/03/2026;0;0,00" and "30/03/2026;1;1000,00" in cash
    assert cash[-1] == "depois;0;0,00" and len(cash) == 14
    cycle = _csv(fin_client, "ciclo")
    assert cycle[0] == "De (dias);Até (dias, exclusive);Faturas"
    assert "12;13;2" in cycle and "18;19;1" in cycle and len(cycle) == 20
    # FAT-3 (pme) paid 3 days after its reminder; FAT-4 (gov) not paid
    assert _csv(fin_client, "regua-segmento")[1:] == ["gov;1;1;0;0", "pme;1;1;1;100"]
    assert _csv(fin_client, "regua")[1:] == ["1;2;1;50"]
    assert _csv(fin_client, "dso")[1:] == ["03/2026;12,375;3"]
    assert _csv(fin_client, "contatos") == ["Resultado;Código no log;Ligações;Participação (%)"]
    assert "Faturas contestadas;0;faturas" in _csv(fin_client, "contestacoes")
    assert _csv(fin_client, "taxas")[1] == "Pagamentos em dia;100"


def test_chart_csvs_follow_the_filters(fin_client, open_invoice, ops_client):
    assert _csv(fin_client, "aging", segmento="corp")[1] == "A vencer;0;0,00;0"
    assert _csv(fin_client, "regua-segmento", segmento="pme")[1:] == ["pme;1;1;1;100"]
    assert len(_csv(fin_client, "ciclo", segmento="gov")) == 1  # the open one only: no bins
    assert _csv(ops_client, "caixa", segmento="gov")[3] == "30/03/2026;1;1000,00"
    _get(fin_client, "/mineracao/fatura/indicadores/graficos/pizza.csv", 404)


def test_dashboard_of_a_log_without_amounts_or_segments(fin_client, tmp_path):
    path = tmp_path / "erp.csv"
    path.write_text(ERP_LOG, encoding="utf-8")
    mined = log_import(path, name="ERP", by=None, zone="UTC")
    page = _get(fin_client, f"/mineracao/{mined.pk}/indicadores/")
    assert "O log não tem o atributo “amount”" in page
    assert 'id="no-segments"' in page and "sem segmento" in page
    row = page.split('id="aging-1-30"', 1)[1].split("</tr>", 1)[0]
    assert ">1<" in row and "—" in row  # i1: 5 days overdue, no amount
    assert 'id="cash-empty"' in page and 'id="cash-in-own"' not in page
    lines = _get(fin_client, f"/mineracao/{mined.pk}/indicadores/graficos/regua-segmento.csv")
    assert lines.lstrip("\ufeff").splitlines()[1:] == ["sem segmento;1;1;0;0"]


def test_empty_own_log_chart_csv_is_just_a_header(fin_client):
    lines = _get(fin_client, "/mineracao/fatura/indicadores/graficos/aging.csv").splitlines()
    assert len(lines) == 1


def test_map_offers_png_made_in_the_browser(fin_client, own_log):
    page = _get(fin_client, "/mineracao/fatura/mapa/", caminhos=100)
    button = page.split('id="export-png"', 1)[1].split(">", 1)[0]
    assert 'data-svg-png="/mineracao/fatura/mapa/mapa.svg?atividades=100&amp;caminhos=100' in button
    assert 'data-filename="mapa-fatura.png"' in button and "hidden" in button
    assert "/static/web/mining-export.js" in page


# --- roles ---------------------------------------------------------------------------------


def test_operacao_can_view_every_page(ops_client, own_log, imported):
    for url in (
        "/mineracao/",
        "/mineracao/fatura/mapa/",
        "/mineracao/fatura/variantes/",
        "/mineracao/fatura/indicadores/",
        f"/mineracao/{imported.pk}/mapa/",
        "/mineracao/fatura/mapa/arestas.csv",
        "/mineracao/fatura/indicadores/exportar.csv",
    ):
        assert ops_client.get(url).status_code == 200, url


def test_anonymous_is_sent_to_login():
    response = Client().get("/mineracao/fatura/mapa/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_pages_are_cached_until_the_log_changes(fin_client, own_log, fin_user):
    assert label("Dispute Registered") not in _get(fin_client, "/mineracao/fatura/mapa/")
    with transaction.atomic():
        events_record_many(
            [NewEvent(case_id="FAT-00000001", activity="Dispute Registered", user=fin_user)]
        )
    assert label("Dispute Registered") in _get(fin_client, "/mineracao/fatura/mapa/")


# --- case filters (?filtro=, docs/mining.md) ------------------------------------------------


def test_case_filters_narrow_the_map_the_variants_and_the_kpis(fin_client, own_log):
    variants = _get(fin_client, "/mineracao/fatura/variantes/", filtro="segment=pme")
    table = variants.split('id="variants-table"', 1)[1]
    assert table.count("<tr") == 2 and "100,0%" in table  # only the pme invoice's variant
    assert 'id="filtros-ativos"' in variants and "<code>segment=pme</code>" in variants
    assert "?filtro=segment%3Dpme" in variants  # the tabs keep the filter
    attributes = variants.split('id="filtro-atributos"', 1)[1].split("</details>", 1)[0]
    assert "<code>segment</code>" in attributes and "corp" in attributes
    lacks = _get(fin_client, "/mineracao/fatura/variantes/", filtro=f"lacks:{APPROVAL[2]}")
    assert lacks.split('id="variants-table"', 1)[1].count("<tr") == 2  # the two happy ones
    page = _get(fin_client, "/mineracao/fatura/mapa/", filtro="segment=corp")
    assert "filtro=segment%3Dcorp" in page.split('id="export-csv"', 1)[1].split(">", 1)[0]
    csv = _get(fin_client, "/mineracao/fatura/mapa/arestas.csv", filtro="segment=pme")
    assert "Invoice Approved" in csv or label("Invoice Approved") in csv
    kpis = _get(fin_client, "/mineracao/fatura/indicadores/", filtro="segment=pme")
    assert "1 fatura<" in kpis


def test_a_bad_case_filter_is_a_422_naming_it(fin_client, own_log):
    bad = _get(fin_client, "/mineracao/fatura/variantes/", 422, filtro="amount>=muito")
    assert "amount&gt;=muito" in bad or "amount>=muito" in bad
    unknown = _get(fin_client, "/mineracao/fatura/mapa/", 422, filtro="regiao=Sul")
    assert "regiao=Sul" in unknown
    none = _get(fin_client, "/mineracao/fatura/variantes/", 422, filtro="segment=nenhum")
    assert "Nenhum caso atende aos filtros" in none
