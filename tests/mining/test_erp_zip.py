"""ERP extracts as a zip (docs/decisions/0037): bounded unpacking (entries, sizes, ratio, paths,
nested folders), `fatura mine FOLDER` / `fatura mine X.zip`, the upload from the API imported by
the worker, and ``--as-of`` / ``--automation-users``."""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from django.core.management import call_command

from fatura.core.errors import InvalidInput
from fatura.mining.as_of import AsOfError, parse_as_of, until
from fatura.mining.automation import with_automation_users
from fatura.mining.cli import main
from fatura.mining.engine import mine
from fatura.mining.errors import LogError
from fatura.mining.log import EventLog
from fatura.mining.models import ImportStatus, MinedLog
from fatura.mining.readers.erp_folder import MAX_MEMBERS, check_zip, extract_zip, read_erp
from fatura.mining.readers.netsuite import read_netsuite
from fatura.mining.readers.oracle_fusion import read_oracle_fusion
from fatura.mining.selectors import mined_log_read
from fatura.mining.services import log_import, log_import_execute

FIVE = Path(__file__).resolve().parent / "fixtures" / "five_invoices"
ZONE = "America/Sao_Paulo"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def zipped(folder: Path, path: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for child in sorted(folder.iterdir()):
            archive.write(child, f"{prefix}{child.name}")
    return path


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


# --- the bounds ---------------------------------------------------------------------------


def _zip(path: Path, members: dict[str, bytes], **kwargs: Any) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, **kwargs) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"../invoices.csv": b"x"}, "leaves the extract"),
        ({"/etc/invoices.csv": b"x"}, "leaves the extract"),
        ({"C:/x/invoices.csv": b"x"}, "leaves the extract"),
        ({"a/b/c/d/e/f/invoices.csv": b"x"}, "folders deep"),
        ({"invoices.csv": b"x", "inner.zip": b"PK"}, "zip inside the zip"),
        ({"invoices.csv": b" " * (8 << 20)}, "zip bomb"),
        ({"notes.txt": b"hello"}, "no ERP extract"),
    ],
)
def test_a_zip_out_of_bounds_is_refused(
    tmp_path: Path, members: dict[str, bytes], message: str
) -> None:
    path = _zip(tmp_path / "x.zip", members)
    with pytest.raises(LogError, match=message):
        check_zip(path)
    with pytest.raises(LogError):
        extract_zip(path, tmp_path / "out")
    assert not (tmp_path / "etc").exists() and not (tmp_path / "invoices.csv").exists()


def test_too_many_entries_and_too_many_bytes_are_refused(tmp_path: Path) -> None:
    many = _zip(tmp_path / "many.zip", {f"f{n}.csv": b"" for n in range(MAX_MEMBERS + 1)})
    with pytest.raises(LogError, match=f"more than {MAX_MEMBERS} entries"):
        check_zip(many)
    big = _zip(tmp_path / "big.zip", {"invoices.csv": os.urandom(2 << 20)})  # incompressible
    with pytest.raises(LogError, match="expands to more than"):
        check_zip(big, max_unpacked=1 << 20)


def test_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("invoices.csv", b"x")
        info = zipfile.ZipInfo("customers.csv")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(LogError, match="symbolic links"):
        check_zip(path)


def test_entries_that_cannot_be_unpacked_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "clash.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("invoices.csv", b"x")
        archive.writestr("a", b"a file")
        archive.writestr("a/b.csv", b"and a folder of the same name")
    with pytest.raises(LogError, match="cannot be unpacked"):
        extract_zip(path, tmp_path / "out")


def test_a_zip_lying_about_its_sizes_stops_at_the_cap(tmp_path: Path) -> None:
    path = _zip(tmp_path / "liar.zip", {"invoices.csv": b"a" * (4 << 20)})
    data = bytearray(path.read_bytes())
    # shrink the declared size in the central directory (the local header keeps the real
    # one) so that the declared total passes and only the counting of written bytes stops it
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(LogError):
        extract_zip(path, tmp_path / "out", max_unpacked=2 << 20)


def test_an_extract_in_nested_folders_is_found(tmp_path: Path) -> None:
    path = zipped(FIVE / "netsuite", tmp_path / "ns.zip", prefix="export/2024/netsuite/")
    check_zip(path)
    folder = extract_zip(path, tmp_path / "out")
    assert folder == (tmp_path / "out" / "export" / "2024" / "netsuite").resolve()


