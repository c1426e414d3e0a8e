"""Uploaded logs are imported by the worker (issue 10): POST /api/v1/mining/logs answers 202
with the task and the log's id, GET /api/v1/mining/logs/{id} follows the state; a failed import
leaves no dataset, no event and no uploaded file behind; decompression bombs are refused within
seconds."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fatura.eventlog.models import Event
from fatura.mining.models import ImportStatus, MinedLog
from fatura.mining.services import log_import_execute
from tests.mining.bombs import xes_gz_bomb
from tests.mining.conftest import data_file

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CSV = b"case_id,activity,timestamp\n1,A,2024-01-01T00:00:00\n"


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def _files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def _upload(api: Any, path: Path, name: str, **extra: str) -> Any:
    with path.open("rb") as handle:
        return api.client.post(
            "/api/v1/mining/logs",
            data={"file": handle, "name": name, **extra},
            headers=api.headers,
        )


def test_an_upload_is_queued_then_imported_by_the_worker(
    fin_api: Any, data_dir: Path, settings: Any
) -> None:
    settings.TASKS = QUEUE
    response = _upload(fin_api, data_file("running-example.xes"), "exemplo")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["task"] and isinstance(body["log_id"], int)
    state = fin_api.get(f"/mining/logs/{body['log_id']}").json()
    assert (state["status"], state["task"], state["rows"]) == ("queued", body["task"], 0)
    assert len(_files(data_dir / "uploads")) == 1  # the file waits for the worker
    assert fin_api.get("/mining/logs").json() == []  # not minable yet
    assert fin_api.get(f"/mining/logs/{body['log_id']}/summary").status_code == 404

    log = log_import_execute(body["log_id"])  # what the worker does
    assert log.status == ImportStatus.READY
    state = fin_api.get(f"/mining/logs/{body['log_id']}").json()
    assert (state["status"], state["rows"], state["cases"], state["error"]) == ("ready", 42, 6, "")
    assert _files(data_dir / "uploads") == []
    assert _files(data_dir / "logs") == [f"{log.pk}.parquet"]
    assert [e["name"] for e in fin_api.get("/mining/logs").json()] == ["exemplo"]
    assert Event.objects.filter(case_id=f"mined-log:{log.pk}").count() == 1
    assert log_import_execute(log.pk).status == ImportStatus.READY  # delivered twice: no harm
    assert Event.objects.filter(case_id=f"mined-log:{log.pk}").count() == 1


def test_a_bad_file_fails_and_leaves_nothing(
    fin_api: Any, data_dir: Path, settings: Any, tmp_path: Path
) -> None:
    settings.TASKS = IMMEDIATE
    bad = tmp_path / "quebrado.xes"
    bad.write_text("<log><trace><event>")
    response = _upload(fin_api, bad, "quebrado")
    assert response.status_code == 202
    state = fin_api.get(f"/mining/logs/{response.json()['log_id']}").json()
    assert state["status"] == "failed"
    assert state["error"].startswith("quebrado.xes") and "XML" in state["error"]
    assert _files(data_dir) == []  # no upload, no dataset, no temporary file
    assert not Event.objects.filter(activity="Event Log Imported").exists()
    again = _upload(fin_api, data_file("running-example.xes"), "quebrado")  # the name is free
    assert again.status_code == 202
    assert MinedLog.objects.get(name="quebrado").status == ImportStatus.READY


@pytest.mark.parametrize("variant", ["whitespace", "attribute"])
def test_a_one_mb_xes_gz_expanding_to_one_gb_is_refused_in_seconds(
    fin_api: Any, data_dir: Path, settings: Any, tmp_path: Path, variant: str
) -> None:
    settings.TASKS = IMMEDIATE
    bomb = xes_gz_bomb(tmp_path / f"{variant}.xes.gz", variant)
    assert bomb.stat().st_size < 1.1 * 2**20
    started = time.monotonic()
    response = _upload(fin_api, bomb, f"bomba {variant}")
    elapsed = time.monotonic() - started
    assert response.status_code == 202
    state = fin_api.get(f"/mining/logs/{response.json()['log_id']}").json()
    assert state["status"] == "failed", state
    assert state["error"].startswith(f"{variant}.xes.gz")  # not the server's path
    assert "10 MB" in state["error"] or "16 MB" in state["error"]
    assert elapsed < 20  # about half a second on a laptop; 119 s before the cap
    assert _files(data_dir) == []


def test_the_unpacked_cap_is_a_setting(
    fin_api: Any, data_dir: Path, settings: Any, tmp_path: Path
) -> None:
    """Even a well-formed log is refused past FATURA_MAX_UNPACKED_MB."""
    import gzip

    settings.TASKS = IMMEDIATE
    settings.FATURA_MAX_UNPACKED_MB = 1
    source = data_file("running-example.xes").read_bytes()
    padded = source.replace(b"<trace>", b"<trace>" + b" " * 200_000)
    log = tmp_path / "grande.xes.gz"
    log.write_bytes(gzip.compress(padded))
    state_id = _upload(fin_api, log, "grande").json()["log_id"]
    state = fin_api.get(f"/mining/logs/{state_id}").json()
    assert state["status"] == "failed" and "1 MB" in state["error"]


def test_the_request_refuses_what_cannot_work_before_queueing(
    fin_api: Any, ops_api: Any, data_dir: Path, settings: Any, tmp_path: Path
) -> None:
    settings.TASKS = QUEUE
    xes = data_file("running-example.xes")
    assert _upload(ops_api, xes, "x").status_code == 403
    unknown = tmp_path / "log.txt"
    unknown.write_text("x")
    refused = _upload(fin_api, unknown, "x")
    assert refused.status_code == 422
    ocel = tmp_path / "log.jsonocel"
    ocel.write_text("{}")
    refused = _upload(fin_api, ocel, "x")
    assert refused.status_code == 422 and "object_type" in str(refused.json())
    assert _upload(fin_api, xes, "   ").status_code == 422
    assert _upload(fin_api, xes, "x" * 201).status_code == 422
    assert _upload(fin_api, xes, "dup").status_code == 202
    assert _upload(fin_api, xes, "dup").status_code == 409
    assert MinedLog.objects.count() == 1
    assert len(_files(data_dir / "uploads")) == 1
    missing = fin_api.get("/mining/logs/999999")
    assert missing.status_code == 404


def test_the_form_fields_reach_the_import(fin_api: Any, data_dir: Path, settings: Any) -> None:
    settings.TASKS = IMMEDIATE
    response = fin_api.client.post(
        "/api/v1/mining/logs",
        data={
            "file": SimpleUploadedFile("a.csv", CSV),
            "name": "csv",
            "source_system": "ERP X",
        },
        headers=fin_api.headers,
    )
    assert response.status_code == 202
    log = MinedLog.objects.get(name="csv")
    assert log.status == ImportStatus.READY, log.error
    assert (log.source_system, log.file_format, log.rows) == ("ERP X", "csv", 1)
