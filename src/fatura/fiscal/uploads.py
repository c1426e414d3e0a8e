"""NFS-e zips are imported by the worker: the request stores the file under
``DATA_DIR/uploads/nfse/<random>/`` and queues :func:`fatura.fiscal.imports.nfse_import_execute`
(through :mod:`fatura.fiscal.tasks`); the page and the API follow the import's state. A CSV or
a single XML (small by nature) is still imported in the request."""

from __future__ import annotations

from django.db import transaction

from fatura.core import clock
from fatura.core.roles import Capability, require
from fatura.core.uploads import upload_stored
from fatura.core.users import User
from fatura.fiscal.imports import ZIP_MAGIC
from fatura.fiscal.models import NfseImport
from fatura.fiscal.tasks import nfse_import_task


def runs_in_background(data: bytes) -> bool:
    """A zip of NFS-e XML: imported by the worker."""
    return data.startswith(ZIP_MAGIC)


def nfse_import_request(*, by: User, filename: str, data: bytes) -> NfseImport:
    """Queue the import of an NFS-e zip (Financeiro); its errors come with the import's state."""
    by = require(by, Capability.MANAGE_FISCAL)
    with (
        upload_stored(
            root=NfseImport.upload_dir(), filename=filename, default="nfse.zip", data=data
        ) as (name, path),
        transaction.atomic(),
    ):
        job = NfseImport.objects.create(
            filename=name[:255],
            upload=str(path),
            requested_by=by,
            requested_at=clock.now(),
        )
        result = nfse_import_task.enqueue(job.pk)
        NfseImport.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job
