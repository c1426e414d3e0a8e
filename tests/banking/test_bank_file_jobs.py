"""A large bank file is imported by the worker (docs/decisions/0035): the API answers 202 with
the task and GET /bank-files/imports/{id} follows it (progress, counts, error); a bad file is
still refused in the request (422 with line and field, nothing queued); a file that no longer
reads fails the job, nothing kept. The page's part: tests/web/test_bank_file_job_page.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fatura.banking import bank_files
from fatura.banking.files.write import Transaction, ofx_statement
from fatura.banking.jobs import bank_file_job_execute
from fatura.banking.models import BankEntry, BankFile, BankFileJob, PaymentInstrument
from fatura.receivables.models import Payment
from tests.receivables.builders import Books
from tests.scenarios import frozen_clock

__all__ = ["frozen_clock"]

CREDIT = dt.date(2026, 5, 6)
QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def books(fin_user: Any, frozen_clock: Any, settings: Any, tmp_path: Path) -> Books:
    from tests.factories import financeiro

    settings.DATA_DIR = tmp_path
    settings.TASKS = QUEUE
    settings.FATURA_BANK_FILE_BACKGROUND_ENTRIES = 2
    return Books(fin_user, financeiro("aprovador"), frozen_clock)


def _statement(books: Books, count: int = 3) -> bytes:
    """``count`` PIX paying ``count`` invoices by txid, plus a deposit nobody can match."""
    rows = []
    for n in range(count):
        invoice = books.sent(amount=f"{100 + n}.00")
        txid = invoice.number.replace("-", "") + "P1"
        PaymentInstrument.objects.create(invoice=invoice, kind="pix", reference=txid)
        rows.append(Transaction(f"J{n}", CREDIT, Decimal(f"{100 + n}.00"), memo=f"PIX {txid}"))
    rows.append(Transaction("JX", CREDIT, Decimal("7.77"), memo="DEPOSITO"))
    return ofx_statement(rows)


def _file(data: bytes) -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile("extrato.ofx", data)}


def test_the_api_queues_a_large_file_and_follows_it(
    books: Books, fin_api: Any, tmp_path: Path
) -> None:
    response = fin_api.upload("/bank-files", _file(_statement(books)))
    assert response.status_code == 202, response.content
    queued = response.json()
    job = BankFileJob.objects.get()
    assert queued == {"task": job.task_id, "import_id": job.pk} and job.task_id
    state = fin_api.get(f"/bank-files/imports/{job.pk}").json()
    assert (state["status"], state["kind"], state["entries"], state["result"]) == (
        "queued",
        "ofx",
        4,
        None,
    )
    assert BankEntry.objects.count() == 0 and Payment.objects.count() == 0
    bank_file_job_execute(job.pk)  # what the worker does
    state = fin_api.get(f"/bank-files/imports/{job.pk}").json()
    assert state["status"] == "done" and state["progress"] is None
    assert {k: state["result"][k] for k in ("entries", "matched", "unmatched", "duplicates")} == {
        "entries": 4,
        "matched": 3,
        "unmatched": 1,
        "duplicates": 0,
    }
    assert state["result"]["id"] == BankFile.objects.get().pk
    assert Payment.objects.count() == 3
    assert [p for p in tmp_path.rglob("*") if p.is_file() and "uploads" in p.parts] == []
    assert bank_file_job_execute(job.pk).status == "done"  # delivered twice: nothing more
    assert Payment.objects.count() == 3


def test_a_small_file_is_still_imported_in_the_request(books: Books, fin_api: Any) -> None:
    data = ofx_statement([Transaction("S1", CREDIT, Decimal("5.00"), memo="DEPOSITO")])
    response = fin_api.upload("/bank-files", _file(data))
    assert response.status_code == 201 and response.json()["unmatched"] == 1
    assert BankFileJob.objects.count() == 0


def test_a_bad_large_file_is_refused_in_the_request(books: Books, fin_api: Any) -> None:
    rows = "".join(
        f"<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20260506<TRNAMT>1,00<FITID>B{n}</STMTTRN>\n"
        for n in range(5)
    )
    bad = f"OFXHEADER:100\n<OFX>\n{rows}<STMTTRN><TRNAMT>1<FITID>Z</STMTTRN>\n</OFX>\n"
    response = fin_api.upload("/bank-files", _file(bad.encode()))
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["line"], error["field"]) == (8, "DTPOSTED")
    assert BankFileJob.objects.count() == 0 and BankEntry.objects.count() == 0


def test_a_file_that_no_longer_reads_fails_the_job_and_keeps_nothing(
    books: Books, fin_api: Any
) -> None:
    response = fin_api.upload("/bank-files", _file(_statement(books)))
    job = BankFileJob.objects.get(pk=response.json()["import_id"])
    Path(job.upload).write_bytes(b"OFXHEADER:100\n<OFX><STMTTRN><TRNAMT>1<FITID>1</STMTTRN></OFX>")
    bank_file_job_execute(job.pk)
    state = fin_api.get(f"/bank-files/imports/{job.pk}").json()
    assert state["status"] == "failed" and state["result"] is None
    assert (state["errors"][0]["line"], state["errors"][0]["field"]) == (2, "DTPOSTED")
    assert BankFile.objects.count() == 0 and Payment.objects.count() == 0


def test_the_worker_reports_its_progress(books: Books, settings: Any) -> None:
    data = _statement(books, count=2)
    seen: list[tuple[str, int, int]] = []
    parsed = bank_files.bank_file_read(data)
    stored = bank_files.bank_file_store(by=books.user, parsed=parsed, data=data)
    assert stored is not None
    bank_files.bank_file_settle(
        by=books.user, stored=stored, progress=lambda *args: seen.append(args)
    )
    assert seen == [("settle", 0, 3)]


def test_api_errors(books: Books, fin_api: Any, ops_api: Any, client: Client) -> None:
    assert fin_api.get("/bank-files/imports/999999").status_code == 404
    assert client.get("/api/v1/bank-files/imports/1").status_code == 401
    response = fin_api.upload("/bank-files", _file(_statement(books)))
    job_id = response.json()["import_id"]
    assert ops_api.get(f"/bank-files/imports/{job_id}").status_code == 200  # reads


def test_immediate_worker(books: Books, fin_api: Any, settings: Any) -> None:
    settings.TASKS = IMMEDIATE
    response = fin_api.upload("/bank-files", _file(_statement(books)))
    assert response.status_code == 202
    state = fin_api.get(f"/bank-files/imports/{response.json()['import_id']}").json()
    assert state["status"] == "done" and state["result"]["matched"] == 3
