"""The request side of a large bank file's import (docs/decisions/0035): the request reads the
whole file first — a bad one is refused there with its line and field, nothing stored or
queued — and only a file of more than :func:`background_entries` entries is queued: the upload
kept under ``DATA_DIR/uploads/bank-files/``, a :class:`BankFileJob` and a django-tasks task
(:mod:`fatura.banking.tasks`, which runs :func:`fatura.banking.jobs.bank_file_job_execute`)."""

from __future__ import annotations

import os

from django.conf import settings

from fatura.banking import files
from fatura.banking.models import BankFileJob
from fatura.banking.tasks import bank_file_job_task
from fatura.core import clock
from fatura.core.roles import Capability, require
from fatura.core.uploads import upload_job_queue
from fatura.core.users import User

DEFAULT_BACKGROUND_ENTRIES = 300  # ~25-45 ms a payment: over ten seconds in the request


def background_entries() -> int:
    """Files with more entries than this are imported by the worker
    (``FATURA_BANK_FILE_BACKGROUND_ENTRIES``: a setting, else the environment)."""
    value = getattr(settings, "FATURA_BANK_FILE_BACKGROUND_ENTRIES", None)
    if value is None:
        value = os.environ.get("FATURA_BANK_FILE_BACKGROUND_ENTRIES") or None
    return DEFAULT_BACKGROUND_ENTRIES if value is None else int(value)


def runs_in_background(parsed: files.ParsedFile) -> bool:
    return len(parsed.entries) > background_entries()


def bank_file_job_request(
    *, by: User, parsed: files.ParsedFile, data: bytes, name: str = ""
) -> BankFileJob:
    """Queue the import of a file already read whole (:func:`bank_files.bank_file_read`)."""
    actor = require(by, Capability.RECORD_PAYMENTS)
    return upload_job_queue(
        model=BankFileJob,
        task=bank_file_job_task,
        root=BankFileJob.upload_dir(),
        filename=name,
        default="arquivo-bancario",
        data=data,
        kind=parsed.kind,
        entries=len(parsed.entries),
        requested_by=actor,
        requested_at=clock.now(),
    )