@pytest.mark.parametrize(
    ("source", "read"),
    [("oracle_fusion", read_oracle_fusion), ("netsuite", read_netsuite)],
)
def test_a_zip_reads_as_its_folder(tmp_path: Path, source: str, read: Any) -> None:
    path = zipped(FIVE / source, tmp_path / f"{source}.zip", prefix=f"{source}/")
    from_zip = EventLog.from_table(read_erp(path, zone=ZONE))
    from_folder = read(FIVE / source, zone=ZONE)
    assert mine(from_zip).to_json() == mine(from_folder).to_json()
    assert from_zip.source.equals(from_folder.source)


# --- fatura mine FOLDER / ZIP, --as-of ---------------------------------------------------------


@pytest.mark.parametrize("source", ["oracle_fusion", "netsuite"])
def test_fatura_mine_reads_a_folder_and_a_zip(tmp_path: Path, source: str) -> None:
    path = zipped(FIVE / source, tmp_path / f"{source}.zip")
    documents = []
    for log in (FIVE / source, path):
        out = tmp_path / "out.json"
        assert main([str(log), "--json", str(out), "--time-zone", ZONE]) == 0
        documents.append(json.loads(out.read_text()))
    assert documents[0] == documents[1]
    assert documents[0]["cases"] == 5 and documents[0]["kpis"]["dso"]["value"] == 45.0


