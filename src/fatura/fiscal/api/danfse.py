"""GET /nfse/{number}/danfse.pdf: the DANFSe of an NFS-e, drawn from its authorized XML
(decision 0039). ``number``: the NFS-e's own number or the issuance's (DPS-…)."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Router

from fatura.core.roles import Capability, require
from fatura.core.schemas import text_in
from fatura.fiscal.nfse_documents import nfse_danfse

router = Router(tags=["nfse"])

NfseNumber = Annotated[
    str,
    text_in(20, required=True, description="Número da NFS-e (nNFSe) ou da emissão (DPS-…)."),
]


@router.get(
    "/{number}/danfse.pdf",
    response={200: None},
    operation_id="fatura_fiscal_nfse_danfse",
)
def nfse_danfse_get(request: HttpRequest, number: NfseNumber) -> HttpResponse:
    """The DANFSe (PDF, the national layout v2.0) of an authorized NFS-e, with the QR code of
    the national portal's consultation; a cancelled or replaced NFS-e carries the watermark.
    404 when there is no such NFS-e; 409 when it has no authorized XML (imported from a CSV)
    or the issuance is not authorized yet."""
    require(request.user, Capability.VIEW)
    filename, pdf = nfse_danfse(number)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
