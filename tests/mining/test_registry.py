"""The registry of imported logs: atomic imports (a row and a Parquet dataset, or nothing),
clear refusals, ``fatura import-log`` / ``export-log`` and the API."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fatura.core.errors import InvalidInput, RuleViolation
from fatura.eventlog.models import Event
from fatura.mining import services
from fatura.mining.engine import mine
from fatura.mining.models import MinedLog
from fatura.mining.readers import ColumnMapping, read_log
from fatura.mining.selectors import mined_log_get, mined_log_read
from fatura.mining.services import log_import
from tests.factories import UserFactory
from tests.mining.conftest import data_file
from tests.scenarios import NOW, frozen_clock

__all__ = ["frozen_clock"]


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR / "logs"


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


@pytest.mark.django_db
def test_import_xes_creates_the_row_and_the_dataset(data_dir: Path, fin_user: Any) -> None:
    path = data_file("running-example.xes")
    log = log_import(path, name="running example", by=fin_user, zone="UTC")
    assert (log.rows, log.cases, log.activities) == (42, 6, 8)
    assert log.file_format == "xes" and log.source_system == "XES file"
    assert log.imported_at == NOW and log.imported_by == "fin"
    assert log.first_event_at < log.last_event_at
    assert log.path == data_dir / f"{log.pk}.parquet"
    assert _leftovers(data_dir) == [f"{log.pk}.parquet"]
    assert {"name": "Costs", "type": "string", "xes_type": "string"} in log.attribute_schema
    assert pq.read_schema(log.path).field("Costs").metadata == {b"xes:type": b"string"}
    assert mine(mined_log_read(log)).to_json() == mine(read_log(path, naive_zone="UTC")).to_json()
    event = Event.objects.get(case_id=f"mined-log:{log.pk}")
    assert event.activity == "Event Log Imported" and event.attributes["rows"] == 42


@pytest.mark.django_db
def test_import_csv_with_a_mapping_and_ocel_on_an_object_type(
    data_dir: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "extract.csv"
    csv.write_text(
        "Fatura;Etapa;Quando;Valor\n"
        "F1;Criada;2024-03-01 10:00:00;10.5\n"
        "F1;Paga;2024-03-02 10:00:00;\n"
        "F2;Criada;2024-03-01T09:00:00-03:00;7\n"
    )
    mapping = ColumnMapping(case="Fatura", activity="Etapa", timestamp="Quando")
    log = log_import(csv, name="extrato", mapping=mapping, zone="America/Sao_Paulo")
    assert (log.rows, log.cases, log.file_format) == (3, 2, "csv")
    assert log.options["mapping"]["case"] == "Fatura"
    assert log.first_event_at.isoformat() == "2024-03-01T12:00:00+00:00"
    with pytest.raises(InvalidInput, match="flattened on one object type"):
        log_import(data_file("ocel2-order-management.json.gz"), name="orders")
    ocel = log_import(
        data_file("ocel2-order-management.json.gz"), name="orders", object_type="orders"
    )
    assert (ocel.file_format, ocel.cases, ocel.source_system) == ("ocel", 2000, "OCEL 2.0 (orders)")
    assert len(_leftovers(data_dir)) == 2


@pytest.mark.django_db
def test_a_name_in_use_is_a_409(data_dir: Path) -> None:
    log_import(data_file("running-example.xes"), name="dup")
    with pytest.raises(RuleViolation, match="a log named 'dup' already exists"):
        log_import(data_file("running-example.xes"), name="dup")
    assert MinedLog.objects.count() == 1 and len(_leftovers(data_dir)) == 1


@pytest.mark.django_db
def test_a_broken_file_leaves_nothing_behind(data_dir: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.xes"
    truncated.write_bytes(data_file("running-example.xes").read_bytes()[:3000])
    with pytest.raises(InvalidInput, match=r"truncated.xes, line \d+, column \d+: malformed"):
        log_import(truncated, name="bad")
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("case_id,activity,timestamp\nA,x,2024-01-01\nA,y,31/02/2024\n")
    with pytest.raises(InvalidInput, match=r"bad.csv, row 2, column 'timestamp'"):
        log_import(bad_csv, name="bad")
    with pytest.raises(InvalidInput, match="unknown log format"):
        log_import(tmp_path / "log.txt", name="bad")
    assert MinedLog.objects.count() == 0
    assert Event.objects.count() == 0
    assert _leftovers(data_dir) == []


@pytest.mark.django_db
def test_a_failure_inside_the_transaction_removes_the_file(
    data_dir: Path, monkeypatch: Any
) -> None:
    def fail(**kwargs: Any) -> None:
        raise RuntimeError("the event log is unavailable")

    monkeypatch.setattr(services, "event_record", fail)
    with pytest.raises(RuntimeError, match="unavailable"):
        log_import(data_file("running-example.xes"), name="x")
    assert MinedLog.objects.count() == 0
    assert _leftovers(data_dir) == []


@pytest.mark.django_db
def test_import_log_command_shows_progress_and_export_log_writes(
    data_dir: Path, tmp_path: Path
) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(
        "import_log",
        str(data_file("receipt.xes.gz")),
        name="receipt",
        time_zone="UTC",
        stdout=stdout,
        stderr=stderr,
    )
    assert "imported 'receipt'" in stdout.getvalue() and "8,577 events" in stdout.getvalue()
    assert "read  8,577 / 8,577 rows" in stderr.getvalue()
    assert "write 8,577 / 8,577 rows [" in stderr.getvalue()
    out = tmp_path / "receipt.csv"
    call_command("export_log", "receipt", str(out), format="csv", stdout=io.StringIO())
    back = read_log(
        out,
        mapping=ColumnMapping(
            case="case:concept:name", activity="concept:name", timestamp="time:timestamp"
        ),
    )
    receipt = mined_log_read(mined_log_get(name="receipt"))
    assert mine(back).to_json() == mine(receipt).to_json()
    with pytest.raises(CommandError, match="a log named 'receipt' already exists"):
        call_command("import_log", str(data_file("receipt.xes.gz")), name="receipt")
    with pytest.raises(CommandError, match="no imported log with name 'nope'"):
        call_command("export_log", "nope", str(out), format="xes")


@pytest.mark.django_db
def test_api_lists_logs_and_gives_the_summary(
    data_dir: Path, fin_api: Any, api_as: Any, client: Any
) -> None:
    path = data_file("running-example.xes")
    log = log_import(path, name="running example", zone="UTC")
    listed = fin_api.get("/mining/logs")
    assert listed.status_code == 200
    [entry] = listed.json()
    assert entry["name"] == "running example" and entry["rows"] == 42
    assert entry["imported_at"].startswith("2026-05-05T14:30:00")
    summary = fin_api.get(f"/mining/logs/{log.pk}/summary")
    assert summary.status_code == 200
    assert summary.json() == mine(read_log(path, naive_zone="UTC")).to_json()
    assert fin_api.get("/mining/logs/999/summary").status_code == 404
    assert client.get("/api/v1/mining/logs").status_code == 401
    no_role = api_as(UserFactory(username="semperfil"))
    assert no_role.get("/mining/logs").status_code == 403


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("folder", "kind", "system"),
    [("oracle_fusion", "oracle-fusion", "Oracle Fusion AR"), ("netsuite", "netsuite", "NetSuite")],
)
def test_import_an_erp_extract_folder(data_dir: Path, folder: str, kind: str, system: str) -> None:
    log = log_import(FIXTURES / folder, name=f"extract {folder}", zone="America/Sao_Paulo")
    assert (log.file_format, log.source_system) == (kind, system)
    assert log.cases == 5 and log.rows > 5
    assert _leftovers(data_dir) == [f"{log.pk}.parquet"]


@pytest.mark.django_db
def test_a_folder_that_is_no_erp_extract_is_refused(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "random.csv").write_text("a,b\n1,2\n")
    with pytest.raises(InvalidInput, match="ERP extract"):
        log_import(tmp_path, name="nothing")
    assert _leftovers(data_dir) == [] and not MinedLog.objects.exists()


@pytest.mark.django_db
def test_only_financeiro_imports_logs(data_dir: Path, ops_user: Any, client: Any) -> None:
    from fatura.core.errors import Forbidden

    with pytest.raises(Forbidden, match="Financeiro"):
        log_import(data_file("running-example.xes"), name="ops", by=ops_user, zone="UTC")
    assert not MinedLog.objects.exists() and _leftovers(data_dir) == []
    client.force_login(ops_user)
    page = client.get("/mineracao/").content.decode()
    assert 'id="import-not-allowed"' in page and 'id="mining-import-form"' not in page
    with data_file("running-example.xes").open("rb") as upload:
        refused = client.post(
            "/mineracao/importar/", {"arquivo": upload, "nome": "ops", "formato": "auto"}
        )
    assert refused.status_code == 403
    assert not MinedLog.objects.exists()


@pytest.mark.django_db
def test_api_summary_takes_the_where_filters_and_names_a_bad_one(
    data_dir: Path, fin_api: Any
) -> None:
    from fatura.mining.engine.filters import parse

    path = data_file("running-example.xes")
    log = log_import(path, name="filtrado", zone="UTC")
    url = f"/mining/logs/{log.pk}/summary"
    summary = fin_api.get(f"{url}?where=has:reinitiate request&where=case:creator=Fluxicon Nitro")
    assert summary.status_code == 200
    where = parse(["has:reinitiate request", "case:creator=Fluxicon Nitro"])
    expected = mine(read_log(path, naive_zone="UTC", attributes=True), where=where).to_json()
    assert summary.json() == expected and expected["cases"] == 2
    bad = fin_api.get(f"{url}?where=Costs>=muito")
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"field": "where", "message": "filter 'Costs>=muito': 'muito' is not a number"}
    ]
    unknown = fin_api.get(f"{url}?where=region=Sul")
    assert unknown.status_code == 422 and "'region=Sul'" in unknown.json()["detail"]
    too_many = fin_api.get(url + "?" + "&".join(["where=has:x"] * 21))
    assert too_many.status_code == 422
    options = fin_api.get(f"/mining/logs/{log.pk}/filters")
    assert options.status_code == 200
    body = options.json()
    assert body["attributes"]["creator"] == {
        "kind": "text",
        "values": ["Fluxicon Nitro"],
        "distinct": 1,
    }
    assert "reinitiate request" in body["activities"]
    assert fin_api.get("/mining/logs/999/filters").status_code == 404