def test_fatura_mine_as_of_ignores_later_events(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    folder = str(FIVE / "netsuite")
    # as of 2024-02-29: INV-1 paid (Feb 1), INV-3's first instalment (Feb 25), INV-2 not yet
    # paid; INV-5 not created
    assert main([folder, "--json", str(out), "--time-zone", ZONE, "--as-of", "2024-02-29"]) == 0
    document = json.loads(out.read_text())
    assert document["cases"] == 4
    assert document["kpis"]["dso"]["counts"] == {"paid_cases": 2}
    args = [folder, "--json", str(out), "--as-of", "2024-02-29", "--time-zone", ZONE]
    assert main([*args, "--where", "days_overdue>10"]) == 0
    late = json.loads(out.read_text())
    # INV-2 (due Feb 9) unpaid on Mar 1 00:00 in São Paulo: 21 days; INV-3 (due Feb 14) paid
    # on Feb 25: 11 days; INV-4 (due Feb 20) unpaid: 10 days, not beyond 10
    assert late["cases"] == 2
    assert main([folder, "--json", str(out), "--as-of", "yesterday"]) == 2


def test_until_cuts_at_the_end_of_the_day_or_at_the_instant() -> None:
    stamps = pa.array(
        [
            "2024-03-31T23:59:59-03:00",
            "2024-04-01T00:00:00-03:00",
            "2024-03-31T12:00:00-03:00",
        ]
    )
    table = pa.table(
        {
            "case_id": ["a", "a", "b"],
            "activity": ["x", "y", "x"],
            "timestamp": pa.compute.cast(
                pa.compute.strptime(stamps, "%Y-%m-%dT%H:%M:%S%z", "us"),
                pa.timestamp("us", tz="UTC"),
            ),
        }
    )
    assert until(table, "2024-03-31", ZONE).num_rows == 2
    assert until(table, "2024-03-31T12:00:00-03:00").num_rows == 1
    assert parse_as_of("2024-03-31", ZONE).isoformat() == "2024-04-01T00:00:00-03:00"
    with pytest.raises(AsOfError, match="no offset"):
        parse_as_of("2024-03-31T12:00:00")
    with pytest.raises(AsOfError, match="not a date"):
        parse_as_of("31/03/2024")


def test_automation_users_are_added_to_system_without_case() -> None:
    table = pa.table(
        {
            "case_id": ["a"] * 5,
            "activity": ["x"] * 5,
            "resource": ["SYSTEM", "robô-1", "Ana", None, "ROBÔ 1"],
        }
    )
    flagged = with_automation_users(table, ["Robô_1"]).column("is_automated").to_pylist()
    assert flagged == [True, True, False, None, True]
    said = table.append_column("is_automated", pa.array([False, False, True, True, None]))
    kept = with_automation_users(said, ["robô-1"]).column("is_automated").to_pylist()
    assert kept == [True, True, True, True, True]


# --- imports: the command, the service, the API and the worker ----------------------------------


@pytest.mark.django_db
def test_import_log_takes_as_of_and_automation_users(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "case_id,activity,timestamp,resource\n"
        "1,Invoice Created,2024-01-02T10:00:00-03:00,Batch-Job\n"
        "1,Payment Received,2024-02-02T10:00:00-03:00,ana\n"
        "2,Invoice Created,2024-03-02T10:00:00-03:00,System\n"
    )
    out = io.StringIO()
    call_command(
        "import_log",
        str(path),
        name="as of",
        time_zone=ZONE,
        as_of="2024-02-29",
        automation_users="batch job",
        resource="resource",
        stdout=out,
        stderr=io.StringIO(),
    )
    log = MinedLog.objects.get(name="as of")
    assert (log.rows, log.cases) == (2, 1)
    assert log.options["as_of"] == "2024-02-29"
    assert log.options["automation_users"] == ["batch job"]
    stored = mined_log_read(log).source
    assert stored.column("is_automated").to_pylist() == [True, False]
    with pytest.raises(InvalidInput, match="not a date"):
        log_import(path, name="bad", as_of="29/02/2024")


def _upload(api: Any, path: Path, name: str, **extra: str) -> Any:
    with path.open("rb") as handle:
        return api.client.post(
            "/api/v1/mining/logs",
            data={"file": handle, "name": name, **extra},
            headers=api.headers,
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "kind"), [("oracle_fusion", "oracle-fusion"), ("netsuite", "netsuite")]
)
def test_an_erp_zip_uploaded_to_the_api_is_imported_by_the_worker(
    fin_api: Any, data_dir: Path, settings: Any, tmp_path: Path, source: str, kind: str
) -> None:
    settings.TASKS = QUEUE
    path = zipped(FIVE / source, tmp_path / "extract.zip", prefix="extract/")
    response = _upload(fin_api, path, f"erp {source}", as_of="2024-04-30")
    assert response.status_code == 202, response.content
    log_id = response.json()["log_id"]
    state = fin_api.get(f"/mining/logs/{log_id}").json()
    assert (state["status"], state["file_format"]) == ("queued", kind)
    log = log_import_execute(log_id)  # the worker
    assert log.status == ImportStatus.READY, log.error
    assert (log.cases, log.options["as_of"]) == (5, "2024-04-30")
    assert not list((data_dir / "uploads").rglob("*.csv")) and not list(
        (data_dir / "uploads").rglob("*.zip")
    )
    cases = fin_api.get(f"/mining/logs/{log_id}/cases", params={"where": "days_overdue>30"})
    assert [c["case_id"] for c in cases.json()] == ["INV-4"]
    assert cases.json()[0]["days_overdue"] == 71  # as of the end of 2024-04-30 (due Feb 20)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("members", "fields", "field"),
    [
        ({"../invoices.csv": b"x"}, {}, "file"),
        ({"invoices.csv": b" " * (8 << 20)}, {}, "file"),
        ({"readme.txt": b"x"}, {}, "file"),
        ({"invoices.csv": b"x"}, {"format": "oracle-fusion"}, "format"),
        ({"invoices.csv": b"x"}, {"as_of": "2024-13-45"}, "as_of"),
    ],
)
def test_a_bad_zip_upload_is_a_422_and_leaves_nothing(
    fin_api: Any,
    data_dir: Path,
    settings: Any,
    tmp_path: Path,
    members: dict[str, bytes],
    fields: dict[str, str],
    field: str,
) -> None:
    settings.TASKS = IMMEDIATE
    path = _zip(tmp_path / "bad.zip", members)
    response = _upload(fin_api, path, "bad", **fields)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert not MinedLog.objects.exists()
    assert not [p for p in (data_dir / "uploads").rglob("*") if p.is_file()]


@pytest.mark.django_db
def test_an_erp_format_needs_a_zip(fin_api: Any, data_dir: Path, tmp_path: Path) -> None:
    path = FIVE / "netsuite" / "invoices.csv"
    response = _upload(fin_api, path, "csv as erp", format="netsuite")
    assert response.status_code == 422
    assert "zip" in response.json()["detail"]


@pytest.mark.django_db
def test_import_log_reads_a_zip_and_fatura_mine_refuses_a_bad_one(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    path = zipped(FIVE / "oracle_fusion", tmp_path / "oracle.zip", prefix="AR/")
    out = io.StringIO()
    call_command("import_log", str(path), name="oracle zip", stdout=out, stderr=io.StringIO())
    log = MinedLog.objects.get(name="oracle zip")
    assert (log.file_format, log.cases, log.original_filename) == ("oracle-fusion", 5, "oracle.zip")
    assert not list(scratch.iterdir())  # the extract was unpacked there and removed
    bad = _zip(tmp_path / "bad.zip", {"../invoices.csv": b"x"})
    assert main([str(bad), "--json", str(tmp_path / "out.json")]) == 2
    assert "leaves the extract" in capsys.readouterr().err
