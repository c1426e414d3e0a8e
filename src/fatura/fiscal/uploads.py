"""NFS-e zips are imported by the worker: the request stores the file under
``DATA_DIR/uploads/nfse/<random>/`` and queues :func:`fatura.fiscal.imports.nfse_import_execute`
(through :mod:`fatura.fiscal.tasks`); the page and the API follow the import's state. A CSV or
a single XML (small by nature) is still imported in the request."""

from __future__ import annotations

from fatura.core import clock
from fatura.core.roles import Capability, require
from fatura.core.uploads import upload_job_queue
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
    return upload_job_queue(
        model=NfseImport,
        task=nfse_import_task,
        root=NfseImport.upload_dir(),
        filename=filename,
        default="nfse.zip",
        data=data,
        requested_by=by,
        requested_at=clock.now(),
    )
