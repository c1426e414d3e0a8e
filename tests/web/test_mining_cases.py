"""Mineração → Faturas: the per-invoice derived attributes as a page (sort, filters incl. "só
faturas atrasadas", pagination, pt-BR formats, empty states, keyboard), its CSV and Parquet
exports, and a pinned query count."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.db import transaction
from django.test import Client

from fatura.eventlog.services import NewEvent, events_record_many
from fatura.mining.services import log_import
from tests.web.conftest import text

T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
FIVE = Path(__file__).resolve().parents[1] / "mining" / "fixtures" / "five_invoices"


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "c"}
    }
    from django.core.cache import cache

    cache.clear()
    settings.DATA_DIR = tmp_path


def _case(user: Any, number: str, pay_day: int | None, amount: float, segment: str) -> list[Any]:
    """Created on T0, due 10 days later; paid ``pay_day`` days after T0 (None: open)."""
    attributes = {
        "segment": segment,
        "customer": f"Cliente {number[-1]}",
        "amount": amount,
        "invoice_date": T0.date(),
        "due_date": (T0 + dt.timedelta(days=10)).date(),
    }
    steps = [("Invoice Created", 0), ("Invoice Sent to Customer", 1)]
    if pay_day is not None:
        steps.append(("Payment Received", pay_day))
    return [
        NewEvent(
            case_id=number,
            activity=activity,
            user=user,
            timestamp=T0 + dt.timedelta(days=day),
            attributes=attributes,
        )
        for activity, day in steps
    ]


@pytest.fixture
def own_log(fin_user: Any) -> None:
    """FAT-1 paid on time, FAT-2 paid 20 days after its due date, FAT-3 open (the log ends
    on FAT-2's payment, 30 days after T0: 20 days overdue)."""
    with transaction.atomic():
        events_record_many(
            [
                *_case(fin_user, "FAT-00000001", 5, 1234.5, "corp"),
                *_case(fin_user, "FAT-00000002", 30, 99.9, "pme"),
                *_case(fin_user, "FAT-00000003", None, 10.0, "pme"),
            ]
        )


def _get(client: Client, url: str, status: int = 200, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == status, text(response)[:2000]
    return text(response)


def _case_ids(page: str) -> list[str]:
    body = page.split('id="cases-table"', 1)[1].split("</tbody>", 1)[0]
    cells = re.findall(r'<th scope="row">(.*?)</th>', body, re.DOTALL)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def test_the_page_shows_every_invoice_with_pt_br_formats(fin_client, own_log):
    page = _get(fin_client, "/mineracao/fatura/faturas/")
    assert 'id="tab-cases" href="/mineracao/fatura/faturas/" aria-current="page"' in page
    assert "3 faturas" in page
    assert _case_ids(page) == ["FAT-00000001", "FAT-00000002", "FAT-00000003"]
    assert "R$ 1.234,50" in page and "02/03/2026" in page and "13/03/2026" in page
    assert 'href="/faturas/FAT-00000001/"' in page  # the own log's invoice page
    assert "Sim" in page and "Não" in page
    assert '<tr class="late">' in page
    assert 'aria-sort="ascending"><a href="?ordem=case_id&amp;sentido=desc"' in page


def test_sort_by_a_column_both_ways(fin_client, own_log):
    down = _get(fin_client, "/mineracao/fatura/faturas/", ordem="days_overdue", sentido="desc")
    assert _case_ids(down) == ["FAT-00000002", "FAT-00000003", "FAT-00000001"]
    assert 'aria-sort="descending"' in down
    up = _get(fin_client, "/mineracao/fatura/faturas/", ordem="amount")
    assert _case_ids(up) == ["FAT-00000003", "FAT-00000002", "FAT-00000001"]
    unknown = _get(fin_client, "/mineracao/fatura/faturas/", ordem="senha")  # ignored
    assert _case_ids(unknown) == ["FAT-00000001", "FAT-00000002", "FAT-00000003"]


def test_only_late_invoices_and_other_derived_filters(fin_client, own_log):
    page = _get(fin_client, "/mineracao/fatura/faturas/")
    assert 'id="only-late" href="?filtro=days_overdue%3E0"' in page
    late = _get(fin_client, "/mineracao/fatura/faturas/", filtro="days_overdue>0")
    assert _case_ids(late) == ["FAT-00000002", "FAT-00000003"]
    assert "Mostrando só faturas atrasadas." in late
    not_on_time = _get(fin_client, "/mineracao/fatura/faturas/", filtro="is_paid_on_time=false")
    assert _case_ids(not_on_time) == ["FAT-00000002"]
    both = _get(fin_client, "/mineracao/fatura/faturas/", filtro=["days_overdue>0", "segment=pme"])
    assert _case_ids(both) == ["FAT-00000002", "FAT-00000003"]
    # the same derived filters narrow the map and the variants
    variants = _get(fin_client, "/mineracao/fatura/variantes/", filtro="days_overdue>15")
    assert "2 variantes" in variants
    none = _get(fin_client, "/mineracao/fatura/faturas/", filtro="days_overdue>999")
    assert 'id="cases-empty"' in none and "Nenhuma fatura atende aos filtros." in none
    bad = _get(fin_client, "/mineracao/fatura/faturas/", 422, filtro="days_overdue>muito")
    assert "days_overdue" in bad


def test_every_tab_offers_only_late_invoices(fin_client, own_log, fin_user, tmp_path):
    for tab in ("mapa", "variantes", "indicadores"):
        page = _get(fin_client, f"/mineracao/fatura/{tab}/", filtro="segment=pme")
        assert 'id="only-late" href="?filtro=segment%3Dpme&amp;filtro=days_overdue%3E0"' in page
        assert 'id="not-on-time"' in page
    kpis = _get(fin_client, "/mineracao/fatura/indicadores/", filtro="days_overdue>0")
    assert 'id="only-late"' not in kpis and "<code>days_overdue&gt;0</code>" in kpis
    orders = tmp_path / "pedidos.csv"
    orders.write_text("case_id,activity,timestamp\no1,Ship,2026-01-01T10:00:00Z\n")
    log = log_import(orders, name="Pedidos", by=fin_user, zone="UTC")
    assert 'id="only-late"' not in _get(fin_client, f"/mineracao/{log.pk}/mapa/")


def test_csv_and_parquet_exports_follow_filters_and_sort(fin_client, own_log):
    response = fin_client.get(
        "/mineracao/fatura/faturas/exportar.csv",
        {"filtro": "days_overdue>0", "ordem": "amount", "sentido": "desc"},
    )
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Fatura;Cliente;Segmento;Valor;Emissão")
    assert "DSO (dias)" in lines[0]
    assert [line.split(";")[0] for line in lines[1:]] == ["FAT-00000002", "FAT-00000003"]
    assert ";99,90;" in lines[1] and ";Não;" in lines[1]
    parquet = fin_client.get("/mineracao/fatura/faturas/exportar.parquet")
    assert parquet["Content-Type"] == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.num_rows == 3 and "days_overdue" in table.column_names


def test_an_imported_erp_extract_and_empty_states(fin_client, fin_user, tmp_path):
    empty = _get(fin_client, "/mineracao/fatura/faturas/")
    assert 'id="mining-empty"' in empty
    log = log_import(FIVE / "oracle_fusion", name="oracle", zone="America/Sao_Paulo", by=fin_user)
    page = _get(fin_client, f"/mineracao/{log.pk}/faturas/", ordem="dso_days")
    assert _case_ids(page) == ["INV-1", "INV-3", "INV-2", "INV-4", "INV-5"]
    assert "27 d" in page or "27,0 d" in page or "27 dias" in page


def test_operacao_can_view_and_anonymous_is_sent_to_login(ops_client, own_log):
    assert ops_client.get("/mineracao/fatura/faturas/").status_code == 200
    anonymous = Client().get("/mineracao/fatura/faturas/")
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]


def test_query_count_does_not_grow_with_invoices(fin_client, fin_user, own_log):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert fin_client.get("/mineracao/fatura/faturas/").status_code == 200
        return len(queries.captured_queries)

    fin_client.get("/mineracao/fatura/faturas/")  # warm the process-wide caches
    small = count()
    with transaction.atomic():
        events_record_many(
            [e for n in range(4, 12) for e in _case(fin_user, f"FAT-0000000{n}", 3, 5.0, "x")]
        )
    assert count() == small
    assert small <= 8  # session, user, the log's stamp, the events (read once), the page


def _zip_of(folder: Path) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for child in sorted(folder.iterdir()):
            archive.write(child, f"{folder.name}/{child.name}")
    return buffer.getvalue()


def test_an_erp_zip_is_imported_from_the_mining_page(fin_client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fatura.mining.models import MinedLog
    from fatura.mining.services import log_import_execute

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    index = _get(fin_client, "/mineracao/")
    assert 'id="id_data_base"' in index and 'id="id_usuarios_automacao"' in index
    assert '<option value="netsuite">NetSuite</option>' in index
    upload = SimpleUploadedFile("netsuite.zip", _zip_of(FIVE / "netsuite"))
    response = fin_client.post(
        "/mineracao/importar/",
        {
            "arquivo": upload,
            "nome": "NetSuite abril",
            "formato": "auto",
            "data_base": "30/04/2024",
            "usuarios_automacao": "robo, Batch",
        },
    )
    assert response.status_code == 302, text(response)[:1500]
    mined = MinedLog.objects.get(name="NetSuite abril")
    page = _get(fin_client, response["Location"])
    assert 'data-status="queued"' in page
    assert mined.options["as_of"] == "2024-04-30"
    assert mined.options["automation_users"] == ["robo", "Batch"]
    log_import_execute(mined.pk)  # the worker
    mined.refresh_from_db()
    assert (mined.status, mined.file_format, mined.cases) == ("ready", "netsuite", 5)
    late = _get(fin_client, f"/mineracao/{mined.pk}/faturas/", filtro="days_overdue>30")
    assert _case_ids(late) == ["INV-4"]
    kpis = _get(fin_client, f"/mineracao/{mined.pk}/indicadores/")
    assert "DSO" in kpis


def test_a_bad_zip_from_the_page_is_refused_on_the_form(fin_client, settings):
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    from fatura.mining.models import MinedLog

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../invoices.csv", b"x")
    upload = SimpleUploadedFile("extract.zip", buffer.getvalue())
    response = fin_client.post(
        "/mineracao/importar/", {"arquivo": upload, "nome": "Fuga", "formato": "auto"}
    )
    assert response.status_code == 422
    assert "leaves the extract" in text(response)
    assert not MinedLog.objects.exists()
