"""Arquivos bancários: a large file goes to the worker and the page follows it with a progress
bar that polls (htmx) until the counts show (docs/decisions/0035)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fatura.banking.jobs import bank_file_job_execute
from fatura.banking.models import BankFileJob
from tests.banking.test_bank_file_jobs import QUEUE, _statement
from tests.receivables.builders import Books
from tests.scenarios import frozen_clock

__all__ = ["frozen_clock"]

HTMX = {"HX-Request": "true"}


@pytest.fixture
def books(fin_user: Any, frozen_clock: Any, settings: Any, tmp_path: Path) -> Books:
    from tests.factories import financeiro

    settings.DATA_DIR = tmp_path
    settings.TASKS = QUEUE
    settings.FATURA_BANK_FILE_BACKGROUND_ENTRIES = 2
    return Books(fin_user, financeiro("aprovador"), frozen_clock)


def test_the_page_follows_a_large_file(books: Books, fin_client: Client) -> None:
    data = _statement(books)
    upload = {"arquivo": SimpleUploadedFile("extrato.ofx", data)}
    response = fin_client.post("/pagamentos/banco/", upload)
    job = BankFileJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/pagamentos/banco/importacoes/{job.pk}/"
    page = fin_client.get(response["Location"]).content.decode()
    assert 'data-status="queued"' in page and "Importação de arquivo bancário" in page
    assert "extrato.ofx · OFX · 4 lançamentos" in page
    assert 'hx-trigger="every 1s"' in page and "<progress" in page
    bank_file_job_execute(job.pk)
    box = fin_client.get(response["Location"], headers=HTMX).content.decode()
    assert 'data-status="done"' in box and "hx-trigger" not in box
    assert "3 conciliados, 1 pendentes" in box
