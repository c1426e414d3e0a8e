"""NFS-e zips are imported by the worker: the request stores the file under
``DATA_DIR/uploads/nfse/<random>/`` and queues :func:`fatura.fiscal.imports.nfse_import_execute`
(through :mod:`fatura.fiscal.tasks`); the page and the API follow the import's state. A CSV or
a single XML (small by nature) is still imported in the request."""

from __future__ import annotations

import contextlib
import secrets
import shutil
from pathlib import Path

from django.db import transaction

from fatura.core import clock
from fatura.core.roles import Capability, require
from fatura.core.users import User
from fatura.fiscal.imports import ZIP_MAGIC
from fatura.fiscal.models import NfseImport
from fatura.fiscal.tasks import nfse_import_task


def runs_in_background(data: bytes) -> bool:
    """A zip of NFS-e XML: imported by the worker."""
    return data.startswith(ZIP_MAGIC)


def nfse_import_request(*, by: User, filename: str, data: bytes) -> NfseImport:
    """Queue the import of an NFS-e zip (Financeiro); its errors come with the import's state."""
    require(by, Capability.MANAGE_FISCAL)
    name = Path(filename or "nfse.zip").name or "nfse.zip"
    folder = NfseImport.upload_dir() / secrets.token_hex(16)
    folder.mkdir(parents=True)
    path = folder / name
    try:
        path.write_bytes(data)
        with transaction.atomic():
            job = NfseImport.objects.create(
                filename=name[:255],
                upload=str(path),
                requested_by=by,  # type: ignore[misc]  # require() refused the anonymous
                requested_at=clock.now(),
            )
            result = nfse_import_task.enqueue(job.pk)
            NfseImport.objects.filter(pk=job.pk).update(task_id=str(result.id))
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(folder)
        raise
    job.refresh_from_db()
    return job
